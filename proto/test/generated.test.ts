// The committed generated code must be exactly what protobufjs-cli produces from the .proto files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const protoRoot = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'fw-gen-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('generated code', () => {
  it('regeneration gives byte-identical output', () => {
    execFileSync(process.execPath, [join(protoRoot, 'scripts', 'gen.mjs'), '--out', out], { stdio: 'pipe' });
    for (const f of ['fleetwire.js', 'fleetwire.d.ts']) {
      const committed = readFileSync(join(protoRoot, 'src', 'generated', f), 'utf8');
      const fresh = readFileSync(join(out, f), 'utf8');
      expect(fresh, `${f} is stale: run \`npm run gen -w @fleetwire/proto\``).toBe(committed);
    }
  }, 60_000);
});
