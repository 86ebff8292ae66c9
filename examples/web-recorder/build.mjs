// node examples/web-recorder/build.mjs [outdir]: bundles the page and the worker with esbuild (browser
// conditions of @fleetwire/device-sdk) and copies index.html and sqlite3.wasm beside them. Serve the
// folder over https (or http://localhost) from the same origin as the token endpoint.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] ?? path.join(here, 'dist'));
fs.mkdirSync(out, { recursive: true });
for (const [entry, file] of [
  ['src/app.ts', 'app.js'],
  ['src/worker.ts', 'worker.js'],
]) {
  await build({
    entryPoints: [path.join(here, entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: path.join(out, file),
    logLevel: 'warning',
  });
}
fs.copyFileSync(path.join(here, 'index.html'), path.join(out, 'index.html'));
fs.copyFileSync(createRequire(import.meta.url).resolve('@sqlite.org/sqlite-wasm/sqlite3.wasm'), path.join(out, 'sqlite3.wasm'));
console.log(`web-recorder built in ${out}`);
