#!/usr/bin/env node
// Writes the options tables of the READMEs from the programs' option tables (after `npm run build`):
// the text between <!-- options:NAME --> and <!-- /options:NAME --> is replaced. `--check` changes nothing and
// exits 1 naming the READMEs that are out of date. test/unit/readme-options.test.ts runs the same check.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { README_TABLES, replaceTables } from './readme-tables.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
const tables = await README_TABLES((p) => import(new URL(`../${p}/dist/index.js`, import.meta.url).href));
let stale = 0;
for (const [file, blocks] of Object.entries(tables)) {
  const path = `${root}${file}`;
  const before = readFileSync(path, 'utf8');
  const after = replaceTables(before, blocks, file);
  if (after === before) continue;
  stale++;
  if (check) {
    console.error(`${file}: options table out of date (npm run build && node scripts/readme-options.mjs)`);
  } else {
    writeFileSync(path, after);
    console.log(`${file}: options table written`);
  }
}
process.exitCode = check && stale > 0 ? 1 : 0;
