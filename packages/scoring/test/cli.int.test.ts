// The built CLI (dist/cli.js, as deployed) against the real Postgres/Redis: migrate, partitions,
// batch, and a clear error for bad configuration. `npm test` builds before running tests.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv, uniq } from './int-helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const env = stackEnv();
const schema = uniq('cli_');

function run(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, FW_DATABASE_URL: env.databaseUrl, FW_REDIS_URL: env.redisUrl, FW_DB_SCHEMA: schema, FW_LOG_LEVEL: 'warn', ...extra },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} missing: build first (npm run build -w @fleetwire/scoring)`);
});
afterAll(async () => {
  const c = new pg.Client({ connectionString: env.databaseUrl });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

describe('fleetwire-scoring CLI', () => {
  it('migrate creates the schema, a second run is a no-op, partitions are listed', () => {
    expect(run(['migrate']).code).toBe(0);
    expect(run(['migrate']).code).toBe(0);
    const ensure = run(['partitions', 'ensure', '--ahead', '2']);
    expect(ensure.code).toBe(0);
    const list = run(['partitions', 'list']);
    expect(list.code).toBe(0);
    const tables = new Set(
      list.out
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[0]),
    );
    expect(tables).toEqual(new Set(['batch_summaries', 'trips', 'safety_events', 'risk_scores']));
  });

  it('batch --all on an empty period scores nothing and says so', () => {
    const r = run(['batch', '--all', '--period', '30d']);
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary.drivers).toBe(0);
    expect(summary.tenants).toEqual({});
  });

  it('bad input gives exit 1 or 2 and a message naming the problem', () => {
    const badUrl = run(['migrate'], { FW_DATABASE_URL: 'mysql://nope' });
    expect(badUrl.code).toBe(1);
    expect(badUrl.err).toContain('FW_DATABASE_URL');
    const badBatch = run(['batch']);
    expect(badBatch.code).toBe(1);
    expect(badBatch.err).toContain('--all (every tenant) or --tenant T');
    const driversWithoutTenant = run(['batch', '--drivers', 'truck-1']);
    expect([driversWithoutTenant.code, driversWithoutTenant.err.includes('--drivers are ids within a tenant')]).toEqual([1, true]);
    const badTenant = run(['batch', '--tenant', 'a/b']);
    expect([badTenant.code, badTenant.err.includes('--tenant "a/b" is not a tenant id')]).toEqual([1, true]);
    const badRetention = run(['partitions', 'retire', '--retention-months', 'x']);
    expect(badRetention.code).toBe(1);
    expect(badRetention.err).toContain('--retention-months');
    expect(run(['frobnicate']).code).toBe(2);
  });
});
