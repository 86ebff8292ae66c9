// Migration 004 (device_state.state as text) on a real Postgres that holds states written before it, in the
// form of that version (jsonb, processed keys as strings in `recent`): the rows keep their value, the scorer
// continues them (a replay of a key only the state remembers is still a duplicate), it persists the compact
// `seen` runs, and the upsert of the version before still works against the text column (a rollback).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../src/adapters/cache.js';
import { MemoryLog } from '../src/adapters/memory-log.js';
import { loadModel, type RiskModel } from '../src/adapters/onnx/model.js';
import type { PgDb } from '../src/adapters/pg/db.js';
import { migrate, readMigrations } from '../src/adapters/pg/migrate.js';
import { type DeviceState, DEFAULT_CORE_CONFIG, newDeviceState, processTelemetry, seenKeys, simulateDrive } from '../src/core/index.js';
import { startRealtimeScorer } from '../src/realtime/scorer.js';
import { DEFAULT_MODEL_VERSION } from '../src/config.js';
import { telemetryBytes } from './fixtures-telemetry.js';
import { dropSchemaDb, schemaDb } from './int-helpers.js';

const T0 = Date.UTC(2026, 5, 3, 8);
// The device_state upsert of the scorer before migration 004 (store.ts at stop 26), verbatim.
const OLD_UPSERT = `INSERT INTO device_state (tenant, device_id, state, trip_open, last_t_ms, updated_at)
  SELECT t, d, s::jsonb, o, l, clock_timestamp() FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], $5::bigint[]) AS x(t, d, s, o, l)
  ON CONFLICT (tenant, device_id) DO UPDATE SET state = EXCLUDED.state, trip_open = EXCLUDED.trip_open, last_t_ms = EXCLUDED.last_t_ms, updated_at = clock_timestamp()`;

/** A state as the version before `seen` persisted it: keys as strings in `recent`, no `seen`. */
function olderForm(st: DeviceState): Record<string, unknown> {
  const { seen, ...rest } = st;
  return { ...rest, recent: seenKeys(seen, st.tenant, st.deviceId) };
}

describe('migration 004 on a database holding states of the version before', () => {
  let db: PgDb;
  let model: RiskModel;
  beforeAll(async () => {
    db = await schemaDb('scoring_m004_');
    model = await loadModel(DEFAULT_MODEL_VERSION);
  });
  afterAll(async () => {
    await model?.close();
    await dropSchemaDb(db);
  });

  it('keeps the states, continues them, writes compact ones, and still takes the older upsert', async () => {
    const q = async <T>(sql: string, p: unknown[] = []) => (await db.query<T>(sql, p)).rows;
    const all = readMigrations();
    await migrate(
      db,
      all.filter((m) => m.version <= 3),
    );
    const drive = simulateDrive({ deviceId: 'truck-4', bootId: 'b-4', startMs: T0, phases: [{ duration: 60 }, { duration: 8, accel: -2 }, { duration: 500 }] });
    expect(drive.length).toBeGreaterThan(6);
    // Batches 1-3 were processed before the migration; their keys are in the state only.
    const before = newDeviceState('acme', 'truck-4');
    for (const b of drive.slice(0, 3)) processTelemetry(before, b, DEFAULT_CORE_CONFIG);
    const persisted = olderForm(before);
    await q(OLD_UPSERT, [['acme'], ['truck-4'], [JSON.stringify(persisted)], [true], [before.last!.t]]);

    const r = await migrate(db, all);
    expect(r.applied.map((m) => m.version)).toEqual([4]);
    expect(
      await q(`SELECT data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'device_state' AND column_name = 'state'`, [
        db.schema,
      ]),
    ).toEqual([{ data_type: 'text' }]);
    expect((await q<{ o: string[] }>(`SELECT reloptions AS o FROM pg_class WHERE oid = 'device_state'::regclass`))[0]!.o).toContain('toast_tuple_target=8160');
    expect((await q<{ s: unknown }>('SELECT state::jsonb AS s FROM device_state'))[0]!.s).toEqual(persisted);

    // The scorer: batch 3 again (a duplicate only the state knows), then the rest of the drive.
    const log = new MemoryLog();
    for (const b of drive.slice(2)) log.append('fw.telemetry.v1', 'acme/truck-4', telemetryBytes(b, 'acme'));
    const source = log.source('fw.telemetry.v1');
    const scorer = await startRealtimeScorer({ source, db, cache: new MemoryCache(), model, sweepIntervalMs: 0 });
    expect(await source.drained()).toBe(true);
    await scorer.stop();
    expect(scorer.metrics.duplicates.get()).toBe(1);
    const after = JSON.parse((await q<{ s: string }>('SELECT state AS s FROM device_state'))[0]!.s) as DeviceState;
    expect(after.recent).toEqual([]);
    expect(after.seen).toEqual([['b-4', 1, drive.length]]);
    // The same drive in one go in memory: the same state (the migration and the format change lose nothing).
    const inOne = newDeviceState('acme', 'truck-4');
    for (const b of drive) processTelemetry(inOne, b, DEFAULT_CORE_CONFIG);
    expect(after).toEqual(JSON.parse(JSON.stringify(inOne)));

    // Rolled back: the older scorer's upsert against the text column, its keys then read by this version.
    const rolled = { ...olderForm(after), seen: after.seen, recent: [`acme/truck-4/b-5/1`] };
    await q(OLD_UPSERT, [['acme'], ['truck-4'], [JSON.stringify(rolled)], [true], [after.last!.t]]);
    const again = new MemoryLog();
    const [b5] = simulateDrive({ deviceId: 'truck-4', bootId: 'b-5', startMs: drive.at(-1)!.gps.t.at(-1)! + 1000, phases: [{ duration: 30 }] });
    again.append('fw.telemetry.v1', 'acme/truck-4', telemetryBytes(b5!, 'acme'));
    const source2 = again.source('fw.telemetry.v1');
    const scorer2 = await startRealtimeScorer({ source: source2, db, cache: new MemoryCache(), model, sweepIntervalMs: 0 });
    expect(await source2.drained()).toBe(true);
    await scorer2.stop();
    expect(scorer2.metrics.duplicates.get()).toBe(1);
  });
});
