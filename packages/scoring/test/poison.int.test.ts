// Real Kafka + Postgres: no record the gateway accepted may wedge its partition. Random valid batches are
// each processed or dead-lettered with a reason; a record the database rejects is dead-lettered after a few
// attempts of its own while every record after it is processed, and the offsets move past it.
import { encodeDeviceBatch, encodeTelemetryRecord, fleetwire, validateDeviceBatch, DEFAULT_LIMITS } from '@fleetwire/proto';
import fc from 'fast-check';
import type { Kafka } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, ensureTopics, KafkaPublisher, KafkaSource } from '../src/adapters/kafka/kafka.js';
import { loadModel, type RiskModel } from '../src/adapters/onnx/model.js';
import { createPgDb, type PgDb } from '../src/adapters/pg/db.js';
import { migrate } from '../src/adapters/pg/migrate.js';
import { MemoryCache } from '../src/adapters/cache.js';
import { commutePhases, simulateDrive } from '../src/core/index.js';
import { startRealtimeScorer } from '../src/realtime/scorer.js';
import { deviceBatchArb } from './arbitrary-batches.js';
import { telemetryBytes } from './fixtures-telemetry.js';
import { stackEnv, uniq, until } from './int-helpers.js';

const NOW = Date.now();
const record = (tenant: string, b: fleetwire.v1.IDeviceBatch, receivedAtMs = NOW) =>
  Buffer.from(
    encodeTelemetryRecord(
      { tenant, deviceId: b.deviceId!, receivedAtMs, clientId: b.deviceId!, gatewayId: 'gw-test', sourceFormat: 'batch' },
      encodeDeviceBatch(b),
    ),
  );

interface Run {
  id: string;
  topic: string;
  deadletter: string;
  db: PgDb;
  source: KafkaSource;
  publisher: KafkaPublisher;
  scorer: Awaited<ReturnType<typeof startRealtimeScorer>>;
  warnings: string[];
}

describe('poison records never wedge a partition (real Kafka + Postgres)', () => {
  const env = stackEnv();
  let kafka: Kafka;
  let model: RiskModel;
  const runs: Run[] = [];

  beforeAll(async () => {
    kafka = createKafka({ brokers: env.brokers, clientId: uniq('poison') });
    model = await loadModel('1.0.0');
  });

  afterAll(async () => {
    for (const r of runs) {
      await r.scorer.stop().catch(() => undefined);
      await r.publisher.close().catch(() => undefined);
      await r.db.exec(`DROP SCHEMA IF EXISTS ${r.db.schema} CASCADE`).catch(() => undefined);
      await r.db.close().catch(() => undefined);
    }
    await model?.close();
  });

  /** A scorer on its own topics and schema; `prepare` runs on the migrated schema before it starts. */
  async function start(prefix: string, messages: { key: string; value: Buffer }[], prepare?: (db: PgDb) => Promise<void>): Promise<Run> {
    const id = uniq(prefix);
    const topic = `fw.telemetry.v1.${id}`;
    const deadletter = `fw.deadletter.v1.${id}`;
    await ensureTopics(kafka, [topic, deadletter], 1);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, messages });
    await producer.disconnect();
    const db = await createPgDb(env.databaseUrl, { schema: `poison_${id.replace(/[^a-z0-9]/g, '')}` });
    await migrate(db);
    await prepare?.(db);
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => void warnings.push(l) });
    const source = new KafkaSource(kafka, { topic, groupId: `${id}-g`, fromBeginning: true });
    const publisher = new KafkaPublisher(kafka);
    const scorer = await startRealtimeScorer({
      source,
      publisher,
      db,
      cache: new MemoryCache(),
      model,
      logger,
      sweepIntervalMs: 0,
      retryInitialMs: 100,
      retryMaxMs: 500,
      topics: { trips: `${topic}.trips`, scores: `${topic}.scores`, alerts: `${topic}.alerts`, deadletter },
    });
    const run = { id, topic, deadletter, db, source, publisher, scorer, warnings };
    runs.push(run);
    return run;
  }

  async function deadLetters(topic: string, expected: number): Promise<fleetwire.v1.DeadLetter[]> {
    const got: fleetwire.v1.DeadLetter[] = [];
    const c = kafka.consumer({ groupId: uniq('dl-reader') });
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void got.push(fleetwire.v1.DeadLetter.decode(message.value!)) });
    try {
      await until(`${expected} dead letters on ${topic}`, () => got.length >= expected, 30_000);
      if (expected === 0) await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await c.disconnect();
    }
    return got;
  }

  it('random valid batches (empty, event-only, accelerometer-only, month and year boundaries, far past): each is processed or dead-lettered', async () => {
    const seed = Number(process.env.FW_PROPERTY_SEED ?? Date.now() % 1_000_000);
    const batches = fc.sample(deviceBatchArb(NOW), { numRuns: 120, seed });
    const devices = ['p-a', 'p-b', 'p-c', 'p-d', 'p-e', 'p-f'];
    const keyed = batches.map((b, i) => ({ ...b, deviceId: devices[i % devices.length]!, bootId: 'boot-1', seq: Math.floor(i / devices.length) + 1 }));
    for (const b of keyed) expect(validateDeviceBatch(b, DEFAULT_LIMITS, NOW), `seed ${seed}`).toBeNull();
    // A few shapes the arbitraries make rarely, written out: empty, event-only, accelerometer-only.
    const t = Date.UTC(2025, 11, 31, 23, 59, 59);
    keyed.push({ deviceId: 'p-x', bootId: 'b', seq: 1, sentAtMs: 0 });
    keyed.push({ deviceId: 'p-x', bootId: 'b', seq: 2, sentAtMs: t, events: [{ type: 5, tMs: t, latE7: 0, lonE7: 0 }] });
    keyed.push({
      deviceId: 'p-y',
      bootId: 'b',
      seq: 1,
      accel: { baseTimeMs: Date.UTC(2001, 0, 1), rateHz: 25, tDeltaMs: [0, 40], xDeltaMg: [0, 1], yDeltaMg: [0, 1], zDeltaMg: [1000, 1] },
    });
    const r = await start(
      'prop',
      keyed.map((b) => ({ key: b.deviceId!, value: record('acme', b) })),
    );
    expect(await r.source.drained(90_000), `seed ${seed}: the scorer did not catch up; ${r.warnings.slice(-3).join(' | ')}`).toBe(true);
    const { rows } = await r.db.query<{ device_id: string; seq: string }>('SELECT device_id, seq FROM processed_batches');
    const processed = new Set(rows.map((x) => `${x.device_id}/${x.seq}`));
    const dead = await deadLetters(r.deadletter, 0);
    const deadOffsets = new Set(dead.map((d) => Number(d.source.split('/').pop())));
    keyed.forEach((b, offset) => {
      const k = `${b.deviceId}/${b.seq}`;
      expect(processed.has(k) || deadOffsets.has(offset), `seed ${seed}: ${k} neither processed nor dead-lettered`).toBe(true);
    });
    for (const d of dead) expect([d.stage, d.reasonCode.length > 0, d.reason.length > 0]).toEqual(['scoring-rt', true, true]);
    // Every summary is filed at a real time (never 1970) and no key was counted twice.
    const s = await r.db.query<{ n: number; keys: number; first: Date }>(
      'SELECT count(*)::int AS n, count(DISTINCT (device_id, boot_id, seq))::int AS keys, min(time) AS first FROM batch_summaries',
    );
    expect(s.rows[0]!.n).toBe(s.rows[0]!.keys);
    expect(s.rows[0]!.first.getTime()).toBeGreaterThanOrEqual(Date.UTC(2000, 0, 1));
    expect(s.rows[0]!.n).toBe(processed.size);
    const empty = await r.db.query<{ time: Date }>(`SELECT time FROM batch_summaries WHERE device_id = 'p-x' ORDER BY seq`);
    expect(empty.rows.map((x) => x.time.getTime())).toEqual([NOW, t]); // no times at all: the gateway's receive time
    expect(r.scorer.metrics.dbRetries.get()).toBe(0);
  });

  it('a record the database rejects is dead-lettered after bounded attempts; everything after it is processed and committed', async () => {
    const T0 = Date.UTC(2026, 9, 5, 7);
    const drive = (deviceId: string, at: number) => simulateDrive({ deviceId, startMs: at, phases: commutePhases(), batchSeconds: 30 }).slice(0, 20);
    const before = drive('ok-a', T0);
    const after = [...drive('ok-b', T0 + 1000), ...drive('ok-c', T0 + 2000)];
    const poison = drive('poison-1', T0 + 3000)[0]!;
    const messages = [...before, poison, ...after].map((b) => ({ key: b.deviceId, value: Buffer.from(telemetryBytes(b)) }));
    // The database refuses every row of one device: a stand-in for any row it rejects for good.
    const r = await start('poison', messages, (db) => db.exec(`ALTER TABLE batch_summaries ADD CONSTRAINT no_poison CHECK (device_id <> 'poison-1')`));
    const t0 = Date.now();
    expect(await r.source.drained(60_000), r.warnings.slice(-3).join(' | ')).toBe(true);
    const seconds = (Date.now() - t0) / 1000;
    expect(seconds).toBeLessThan(30);
    const { rows } = await r.db.query<{ device_id: string; n: number }>(
      'SELECT device_id, count(*)::int AS n FROM processed_batches GROUP BY device_id ORDER BY device_id',
    );
    expect(rows).toEqual([
      { device_id: 'ok-a', n: before.length },
      { device_id: 'ok-b', n: 20 },
      { device_id: 'ok-c', n: 20 },
    ]);
    const [dl] = await deadLetters(r.deadletter, 1);
    expect(dl).toMatchObject({
      stage: 'scoring-rt',
      reasonCode: 'store_failed',
      tenant: 'acme',
      deviceId: 'poison-1',
      source: `${r.topic}/0/${before.length}`,
    });
    expect(dl!.reason).toMatch(/rejected the record 3 times: 23514 .*no_poison/);
    expect(Buffer.from(dl!.payload)).toEqual(messages[before.length]!.value);
    expect(r.scorer.metrics.deadLetters.get({ reason: 'store_failed' })).toBe(1);
    expect(r.scorer.metrics.isolatedBatches.get()).toBeGreaterThanOrEqual(1);
    expect(r.warnings.some((w) => w.includes('"level":40') && w.includes('poison-1') && w.includes('record dead-lettered'))).toBe(true);
    // Committed past the poison record: a fresh scorer in the same group finds nothing left to do.
    const admin = kafka.admin();
    await admin.connect();
    const [offs] = await admin.fetchOffsets({ groupId: `${r.id}-g`, topics: [r.topic] });
    await admin.disconnect();
    expect(offs!.partitions[0]!.offset).toBe(String(messages.length));
  });
});
