// Postgres goes down mid-stream (a private throwaway server we stop): the scorer pauses, commits no
// offset past unwritten data, retries with backoff and resumes without loss once the server is back.
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commutePhases, newDeviceState, processTelemetry, resolveCoreConfig, simulateDrive } from '../src/core/index.js';
import { MemoryCache } from '../src/adapters/cache.js';
import { createKafka, ensureTopics, KafkaPublisher, KafkaSource } from '../src/adapters/kafka/kafka.js';
import { loadModel, type RiskModel } from '../src/adapters/onnx/model.js';
import { createPgDb, type PgDb } from '../src/adapters/pg/db.js';
import { migrate } from '../src/adapters/pg/migrate.js';
import { startRealtimeScorer } from '../src/realtime/scorer.js';
import { PrivatePostgres, stackEnv, uniq, until } from './int-helpers.js';
import { telemetryBytes } from './fixtures-telemetry.js';

const T0 = Date.UTC(2026, 5, 2, 8);
const id = uniq('pgf');
const topic = `fw.telemetry.v1.${id}`;
const out = { trips: `fw.trips.v1.${id}`, scores: `fw.scores.v1.${id}`, alerts: `fw.alerts.v1.${id}`, deadletter: `fw.deadletter.v1.${id}` };
const records = [
  ...simulateDrive({ deviceId: 'f-1', startMs: T0, phases: commutePhases({ harsh: true }), batchSeconds: 15 }),
  ...simulateDrive({ deviceId: 'f-2', startMs: T0, phases: commutePhases({ speeding: true }), batchSeconds: 15 }),
].sort((a, b) => a.gps.t[0]! - b.gps.t[0]! || a.deviceId.localeCompare(b.deviceId));

describe('Postgres down', () => {
  const env = stackEnv();
  let pg: PrivatePostgres;
  let db: PgDb;
  let kafka: Kafka;
  let model: RiskModel;

  beforeAll(async () => {
    pg = await PrivatePostgres.create();
    db = await createPgDb(pg.url, { connectionTimeoutMillis: 1000 });
    await migrate(db);
    kafka = createKafka({ brokers: env.brokers, clientId: id });
    await ensureTopics(kafka, [topic, ...Object.values(out)], 1);
    model = await loadModel('1.0.0');
  });
  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, ...Object.values(out)] }).catch(() => {});
    await admin.disconnect();
    await model?.close();
    await db?.close().catch(() => {});
    pg?.destroy();
  });

  it('pauses without committing, retries, resumes without loss or double counting', async () => {
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const send = (rs: typeof records) => producer.send({ topic, messages: rs.map((b) => ({ key: b.deviceId, value: Buffer.from(telemetryBytes(b)) })) });
    const half = Math.floor(records.length / 2);
    await send(records.slice(0, half));

    const groupId = `${id}-g`;
    const source = new KafkaSource(kafka, { topic, groupId });
    const publisher = new KafkaPublisher(kafka);
    const scorer = await startRealtimeScorer({
      source,
      publisher,
      db,
      cache: new MemoryCache(),
      model,
      topics: out,
      sweepIntervalMs: 0,
      retryInitialMs: 100,
      retryMaxMs: 400,
    });
    const admin = kafka.admin();
    await admin.connect();
    const committed = async () => Number((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions[0]!.offset);
    const processed = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM processed_batches')).rows[0]!.n;
    try {
      await until(
        'first half processed and committed',
        async () => {
          const c = await committed();
          if (process.env.DEBUG_FAULT)
            console.log('committed', c, 'half', half, 'processed', await processed().catch((e) => e.message), scorer.metrics.records.get());
          return c === half;
        },
        60_000,
        1000,
      );
      expect(await processed()).toBe(half);

      pg.stop();
      await send(records.slice(half));
      await until('db retries', async () => scorer.metrics.dbRetries.get() >= 3, 30_000);
      expect(scorer.ready()).toBe(false);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await committed()).toBe(half); // nothing committed past unwritten data

      pg.start();
      await until('everything committed after restart', async () => (await committed()) === records.length, 60_000);
      expect(scorer.ready()).toBe(true);
      expect(await processed()).toBe(records.length);

      const cfg = resolveCoreConfig();
      const ref = { trips: 0, events: 0 };
      const states = new Map<string, ReturnType<typeof newDeviceState>>();
      for (const b of records) {
        const st = states.get(b.deviceId) ?? newDeviceState('acme', b.deviceId);
        states.set(b.deviceId, st);
        const o = processTelemetry(st, b, cfg);
        ref.trips += o.trips.length;
        ref.events += o.events.length;
      }
      const count = async (t: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0]!.n;
      expect(ref.trips).toBe(2);
      expect(await count('trips')).toBe(ref.trips);
      expect(await count('safety_events')).toBe(ref.events);
      expect(await count('risk_scores')).toBe(ref.trips);
      expect(await count('outbox')).toBe(0);
    } finally {
      await admin.disconnect();
      await scorer.stop();
      await publisher.close();
      await producer.disconnect();
    }
  });
});
