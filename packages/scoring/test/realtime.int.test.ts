// Real Kafka + Postgres + Redis: trips/events/scores end to end, replay idempotency, batch == real-time.
import { fleetwire } from '@fleetwire/proto';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commutePhases, newDeviceState, processTelemetry, resolveCoreConfig, simulateDrive, type TelemetryInput } from '../src/core/index.js';
import { createKafka, ensureTopics, KafkaPublisher, KafkaSource } from '../src/adapters/kafka/kafka.js';
import { loadModel, type RiskModel } from '../src/adapters/onnx/model.js';
import { createPgDb, type PgDb } from '../src/adapters/pg/db.js';
import { migrate } from '../src/adapters/pg/migrate.js';
import { createRedisCache, type RedisCache } from '../src/adapters/redis/cache.js';
import { runBatchScore } from '../src/batch/batch.js';
import { startOpsServer } from '../src/ops/http.js';
import { startRealtimeScorer } from '../src/realtime/scorer.js';
import { dropSchemaDb, stackEnv, uniq, until } from './int-helpers.js';
import { telemetryBytes } from './fixtures-telemetry.js';

const T0 = Date.UTC(2026, 5, 1, 12);
const id = uniq('rt');
const topic = `fw.telemetry.v1.${id}`;
const topics = { trips: `fw.trips.v1.${id}`, scores: `fw.scores.v1.${id}`, alerts: `fw.alerts.v1.${id}`, deadletter: `fw.deadletter.v1.${id}` };
const prefix = `${id}:`;

const drives: Record<string, TelemetryInput[]> = {
  'dev-h': simulateDrive({ deviceId: 'dev-h', startMs: T0, phases: commutePhases({ harsh: true, speeding: true }) }),
  'dev-c': simulateDrive({ deviceId: 'dev-c', startMs: T0 + 5000, phases: commutePhases() }),
  'dev-s': simulateDrive({ deviceId: 'dev-s', startMs: T0 + 9000, phases: commutePhases({ speeding: true }), batchSeconds: 20 }),
};
const records = Object.values(drives).flat();

// Reference: the pure core over the same records.
const cfg = resolveCoreConfig();
const ref = { trips: 0, events: 0 };
for (const batches of Object.values(drives)) {
  const st = newDeviceState('acme', batches[0]!.deviceId);
  for (const b of batches) {
    const o = processTelemetry(st, b, cfg);
    ref.trips += o.trips.length;
    ref.events += o.events.length;
  }
}

describe('real-time scorer on Kafka, Postgres and Redis', () => {
  const env = stackEnv();
  let kafka: Kafka;
  let db: PgDb;
  let cache: RedisCache;
  let sub: Redis;
  let model: RiskModel;
  const out: Record<string, Buffer[]> = {};
  const channel: string[] = [];
  const stops: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    kafka = createKafka({ brokers: env.brokers, clientId: id });
    await ensureTopics(kafka, [topic, ...Object.values(topics)], 2);
    db = await createPgDb(env.databaseUrl, { schema: `scoring_${id.replace(/[^a-z0-9]/g, '')}` });
    await migrate(db);
    cache = createRedisCache(env.redisUrl);
    sub = new Redis(env.redisUrl);
    await sub.subscribe(`${prefix}{acme}:scores`);
    sub.on('message', (_c, m) => channel.push(m));
    model = await loadModel('1.0.0');
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        ...records.map((b) => ({ key: b.deviceId, value: Buffer.from(telemetryBytes(b)) })),
        { key: 'dev-h', value: Buffer.from([0xff, 0xff, 0xff, 0x01]) },
      ],
    });
    await producer.disconnect();
    const collector = kafka.consumer({ groupId: `${id}-collector` });
    await collector.connect();
    await collector.subscribe({ topics: Object.values(topics), fromBeginning: true });
    await collector.run({ eachMessage: async ({ topic: t, message }) => void (out[t] ??= []).push(message.value!) });
    stops.push(() => collector.disconnect());
  });

  afterAll(async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    await model?.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, ...Object.values(topics)] }).catch(() => {});
    await admin.disconnect();
    const keys = await cache.redis.keys(`${prefix}*`);
    if (keys.length > 0) await cache.redis.del(...keys);
    await sub?.quit();
    await cache?.close();
    await dropSchemaDb(db);
  });

  async function runScorer(groupId: string) {
    const source = new KafkaSource(kafka, { topic, groupId });
    const publisher = new KafkaPublisher(kafka);
    const scorer = await startRealtimeScorer({ source, publisher, db, cache, model, topics, cachePrefix: prefix, sweepIntervalMs: 0 });
    return {
      source,
      scorer,
      stop: async () => {
        await scorer.stop();
        await publisher.close();
      },
    };
  }
  const count = async (t: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0]!.n;

  it('yields the expected trips, events and scores everywhere', async () => {
    expect(ref.trips).toBe(3);
    const { scorer, source, stop } = await runScorer(`${id}-g1`);
    stops.push(stop);
    const ops = await startOpsServer({ port: 0, ready: () => scorer.ready(), metrics: () => scorer.metrics.render() });
    stops.push(() => ops.close());
    await until('all records processed', async () => (await count('processed_batches')) === records.length && (await count('outbox')) === 0, 60_000);
    expect(await count('trips')).toBe(ref.trips);
    expect(await count('safety_events')).toBe(ref.events);
    expect(await count('risk_scores')).toBe(ref.trips);
    expect(await count('batch_summaries')).toBe(records.length);

    const trips = (
      await db.query<{ device_id: string; harsh_braking: number; speeding_s: number; risk: number; score: number }>(
        'SELECT device_id, harsh_braking, speeding_s, risk, score FROM trips ORDER BY device_id',
      )
    ).rows;
    expect(trips.map((t) => t.device_id)).toEqual(['dev-c', 'dev-h', 'dev-s']);
    const byDev = Object.fromEntries(trips.map((t) => [t.device_id, t]));
    expect(byDev['dev-h']!.harsh_braking).toBe(1);
    expect(byDev['dev-s']!.speeding_s).toBeGreaterThan(60);
    expect(byDev['dev-c']!.risk).toBeLessThan(byDev['dev-h']!.risk); // calm driver is safer than the harsh speeder

    await until(
      'Kafka outputs',
      async () =>
        out[topics.trips]?.length === 3 &&
        out[topics.scores]?.length === 3 &&
        out[topics.alerts]?.length === ref.events &&
        out[topics.deadletter]?.length === 1,
      30_000,
    );
    const score = fleetwire.v1.RiskScoreCalculated.decode(out[topics.scores]!.find((b) => fleetwire.v1.RiskScoreCalculated.decode(b).driverId === 'dev-c')!);
    expect(score.score).toBeCloseTo(byDev['dev-c']!.score, 9);
    expect(score.features).toHaveLength(model.card.features.length);
    expect(score.scope).toBe(fleetwire.v1.ScoreScope.SCORE_SCOPE_TRIP);
    const trip = fleetwire.v1.TripCompleted.decode(out[topics.trips]![0]!);
    expect(trip.tenant).toBe('acme');
    expect(trip.distanceM).toBeGreaterThan(3000);
    const alerts = out[topics.alerts]!.map((b) => fleetwire.v1.SafetyAlert.decode(b));
    expect(alerts.every((a) => a.detectedByBackend && a.tripId.length === 36)).toBe(true);
    expect(fleetwire.v1.DeadLetter.decode(out[topics.deadletter]![0]!).reasonCode).toBe('decode_failed');

    const latest = JSON.parse((await cache.get(`${prefix}{acme}:score:dev-h`))!);
    expect(latest.score).toBeCloseTo(byDev['dev-h']!.score, 9);
    expect(JSON.parse((await cache.hget(`${prefix}{acme}:features`, 'dev-h'))!).speeding_fraction).toBeGreaterThan(0);
    await until('pub/sub messages', async () => channel.length === 3, 5_000);

    const ready = await fetch(`http://127.0.0.1:${ops.port}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${ops.port}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`fw_scoring_records_total ${records.length + 1}`));
    expect(metrics).toMatch(/fw_scoring_inference_seconds_count [1-9]/);
    expect(metrics).toMatch(/fw_scoring_consumer_lag\{topic=".*",partition="[01]"\} 0/);
    await stop();
    expect(source.lag().size).toBeGreaterThan(0);
  });

  it('a replay of the same offsets (new consumer group) changes nothing', async () => {
    const before = {
      trips: await count('trips'),
      events: await count('safety_events'),
      scores: await count('risk_scores'),
      summaries: await count('batch_summaries'),
    };
    const outs = Object.fromEntries(Object.values(topics).map((t) => [t, out[t]?.length ?? 0]));
    const { scorer, source, stop } = await runScorer(`${id}-replay`);
    stops.push(stop);
    await until('replay consumed', async () => scorer.metrics.records.get() >= records.length + 1 && [...source.lag().values()].every((l) => l === 0), 60_000);
    await stop();
    expect(scorer.metrics.duplicates.get()).toBe(records.length);
    expect({
      trips: await count('trips'),
      events: await count('safety_events'),
      scores: await count('risk_scores'),
      summaries: await count('batch_summaries'),
    }).toEqual(before);
    await new Promise((r) => setTimeout(r, 500));
    for (const t of [topics.trips, topics.scores, topics.alerts]) expect(out[t]?.length ?? 0).toBe(outs[t]);
    expect(out[topics.deadletter]!.length).toBe(2); // the poison record is dead-lettered again (at-least-once)
  });

  it('batch score equals the real-time score for the same data', async () => {
    const s = await runBatchScore({
      db,
      model,
      cache,
      cachePrefix: prefix,
      tenant: 'acme',
      drivers: ['dev-c', 'dev-h', 'dev-s'],
      periodMs: 30 * 86_400_000,
      untilMs: T0 + 86_400_000,
    });
    expect(s.drivers).toBe(3);
    const rows = (
      await db.query<{ driver_id: string; scope: string; risk: number; features: number[] }>(
        'SELECT driver_id, scope, risk, features FROM risk_scores ORDER BY driver_id, scope',
      )
    ).rows;
    for (const d of ['dev-c', 'dev-h', 'dev-s']) {
      const rt = rows.find((r) => r.driver_id === d && r.scope === 'trip')!;
      const period = rows.find((r) => r.driver_id === d && r.scope === 'period')!;
      expect(period.features).toEqual(rt.features);
      expect(Math.abs(period.risk - rt.risk)).toBeLessThan(1e-9);
    }
    // Re-running the same period upserts: no new rows.
    await runBatchScore({ db, model, tenant: 'acme', drivers: ['dev-c'], periodMs: 30 * 86_400_000, untilMs: T0 + 86_400_000 });
    expect(await count(`risk_scores WHERE scope = 'period'`)).toBe(3);
    expect(JSON.parse((await cache.get(`${prefix}{acme}:score:dev-c`))!).scope).toBe('period');
  });
});
