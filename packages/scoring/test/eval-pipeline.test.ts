// The real-data evaluation runs the scorer's core directly (fast enough for every bundled recording). This
// test proves that is what the deployed pipeline computes: the same recordings as TelemetryRecords through the
// real-time scorer on the embedded stack the demo wires (log -> scorer -> PGlite, outbox, scores topic) give the
// same trips, the same event counts and the same scores, per factor too.
import { fleetwire, identityKey, encodeTelemetryRecord } from '@fleetwire/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../src/adapters/cache.js';
import { MemoryLog } from '../src/adapters/memory-log.js';
import { loadModel, type RiskModel } from '../src/adapters/onnx/model.js';
import { migrate } from '../src/adapters/pg/migrate.js';
import { createPgliteDb, type PgliteDb } from '../src/adapters/pglite/db.js';
import { DEFAULT_MODEL_VERSION } from '../src/config.js';
import { resolveCoreConfig } from '../src/core/config.js';
import { EV } from '../src/core/types.js';
import { runRecording, toBatches } from '../src/eval/pipeline.js';
import { readDirectory } from '../src/eval/readers.js';
import { defaultEvalDirs, scoreTrips } from '../src/eval/run-eval.js';
import type { Recording } from '../src/eval/recording.js';
import { startRealtimeScorer } from '../src/realtime/scorer.js';

const TENANT = 'eval';
let model: RiskModel;
let db: PgliteDb;
let picks: Recording[];

beforeAll(async () => {
  model = await loadModel(DEFAULT_MODEL_VERSION);
  db = await createPgliteDb();
  await migrate(db);
  // One recording per bundled data set: the longest (most trips, events and speeding to compare).
  picks = defaultEvalDirs().map((dir) => readDirectory(dir).sort((a, b) => b.gps.length - a.gps.length)[0]!);
}, 60_000);
afterAll(async () => {
  await model?.close();
  await db?.close();
});

describe('the evaluation computes what the pipeline computes', () => {
  it('same trips, event counts and scores through log -> real-time scorer -> PGlite', async () => {
    const cfg = resolveCoreConfig();
    const log = new MemoryLog();
    const ids = new Map<string, Recording>();
    for (const rec of picks) {
      const deviceId = rec.id.replace(/[^A-Za-z0-9._:-]/g, '_');
      ids.set(deviceId, rec);
      for (const raw of toBatches(rec, deviceId)) {
        log.append(
          'fw.telemetry.v1',
          identityKey(TENANT, deviceId),
          encodeTelemetryRecord({ tenant: TENANT, deviceId, receivedAtMs: Date.now(), sourceFormat: 'batch' }, raw),
        );
      }
    }
    const source = log.source('fw.telemetry.v1', { maxBatch: 200 });
    const scorer = await startRealtimeScorer({ source, publisher: log, db, cache: new MemoryCache(), model, sweepIntervalMs: 0 });
    expect(await source.drained(120_000)).toBe(true);
    await scorer.sweep(Date.now() + 365 * 86_400_000); // close the last trips, as the direct run's flushIdle does
    await scorer.stop();
    expect(scorer.metrics.deadLetters.get({ reason: 'store_failed' }) + scorer.metrics.deadLetters.get({ reason: 'processing_failed' })).toBe(0);

    const published = log.read('fw.scores.v1').map((e) => fleetwire.v1.RiskScoreCalculated.decode(e.value!));
    for (const [deviceId, rec] of ids) {
      const direct = await runRecording(rec, cfg);
      const directScores = await scoreTrips(model, direct.trips);
      const trips = (
        await db.query<{ trip_id: string; distance_m: number; score: number }>(
          'SELECT trip_id::text, distance_m, score FROM trips WHERE tenant = $1 AND device_id = $2 ORDER BY start_time',
          [TENANT, deviceId],
        )
      ).rows;
      expect(
        trips.map((t) => t.trip_id),
        deviceId,
      ).toEqual(direct.trips.map((t) => t.tripId));
      trips.forEach((t, i) => {
        expect(t.distance_m, `${deviceId} trip ${i} distance`).toBeCloseTo(direct.trips[i]!.sums.distance_m, 6);
        expect(t.score, `${deviceId} trip ${i} score`).toBeCloseTo(directScores[i]!.score, 6);
      });
      const counts = (
        await db.query<{ type: number; n: number }>(
          'SELECT type, count(*)::int AS n FROM safety_events WHERE tenant = $1 AND device_id = $2 GROUP BY type ORDER BY type',
          [TENANT, deviceId],
        )
      ).rows;
      const want = new Map<number, number>();
      for (const e of direct.events) want.set(e.type, (want.get(e.type) ?? 0) + 1);
      expect(Object.fromEntries(counts.map((c) => [c.type, c.n])), deviceId).toEqual(Object.fromEntries([...want].sort((a, b) => a[0] - b[0])));
      // The per-factor breakdown on fw.scores.v1 is the evaluation's.
      const mine = published.filter((s) => s.deviceId === deviceId);
      expect(mine.map((s) => s.tripId)).toEqual(direct.trips.map((t) => t.tripId));
      mine.forEach((s, i) => {
        for (const [k, v] of Object.entries(directScores[i]!.factors)) expect(s.factors[k], `${deviceId} trip ${i} ${k}`).toBeCloseTo(v, 6);
      });
    }
    // The comparison is not vacuous: the picked recordings hold trips and harsh events.
    const all = await db.query<{ trips: number; events: number }>(
      `SELECT (SELECT count(*)::int FROM trips) AS trips, (SELECT count(*)::int FROM safety_events WHERE type <> ${EV.SPEEDING}) AS events`,
    );
    expect(all.rows[0]!.trips).toBeGreaterThanOrEqual(3);
    expect(all.rows[0]!.events).toBeGreaterThan(0);
  }, 240_000);
});
