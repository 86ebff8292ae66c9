import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDb, type PgliteDb } from '../src/adapters/pglite/db.js';
import { migrate, MigrationError, readMigrations } from '../src/adapters/pg/migrate.js';
import { PartitionManager } from '../src/adapters/pg/partitions.js';

describe('migrations and partitions on PGlite (embedded Postgres)', () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await createPgliteDb();
  }, 60_000);
  afterAll(async () => db?.close());

  it('applies every migration once; a second run applies nothing', async () => {
    const first = await migrate(db);
    expect(first.applied.map((a) => a.version)).toEqual(readMigrations().map((m) => m.version));
    const second = await migrate(db);
    expect(second.applied).toEqual([]);
    expect(second.current).toBe(first.current);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(rows[0]!.n).toBe(readMigrations().length);
  });

  it('refuses an applied migration whose file changed', async () => {
    const ms = readMigrations();
    ms[0] = { ...ms[0]!, checksum: 'edited' };
    await expect(migrate(db, ms)).rejects.toBeInstanceOf(MigrationError);
    await expect(migrate(db, ms)).rejects.toMatchObject({ code: 'checksum_mismatch' });
  });

  it('creates monthly partitions ahead, routes rows, exports and drops past retention', async () => {
    const pm = new PartitionManager(db);
    const now = Date.UTC(2026, 10, 15);
    expect(await pm.createAhead(now, 1)).toBe(8); // 4 tables x (Nov, Dec)
    expect(await pm.createAhead(now, 1)).toBe(0);
    await pm.ensureFor([Date.UTC(2026, 6, 3)]); // July
    const names = (await pm.list()).map((p) => p.name);
    expect(names).toContain('trips_p202607');
    expect(names).toContain('risk_scores_p202612');
    expect(names.length).toBe(12);
    await db.query(
      `INSERT INTO risk_scores (score_id, time, scope, tenant, driver_id, risk, score, model_version, features)
       VALUES (gen_random_uuid(), '2026-07-10 00:00:00+00', 'period', 'acme', 'drv-1', 0.2, 80, 't', '{1,2}')`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'fw-export-'));
    const res = await pm.retire({ nowMs: now, retentionMonths: 3, exportDir: dir });
    expect(res.retired.map((p) => p.name).sort()).toEqual(['batch_summaries_p202607', 'risk_scores_p202607', 'safety_events_p202607', 'trips_p202607']);
    const csv = readFileSync(join(dir, 'risk_scores_p202607.csv'), 'utf8');
    expect(csv.split('\n')[0]).toContain('score_id');
    expect(csv).toContain('drv-1');
    expect((await pm.list()).length).toBe(8);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM risk_scores');
    expect(rows[0]!.n).toBe(0);
  });
});
