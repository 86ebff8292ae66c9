// The storage conformance suite against every adapter that runs in Node: better-sqlite3 (real files),
// op-sqlite and expo-sqlite (their adapters over sqlite-wasm stand-ins). The OPFS adapter runs the same
// cases in Chromium (browser.int.test.ts).
import fs from 'node:fs';
import { afterAll, describe, it } from 'vitest';
import { conformanceCases } from './storage/conformance.js';
import { betterSqliteHarness, expoSqliteHarness, opSqliteHarness, tmpDir } from './storage/harnesses.js';

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

for (const h of [betterSqliteHarness(dir), opSqliteHarness, expoSqliteHarness]) {
  describe(`storage conformance: ${h.name}`, () => {
    for (const c of conformanceCases) it(c.name, () => c.run(h));
  });
}
