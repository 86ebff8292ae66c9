// Every CLI and subcommand answers --help with its options (generated from its option table) and exits 0.
// Runs the built dist/cli.js files, as deployed (`npm test` builds first).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEMO_OPTIONS } from '@fleetwire/demo';
import { RUN_OPTIONS, EXPORT_OPTIONS } from '@fleetwire/firmware-sim';
import { OPTIONS } from '@fleetwire/gateway';
import { SCORING_OPTIONS } from '@fleetwire/scoring';
import type { OptionTable } from '@fleetwire/runtime';
import { describe, expect, it } from 'vitest';

const cli = (p: string) => fileURLToPath(new URL(`../../${p}/dist/cli.js`, import.meta.url));
const CLIS = { gateway: cli('packages/gateway'), scoring: cli('packages/scoring'), sim: cli('firmware-sim'), demo: cli('demo') };

function help(bin: string, args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every flag and variable of the table is in the text. */
function names(table: OptionTable): string[] {
  return table.flatMap((o) => [o.flag ? `--${o.flag}` : null, o.env ?? null].filter((x): x is string => x !== null));
}

describe('--help', () => {
  it.each([
    ['gateway', ['--help'], ['serve', 'push-config', 'mint-token', 'hash-secret']],
    ['gateway', ['serve', '--help'], names(OPTIONS)],
    ['gateway', ['push-config', '--help'], ['--tenant', '--device', '--url', '--partner', '--version', '--batch-interval-ms', '--speed-limit-cms']],
    ['gateway', ['mint-token', '-h'], ['--tenant', '--device', '--ttl-sec']],
    ['gateway', ['hash-secret', '--help'], ['<secret>']],
    ['scoring', ['--help'], ['migrate', 'run', 'batch', 'partitions', 'eval', ...names(SCORING_OPTIONS)]],
    ['scoring', ['run', '--help'], names(SCORING_OPTIONS)],
    ['scoring', ['migrate', '--help'], ['FW_DATABASE_URL', 'FW_DB_SCHEMA']],
    ['scoring', ['batch', '--help'], ['--all', '--tenant', '--drivers', '--period', '--until', '--chunk']],
    ['scoring', ['partitions', '--help'], ['--ahead', '--retention-months', '--export', '--dry-run']],
    ['scoring', ['eval', '--help'], ['--model', '--json']],
    ['sim', ['--help'], [...names(RUN_OPTIONS), ...names(EXPORT_OPTIONS)]],
    ['sim', ['run', '--help'], names(RUN_OPTIONS)],
    ['sim', ['export', '--help'], names(EXPORT_OPTIONS)],
    ['demo', ['--help'], names(DEMO_OPTIONS)],
  ] as const)('%s %j exits 0 and lists its options', (which, args, expected) => {
    const r = help(CLIS[which], [...args]);
    expect(r.code, r.err).toBe(0);
    for (const n of expected) expect(r.out, n).toContain(n);
  });
  it('a bad flag value still exits non-zero naming it', () => {
    const r = help(CLIS.gateway, ['serve', '--mqtt-port', 'x']);
    expect([r.code, r.err.includes('bad --mqtt-port "x"')]).toEqual([2, true]);
  });
});
