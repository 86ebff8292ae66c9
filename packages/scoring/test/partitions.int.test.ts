// Migrations + partition manager on the real Postgres server (the PGlite twin is pglite-migrations.test.ts).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgDb } from '../src/adapters/pg/db.js';
import { migrate, readMigrations } from '../src/adapters/pg/migrate.js';
import { PartitionManager } from '../src/adapters/pg/partitions.js';
import { dropSchemaDb, schemaDb } from './int-helpers.js';

describe('partition manager on Postgres', () => {
  let db: PgDb;
  beforeAll(async () => {
    db = await schemaDb('scoring_part_');
  });
  afterAll(async () => {
    await dropSchemaDb(db);
  });

  it('concurrent migrators apply each migration exactly once (advisory lock)', async () => {
    const results = await Promise.all([migrate(db), migrate(db), migrate(db)]);
    expect(results.reduce((n, r) => n + r.applied.length, 0)).toBe(readMigrations().length);
  });

  it('creates ahead, prunes by time, retires with CSV export', async () => {
    const pm = new PartitionManager(db);
    const now = Date.UTC(2027, 0, 20);
    expect(await pm.createAhead(now, 2)).toBe(12);
    await Promise.all([pm.ensureFor([Date.UTC(2026, 8, 1)]), new PartitionManager(db).ensureFor([Date.UTC(2026, 8, 2)])]); // racing creators
    const parts = await pm.list();
    expect(parts.filter((p) => p.table === 'trips').map((p) => p.name)).toEqual(['trips_p202609', 'trips_p202701', 'trips_p202702', 'trips_p202703']);
    await db.query(`INSERT INTO safety_events (event_id, time, tenant, device_id, driver_id, type, type_name, duration_ms, peak, lat_e7, lon_e7, speed_cms, severity)
      VALUES ('00000000-0000-4000-8000-000000000001', '2026-09-05 10:00:00+00', 'acme', 'd', 'drv', 1, 'harsh_braking', 1000, 400, 0, 0, 1000, 'low'),
             ('00000000-0000-4000-8000-000000000002', '2027-01-05 10:00:00+00', 'acme', 'd', 'drv', 1, 'harsh_braking', 1000, 400, 0, 0, 1000, 'low')`);
    const plan = (
      await db.query<{ plan: string }>(
        `EXPLAIN SELECT * FROM safety_events WHERE tenant = 'acme' AND driver_id = 'drv' AND time >= '2027-01-01' AND time < '2027-02-01'`,
      )
    ).rows
      .map((r) => Object.values(r)[0])
      .join('\n');
    expect(plan).toContain('safety_events_p202701');
    expect(plan).not.toContain('safety_events_p202609');
    const dry = await pm.retire({ nowMs: now, retentionMonths: 3, dryRun: true });
    expect(dry.retired).toHaveLength(4);
    expect((await pm.list()).length).toBe(16);
    await db.query(
      `INSERT INTO processed_batches (tenant, device_id, boot_id, seq, processed_at) VALUES ('acme', 'd', 'b', 1, '2026-09-05+00'), ('acme', 'd', 'b', 2, '2027-01-05+00')`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'fw-retire-'));
    const res = await pm.retire({ nowMs: now, retentionMonths: 3, exportDir: dir });
    expect(res.keysPruned).toBe(1);
    expect(res.exported).toHaveLength(4);
    expect(readFileSync(join(dir, 'safety_events_p202609.csv'), 'utf8')).toContain('harsh_braking');
    expect((await pm.list()).length).toBe(12);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM safety_events')).rows[0]!.n).toBe(1);
  });
});
