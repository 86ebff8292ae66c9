// Real-time scorer throughput: D devices x B telemetry batches (30 s of 1 Hz GPS + 10 Hz accel each)
// through Kafka -> scorer -> Postgres/Redis (when FW_* env is set) or in-memory log -> PGlite.
// Env: BENCH_DEVICES (200), BENCH_BATCHES (20).
import { encodeDeviceBatch, encodeTelemetryRecord, provisionTopics } from '@fleetwire/proto';
import {
  commutePhases, createKafka, createPgDb, createPgliteDb, createRedisCache, type Db, KafkaPublisher, KafkaSource, loadModel,
  MemoryCache, MemoryLog, migrate, type RecordSource, type Publisher, simulateDrive, startRealtimeScorer, type TelemetryInput,
} from '@fleetwire/scoring';
import { report } from './lib.js';

const devices = Number(process.env.BENCH_DEVICES ?? 200);
const perDevice = Number(process.env.BENCH_BATCHES ?? 20);
const real = !!(process.env.FW_KAFKA_BROKERS && process.env.FW_DATABASE_URL && process.env.FW_REDIS_URL);
const id = `bench_rt_${Date.now().toString(36)}`;
const T0 = Date.UTC(2026, 9, 1, 7);

const delta = (a: ArrayLike<number>): number[] => Array.from(a, (v, i) => (i === 0 ? v : v - a[i - 1]!));
function bytes(b: TelemetryInput): Buffer {
  const g = b.gps;
  const a = b.accel!;
  const raw = encodeDeviceBatch({
    deviceId: b.deviceId, bootId: b.bootId, seq: b.seq,
    gps: { baseTimeMs: g.t[0]!, tDeltaMs: delta(g.t).map((v, i) => (i === 0 ? 0 : v)), latDeltaE7: delta(g.latE7), lonDeltaE7: delta(g.lonE7), speedCms: Array.from(g.speedCms), headingCdeg: Array.from(g.headingCdeg) },
    accel: { baseTimeMs: a.t[0]!, rateHz: 10, tDeltaMs: delta(a.t).map((v, i) => (i === 0 ? 0 : v)), xDeltaMg: delta(a.xMg), yDeltaMg: delta(a.yMg), zDeltaMg: delta(a.zMg) },
  });
  return Buffer.from(encodeTelemetryRecord({ tenant: 'bench', deviceId: b.deviceId, receivedAtMs: g.t[0]! }, raw));
}

const records: { key: string; value: Buffer }[] = [];
let gpsSamples = 0;
for (let d = 0; d < devices; d++) {
  const dev = `bd-${d}`;
  const drive = simulateDrive({ deviceId: dev, startMs: T0 + d * 1000, phases: commutePhases({ harsh: d % 3 === 0, speeding: d % 4 === 0 }) }).slice(0, perDevice);
  for (const b of drive) {
    records.push({ key: dev, value: bytes(b) });
    gpsSamples += b.gps.t.length;
  }
}

const db: Db = real ? await createPgDb(process.env.FW_DATABASE_URL!, { schema: id }) : await createPgliteDb();
await migrate(db);
const model = await loadModel('1.0.0');
const cache = real ? createRedisCache(process.env.FW_REDIS_URL!) : new MemoryCache();
let source: RecordSource;
let publisher: Publisher & { close?: () => Promise<void> };
const topic = `fw.telemetry.v1.${id}`;
const topics = { trips: `fw.trips.v1.${id}`, scores: `fw.scores.v1.${id}`, alerts: `fw.alerts.v1.${id}`, deadletter: `fw.deadletter.v1.${id}` };
let cleanup = async () => {};
if (real) {
  const kafka = createKafka({ brokers: process.env.FW_KAFKA_BROKERS!.split(','), clientId: id });
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(admin, [topic, ...Object.values(topics)].map((t) => ({ topic: t, numPartitions: 4 })));
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  for (let i = 0; i < records.length; i += 1000) await producer.send({ topic, messages: records.slice(i, i + 1000) });
  await producer.disconnect();
  source = new KafkaSource(kafka, { topic, groupId: id });
  publisher = new KafkaPublisher(kafka);
  cleanup = async () => {
    await admin.deleteTopics({ topics: [topic, ...Object.values(topics)] }).catch(() => {});
    await admin.disconnect();
  };
} else {
  const log = new MemoryLog();
  for (const r of records) log.append(topic, r.key, r.value);
  source = log.source(topic, { maxBatch: 500 });
  publisher = log;
}

const t0 = performance.now();
const scorer = await startRealtimeScorer({ source, publisher, db, cache, model, topics, cachePrefix: `${id}:`, sweepIntervalMs: 0 });
const deadline = Date.now() + 5 * 60_000;
for (;;) {
  const n = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM processed_batches')).rows[0]!.n;
  if (n >= records.length) break;
  if (Date.now() > deadline) throw new Error(`only ${n}/${records.length} processed in 5 min`);
  await new Promise((r) => setTimeout(r, 50));
}
const secs = (performance.now() - t0) / 1000;
await scorer.stop();
const m = scorer.metrics;
const backend = real ? 'kafka+postgres+redis' : 'memory log+pglite';
process.stderr.write(`${records.length} records (${devices} devices), ${m.trips.get()} trips, ${m.events.get()} events in ${secs.toFixed(2)} s\n`);
report({ bench: 'scoring-realtime', metric: `records/s (${backend})`, unit: 'records/s', value: records.length / secs });
report({ bench: 'scoring-realtime', metric: `GPS samples/s (${backend})`, unit: 'samples/s', value: gpsSamples / secs });
report({ bench: 'scoring-realtime', metric: 'DB transaction per Kafka batch (mean)', unit: 'ms', value: (m.dbWrite.sum * 1000) / Math.max(1, m.dbWrite.count), lowerIsBetter: true });
report({ bench: 'scoring-realtime', metric: 'ONNX run per micro-batch (mean)', unit: 'ms', value: (m.inference.sum * 1000) / Math.max(1, m.inference.count), lowerIsBetter: true });
await publisher.close?.();
await cache.close();
await model.close();
await cleanup();
if (real) await db.exec(`DROP SCHEMA ${id} CASCADE`).catch(() => {});
await db.close();
