// Migration 002 (tenant in every key) on a real Postgres that holds schema-v1 rows: the rows are migrated in
// place with their tenant, the keys lead with tenant, a replay of a batch processed under v1 is still a
// duplicate, an open trip persisted by v1 is continued, and two tenants may then use the same ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../src/adapters/cache.js';
import { MemoryLog } from '../src/adapters/memory-log.js';
import { loadModel, type RiskModel } from '../src/adapters/onnx/model.js';
import type { PgDb } from '../src/adapters/pg/db.js';
import { migrate, readMigrations } from '../src/adapters/pg/migrate.js';
import { PartitionManager } from '../src/adapters/pg/partitions.js';
import { emptySums, simulateDrive } from '../src/core/index.js';
import { startRealtimeScorer } from '../src/realtime/scorer.js';
import { DEFAULT_MODEL_VERSION } from '../src/config.js';
import { telemetryBytes } from './fixtures-telemetry.js';
import { dropSchemaDb, schemaDb } from './int-helpers.js';

const T0 = Date.UTC(2026, 5, 3, 8);
const OLD_TRIP = '11111111-1111-5111-8111-111111111111';

describe('migration 002 on a database holding v1 rows', () => {
  let db: PgDb;
  let model: RiskModel;
  beforeAll(async () => {
    db = await schemaDb('scoring_m002_');
    model = await loadModel(DEFAULT_MODEL_VERSION);
  });
  afterAll(async () => {
    await model?.close();
    await dropSchemaDb(db);
  });

  it('migrates v1 rows in place and keeps replays, open trips and retention working', async () => {
    const all = readMigrations();
    expect(
      (
        await migrate(
          db,
          all.filter((m) => m.version === 1),
        )
      ).current,
    ).toBe(1);
    await new PartitionManager(db).ensureFor([T0]);
    // v1 data: devices of two tenants (distinct ids, as v1 required), an open trip in a v1 state, processed keys,
    // summaries, a trip, an event and a score, as the v1 scorer wrote them (no tenant where v1 had none).
    const state = {
      v: 1,
      deviceId: 'truck-1',
      last: { t: T0, latE7: 481_370_000, lonE7: 115_750_000, speed: 12, heading: 90 },
      trip: {
        id: OLD_TRIP,
        startMs: T0 - 60_000,
        startLatE7: 481_300_000,
        startLonE7: 115_700_000,
        lastActiveT: T0,
        lastActiveLatE7: 481_370_000,
        lastActiveLonE7: 115_750_000,
        sums: { ...emptySums(), distance_m: 800, moving_s: 60, sum_v_dt: 720, sum_v2_dt: 8640, max_speed_ms: 13 },
        pendingNightS: 0,
        events: 0,
      },
      longEp: null,
      latEp: null,
      speedEp: null,
      gravity: null,
      recent: ['boot-1:1'],
    };
    await db.exec(`
      INSERT INTO drivers (driver_id, tenant) VALUES ('truck-1', 'acme'), ('van-9', 'globex');
      INSERT INTO devices (device_id, tenant, driver_id) VALUES ('truck-1', 'acme', 'truck-1'), ('van-9', 'globex', 'van-9');
      INSERT INTO device_state (device_id, state, trip_open, last_t_ms) VALUES ('truck-1', '${JSON.stringify(state)}', true, ${T0});
      INSERT INTO processed_batches (device_id, boot_id, seq) VALUES ('truck-1', 'boot-1', 1), ('van-9', 'boot-9', 1);
      INSERT INTO batch_summaries (device_id, boot_id, seq, time, end_time, driver_id, gps_samples, accel_samples, distance_m, max_speed_ms, late_samples)
        VALUES ('truck-1', 'boot-1', 1, to_timestamp(${T0 / 1000 - 60}), to_timestamp(${T0 / 1000}), 'truck-1', 61, 0, 800, 13, 0),
               ('van-9', 'boot-9', 1, to_timestamp(${T0 / 1000}), to_timestamp(${T0 / 1000 + 30}), 'van-9', 31, 0, 300, 10, 0);
      INSERT INTO trips (trip_id, start_time, end_time, tenant, device_id, driver_id, start_lat_e7, start_lon_e7, end_lat_e7, end_lon_e7, distance_m, duration_s,
        moving_s, sum_v_dt, sum_v2_dt, max_speed_ms, harsh_braking, harsh_acceleration, harsh_cornering, speeding_s, night_s, features)
        VALUES ('22222222-2222-5222-8222-222222222222', to_timestamp(${T0 / 1000 - 3600}), to_timestamp(${T0 / 1000 - 3000}), 'globex', 'van-9', 'van-9',
                0, 0, 0, 0, 5000, 600, 600, 5000, 60000, 15, 0, 0, 0, 0, 0, '{1,2}');
      INSERT INTO safety_events (event_id, time, tenant, device_id, driver_id, type, type_name, duration_ms, peak, lat_e7, lon_e7, speed_cms, severity)
        VALUES ('33333333-3333-5333-8333-333333333333', to_timestamp(${T0 / 1000 - 3500}), 'globex', 'van-9', 'van-9', 1, 'harsh_braking', 900, 410, 0, 0, 1200, 'low');
      INSERT INTO risk_scores (score_id, time, scope, tenant, driver_id, risk, score, model_version, features)
        VALUES ('44444444-4444-5444-8444-444444444444', to_timestamp(${T0 / 1000 - 3000}), 'trip', 'globex', 'van-9', 0.2, 80, '1.0.0', '{1,2}');`);

    const r = await migrate(db, all);
    expect(r.applied.map((m) => m.version)).toContain(2);
    const q = async <T>(sql: string) => (await db.query<T>(sql)).rows;
    // Every row kept, with its tenant.
    expect(await q('SELECT tenant, device_id FROM device_state')).toEqual([{ tenant: 'acme', device_id: 'truck-1' }]);
    expect((await q<{ state: { tenant: string } }>('SELECT state::jsonb AS state FROM device_state'))[0]!.state.tenant).toBe('acme');
    expect(await q('SELECT tenant, device_id, seq::int FROM processed_batches ORDER BY device_id')).toEqual([
      { tenant: 'acme', device_id: 'truck-1', seq: 1 },
      { tenant: 'globex', device_id: 'van-9', seq: 1 },
    ]);
    expect(await q('SELECT tenant, device_id FROM batch_summaries ORDER BY device_id')).toEqual([
      { tenant: 'acme', device_id: 'truck-1' },
      { tenant: 'globex', device_id: 'van-9' },
    ]);
    for (const t of ['trips', 'safety_events', 'risk_scores']) expect((await q<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`))[0]!.n).toBe(1);
    // Keys lead with tenant, on the partitions too.
    const pk = async (table: string) =>
      (await q<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = '${table}'::regclass AND contype = 'p'`))[0]!.def;
    expect(await pk('devices')).toBe('PRIMARY KEY (tenant, device_id)');
    expect(await pk('drivers')).toBe('PRIMARY KEY (tenant, driver_id)');
    expect(await pk('processed_batches')).toBe('PRIMARY KEY (tenant, device_id, boot_id, seq)');
    expect(await pk('trips')).toBe('PRIMARY KEY (tenant, trip_id, start_time)');
    expect(await pk('risk_scores')).toBe('PRIMARY KEY (tenant, score_id, "time")');
    const part = (await new PartitionManager(db).list()).find((p) => p.table === 'batch_summaries')!;
    expect(await pk(part.name)).toBe('PRIMARY KEY (tenant, device_id, boot_id, seq, "time")');
    // A write that names no tenant is refused now.
    await expect(db.query(`INSERT INTO drivers (driver_id) VALUES ('x')`)).rejects.toThrow(/tenant/);

    // The scorer on the migrated data: the v1 batch again is a duplicate; the open v1 trip is continued and
    // closed under its v1 id; globex may now have a truck-1 of its own.
    const log = new MemoryLog();
    const drive = simulateDrive({
      deviceId: 'truck-1',
      bootId: 'boot-1',
      startMs: T0 - 60_000,
      lat: 48.13,
      lon: 11.57,
      speed: 12,
      phases: [{ duration: 60 }],
      batchSeconds: 60,
    });
    log.append('fw.telemetry.v1', 'acme/truck-1', telemetryBytes(drive[0]!, 'acme')); // seq 1: processed under v1
    const later = simulateDrive({
      deviceId: 'truck-1',
      bootId: 'boot-1',
      startMs: T0 + 1000,
      lat: 48.137,
      lon: 11.575,
      speed: 12,
      phases: [{ duration: 30 }, { duration: 8, accel: -1.5 }, { duration: 400 }],
      firstSeq: 2,
      batchSeconds: 60,
    });
    for (const b of later) log.append('fw.telemetry.v1', 'acme/truck-1', telemetryBytes(b, 'acme'));
    const theirs = simulateDrive({
      deviceId: 'truck-1',
      bootId: 'g-boot',
      startMs: T0,
      lat: 52.52,
      lon: 13.4,
      phases: [{ duration: 10, accel: 2 }, { duration: 120 }, { duration: 10, accel: -2 }, { duration: 400 }],
    });
    for (const b of theirs) log.append('fw.telemetry.v1', 'globex/truck-1', telemetryBytes(b, 'globex'));
    const source = log.source('fw.telemetry.v1');
    const scorer = await startRealtimeScorer({ source, db, cache: new MemoryCache(), model, sweepIntervalMs: 0 });
    expect(await source.drained()).toBe(true);
    await scorer.stop();
    expect(scorer.metrics.duplicates.get()).toBe(1);
    const trips = await q<{ tenant: string; device_id: string; trip_id: string }>(
      "SELECT tenant, device_id, trip_id::text FROM trips WHERE device_id = 'truck-1' ORDER BY tenant",
    );
    expect(trips.map((t) => t.tenant)).toEqual(['acme', 'globex']);
    expect(trips[0]!.trip_id).toBe(OLD_TRIP);
    expect(await q("SELECT tenant, device_id FROM devices WHERE device_id = 'truck-1' ORDER BY tenant")).toEqual([
      { tenant: 'acme', device_id: 'truck-1' },
      { tenant: 'globex', device_id: 'truck-1' },
    ]);
    // Retention still works on the migrated partitions, and prunes processed keys of both tenants.
    const res = await new PartitionManager(db).retire({ nowMs: T0 + 400 * 86_400_000, retentionMonths: 3 });
    expect(res.retired.length).toBeGreaterThanOrEqual(4);
    expect((await q<{ n: number }>('SELECT count(*)::int AS n FROM trips'))[0]!.n).toBe(0);
  });
});
