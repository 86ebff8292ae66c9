import { fleetwire } from '@fleetwire/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commutePhases, newDeviceState, processTelemetry, resolveCoreConfig, simulateDrive } from '../src/core/index.js';
import { MemoryCache } from '../src/adapters/cache.js';
import { MemoryLog } from '../src/adapters/memory-log.js';
import { loadModel, type RiskModel } from '../src/adapters/onnx/model.js';
import { migrate } from '../src/adapters/pg/migrate.js';
import { createPgliteDb, type PgliteDb } from '../src/adapters/pglite/db.js';
import { startRealtimeScorer } from '../src/realtime/scorer.js';
import { telemetryBytes } from './fixtures-telemetry.js';

const T0 = Date.UTC(2026, 5, 1, 12);

describe('real-time scorer on PGlite + in-memory log + in-memory cache (demo wiring)', { timeout: 60_000 }, () => {
  let db: PgliteDb;
  let model: RiskModel;
  beforeAll(async () => {
    db = await createPgliteDb();
    await migrate(db);
    model = await loadModel('1.0.0');
  }, 60_000);
  afterAll(async () => {
    await model?.close();
    await db?.close();
  });

  it('scores trips end to end, dead-letters poison, and a replay from offset 0 changes nothing', async () => {
    const log = new MemoryLog();
    const cache = new MemoryCache();
    const published: string[] = [];
    cache.subscribe('fw:{acme}:scores', (m) => published.push(m));
    for (const [dev, harsh] of [
      ['dev-a', true],
      ['dev-b', false],
    ] as const) {
      for (const b of simulateDrive({ deviceId: dev, startMs: T0, phases: commutePhases({ harsh }) })) log.append('fw.telemetry.v1', dev, telemetryBytes(b));
    }
    log.append('fw.telemetry.v1', 'dev-x', Buffer.from('not protobuf at all'));
    const source = log.source('fw.telemetry.v1', { maxBatch: 7 });
    const scorer = await startRealtimeScorer({ source, publisher: log, db, cache, model, sweepIntervalMs: 0 });
    expect(await source.drained()).toBe(true);
    await scorer.stop();

    const trips = (
      await db.query<{ device_id: string; harsh_braking: number; score: number }>('SELECT device_id, harsh_braking, score FROM trips ORDER BY device_id')
    ).rows;
    expect(trips.map((t) => t.device_id)).toEqual(['dev-a', 'dev-b']);
    expect(trips[0]!.harsh_braking).toBe(1);
    const events = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM safety_events')).rows[0]!.n;
    expect(events).toBe(3);
    expect(log.read('fw.trips.v1')).toHaveLength(2);
    expect(log.read('fw.scores.v1')).toHaveLength(2);
    expect(log.read('fw.alerts.v1')).toHaveLength(3);
    const dl = fleetwire.v1.DeadLetter.decode(log.read('fw.deadletter.v1')[0]!.value!);
    expect(dl.reasonCode).toBe('decode_failed');
    expect(dl.stage).toBe('scoring-rt');
    const latest = JSON.parse((await cache.get('fw:{acme}:score:dev-a'))!);
    expect(latest.score).toBeCloseTo(trips[0]!.score, 6);
    expect(published).toHaveLength(2);
    expect(JSON.parse((await cache.hget('fw:{acme}:features', 'dev-b'))!).harsh_braking_per_100km).toBe(0);
    expect((await db.query('SELECT 1 FROM outbox')).rows).toHaveLength(0);

    // Replay everything (offsets lost): nothing new anywhere.
    const replay = log.source('fw.telemetry.v1', { maxBatch: 50 });
    const again = await startRealtimeScorer({ source: replay, publisher: log, db, cache, model, sweepIntervalMs: 0 });
    expect(await replay.drained()).toBe(true);
    await again.stop();
    const count = async (t: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0]!.n;
    expect(await count('trips')).toBe(2);
    expect(await count('safety_events')).toBe(3);
    expect(await count('risk_scores')).toBe(2);
    expect(log.read('fw.scores.v1')).toHaveLength(2);
    expect(again.metrics.duplicates.get()).toBeGreaterThan(10);
  });

  it('a restart mid-trip resumes from the persisted device state: same trip as an uninterrupted run', async () => {
    const log = new MemoryLog();
    const cache = new MemoryCache();
    const batches = simulateDrive({ deviceId: 'dev-r', startMs: T0 + 3_600_000, phases: commutePhases({ harsh: true }) });
    const half = Math.floor(batches.length / 2);
    for (const b of batches.slice(0, half)) log.append('fw.telemetry.v1', 'dev-r', telemetryBytes(b));
    const s1 = log.source('fw.telemetry.v1', { maxBatch: 3 });
    const a = await startRealtimeScorer({ source: s1, publisher: log, db, cache, model, sweepIntervalMs: 0 });
    expect(await s1.drained()).toBe(true);
    await a.stop(); // process gone: its memory is lost, only Postgres and the committed offset remain
    const open = (await db.query<{ trip_open: boolean }>(`SELECT trip_open FROM device_state WHERE device_id = 'dev-r'`)).rows[0]!;
    expect(open.trip_open).toBe(true);
    for (const b of batches.slice(half)) log.append('fw.telemetry.v1', 'dev-r', telemetryBytes(b));
    const s2 = log.source('fw.telemetry.v1', { maxBatch: 5, startOffset: s1.committed });
    const b2 = await startRealtimeScorer({ source: s2, publisher: log, db, cache, model, sweepIntervalMs: 0 });
    expect(await s2.drained()).toBe(true);
    await b2.stop();
    const st = newDeviceState('acme', 'dev-r');
    const ref = batches.flatMap((b) => processTelemetry(st, b, resolveCoreConfig()).trips);
    const got = (
      await db.query<{ trip_id: string; distance_m: number; harsh_braking: number; features: number[] }>(
        `SELECT trip_id, distance_m, harsh_braking, features FROM trips WHERE device_id = 'dev-r'`,
      )
    ).rows;
    expect(got).toHaveLength(1);
    expect(got[0]!.trip_id).toBe(ref[0]!.tripId);
    expect(got[0]!.distance_m).toBeCloseTo(ref[0]!.sums.distance_m, 6);
    expect(got[0]!.features).toEqual(ref[0]!.features);
  });

  it('the sweep closes the open trip of a device that went silent', async () => {
    const log = new MemoryLog();
    const cache = new MemoryCache();
    const batches = simulateDrive({ deviceId: 'dev-q', startMs: T0 + 7_200_000, phases: commutePhases({ idleEndS: 30 }) });
    for (const b of batches) log.append('fw.telemetry.v1', 'dev-q', telemetryBytes(b));
    const src = log.source('fw.telemetry.v1');
    const s = await startRealtimeScorer({ source: src, publisher: log, db, cache, model, sweepIntervalMs: 0 });
    expect(await src.drained()).toBe(true);
    // Silence is measured on arrival (wall clock): the data itself is from the past.
    const now = Date.now();
    expect(await s.sweep(now + 60_000)).toBe(0); // not silent long enough (gapMs = 10 min)
    expect(await s.sweep(now + 11 * 60_000)).toBe(1);
    expect(await s.sweep(now + 12 * 60_000)).toBe(0);
    await s.stop();
    expect((await db.query(`SELECT 1 FROM trips WHERE device_id = 'dev-q'`)).rows).toHaveLength(1);
    expect(JSON.parse((await cache.get('fw:{acme}:score:dev-q'))!).scope).toBe('trip');
  });
});
