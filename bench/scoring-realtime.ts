// Real-time scorer throughput on the real stack (Kafka -> scorer -> Postgres/Redis), against three
// baselines measured in the same run, interleaved, FW_BENCH_RT_TRIALS times (default 3; medians reported,
// every trial in the note):
//   (a) kafkajs consume-only of the same records (new group, offsets committed per batch like the scorer);
//   (b) raw Postgres ingest of exactly the rows the scorer wrote (same tables and indexes, no logic, one
//       unnest insert per table per scorer transaction; see lib-scoring-rt.ts);
//   (c) the gateway's QoS 1 msg/s with PUBACK after the Kafka ack (same clients as gateway-throughput).
// Plus a profile of the scorer: CPU of Node and of Postgres per record, round trips per transaction, time
// per statement, bytes written per record. Without FW_* env it runs on the in-memory log + PGlite, no baselines.
// Env: BENCH_DEVICES (600), BENCH_BATCHES (40 per device), BENCH_ORDER (device | time: the log's order, lib-scoring-rt's
// FleetOrder), FW_BENCH_RT_TRIALS (3); FW_BENCH_PROFILE_DIR=dir writes a
// V8 CPU profile of each scorer run (only the scorer's part of the bench) there.
import { provisionTopics } from '@fleetwire/proto';
import {
  createKafka,
  createPgDb,
  dbPoolSizeFor,
  createPgliteDb,
  createRedisCache,
  type Db,
  KafkaPublisher,
  KafkaSource,
  loadModel,
  MemoryCache,
  MemoryLog,
  migrate,
  PartitionManager,
  type Publisher,
  type RecordSource,
  startRealtimeScorer,
} from '@fleetwire/scoring';
import { report } from './lib.js';
import { startProfile } from './lib-profile.js';
import { gatewayRate } from './lib-gateway-rate.js';
import { RECORD_30S } from './lib-payload.js';
import { instrument, postgresCpu } from './lib-pg-profile.js';
import { consumeOnly, counter, countingSource, fleetOrderFromEnv, makeFleet, median, rawIngest, spread } from './lib-scoring-rt.js';

const devices = Number(process.env.BENCH_DEVICES ?? 600);
const perDevice = Number(process.env.BENCH_BATCHES ?? 40);
const trials = Number(process.env.FW_BENCH_RT_TRIALS ?? 3);
/** Partitions the scorer handles at once (as the CLI's FW_SCORING_CONCURRENCY). */
const concurrency = Number(process.env.FW_SCORING_CONCURRENCY ?? 3);
const real = !!(process.env.FW_KAFKA_BROKERS && process.env.FW_DATABASE_URL && process.env.FW_REDIS_URL);
const id = `bench_rt_${Date.now().toString(36)}`;
const T0 = Date.UTC(2026, 9, 1, 7);
const B = 'scoring-realtime';

const fleet = makeFleet(devices, perDevice, T0, fleetOrderFromEnv());
const N = fleet.records.length;
process.stderr.write(`${N} records (${devices} devices x ${perDevice}, ${(fleet.bytes / N).toFixed(0)} B each), ${fleet.gpsSamples} GPS samples\n`);
const model = await loadModel('1.0.0');
const topic = `fw.telemetry.v1.${id}`;
const times = [T0, T0 + devices * 1000 + perDevice * 30_000 + 3_600_000];
const ensurePartitions = async (db: Db) => {
  await new PartitionManager(db).ensureFor(times);
};

interface ScorerRun {
  rate: number;
  txMs: number;
  recordsPerTx: number;
  roundTripsPerTx: number;
  nodeUsPerRecord: number;
  pgUsPerRecord?: number;
  bytesPerRecord?: number;
  statements: [string, { calls: number; ms: number; rows: number }][];
  trips: number;
  events: number;
}

async function scorerRun(schema: string, source: RecordSource, publisher: Publisher, baseDb: Db, outTopics: Record<string, string>): Promise<ScorerRun> {
  await migrate(baseDb);
  await ensurePartitions(baseDb);
  const { db, stats } = instrument(baseDb);
  const cache = real ? createRedisCache(process.env.FW_REDIS_URL!) : new MemoryCache();
  const c = counter(N, 10 * 60_000);
  const pg = real ? postgresCpu(process.env.FW_DATABASE_URL!) : undefined;
  const prof = await startProfile();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const scorer = await startRealtimeScorer({
    source: countingSource(source, (n) => c.add(n)),
    publisher,
    db,
    cache,
    model,
    topics: outTopics as never,
    cachePrefix: `${schema}:`,
    sweepIntervalMs: 0,
  });
  await c.done;
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const pgUs = pg?.();
  await prof?.stop(`${schema}.cpuprofile`);
  await scorer.stop();
  await cache.close();
  let bytesPerRecord: number | undefined;
  if (real) {
    const { rows } = await baseDb.query<{ b: string }>(
      `SELECT sum(pg_total_relation_size(c.oid))::bigint AS b FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 't')`,
      [schema],
    );
    bytesPerRecord = Number(rows[0]!.b) / N;
  }
  const m = scorer.metrics;
  return {
    rate: N / secs,
    txMs: stats.txMs / Math.max(1, stats.transactions),
    recordsPerTx: N / Math.max(1, stats.transactions),
    roundTripsPerTx: stats.roundTrips / Math.max(1, stats.transactions),
    nodeUsPerRecord: (cpu.user + cpu.system) / N,
    pgUsPerRecord: pgUs === undefined ? undefined : pgUs / N,
    bytesPerRecord,
    statements: [...stats.byStatement].sort((a, b) => b[1].ms - a[1].ms),
    trips: m.trips.get(),
    events: m.events.get(),
  };
}

const outTopics = (t: number) => ({
  trips: `fw.trips.v1.${id}_${t}`,
  scores: `fw.scores.v1.${id}_${t}`,
  alerts: `fw.alerts.v1.${id}_${t}`,
  deadletter: `fw.deadletter.v1.${id}_${t}`,
});
const runs: ScorerRun[] = [];
const consume: number[] = [];
const raw: number[] = [];
const gw: number[] = [];
/** (c') the gateway with messages the size of the scorer's records. */
const gwRec: number[] = [];

if (real) {
  const kafka = createKafka({ brokers: process.env.FW_KAFKA_BROKERS!.split(','), clientId: id });
  const admin = kafka.admin();
  await admin.connect();
  const all = [topic, ...Array.from({ length: trials }, (_, t) => Object.values(outTopics(t))).flat()];
  await provisionTopics(
    admin,
    all.map((t) => ({ topic: t, numPartitions: 6 })),
  );
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  for (let i = 0; i < N; i += 1000) await producer.send({ topic, messages: fleet.records.slice(i, i + 1000) });
  await producer.disconnect();
  const url = process.env.FW_DATABASE_URL!;
  try {
    for (let t = 0; t < trials; t++) {
      gw.push(await gatewayRate());
      gwRec.push(await gatewayRate(RECORD_30S));
      consume.push(await consumeOnly(kafka, topic, N, `${id}_c${t}`));
      const schema = `${id}_s${t}`;
      const db = await createPgDb(url, { schema, max: dbPoolSizeFor(concurrency) });
      const publisher = new KafkaPublisher(kafka);
      runs.push(await scorerRun(schema, new KafkaSource(kafka, { topic, groupId: `${id}_g${t}`, concurrency }), publisher, db, outTopics(t)));
      await publisher.close();
      raw.push((await rawIngest(url, schema, `${id}_r${t}`, ensurePartitions)).recordsPerSec);
      await db.exec(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
      await db.close();
      process.stderr.write(
        `trial ${t + 1}: gateway ${gw[t]!.toFixed(0)} msg/s (30 s batches: ${gwRec[t]!.toFixed(0)}), consume-only ${consume[t]!.toFixed(0)}/s, scorer ${runs[t]!.rate.toFixed(0)}/s, raw pg ${raw[t]!.toFixed(0)}/s\n`,
      );
    }
  } finally {
    await admin.deleteTopics({ topics: all }).catch(() => undefined);
    await admin.disconnect();
  }
} else {
  const log = new MemoryLog();
  for (const r of fleet.records) log.append(topic, r.key, r.value);
  runs.push(await scorerRun('memory', log.source(topic, { maxBatch: 500 }), log, await createPgliteDb(), outTopics(0)));
}

const backend = real ? 'kafka+postgres+redis' : 'memory log+pglite';
const rates = runs.map((r) => r.rate);
const rate = median(rates);
const mid = runs[rates.indexOf([...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!)] ?? runs[0]!;
const note = `${N} records, ${devices} devices, ${fleetOrderFromEnv()} order, ${trials} trials interleaved (gateway, consume-only, scorer, raw pg); scorer per trial: ${spread(rates)}`;
report({ bench: B, metric: `records/s (${backend})`, unit: 'records/s', value: rate, note });
report({ bench: B, metric: `GPS samples/s (${backend})`, unit: 'samples/s', value: (rate * fleet.gpsSamples) / N, note });
if (real) {
  report({
    bench: B,
    metric: 'records/s',
    unit: 'records/s',
    value: rate,
    baseline: 'gateway QoS1 msg/s, same box (c)',
    baselineValue: median(gw),
    note: `${note}; gateway: ${spread(gw)}`,
  });
  report({
    bench: B,
    metric: 'records/s',
    unit: 'records/s',
    value: rate,
    baseline: "gateway QoS1 msg/s with messages the size of the scorer's records (30 s batches), same box (c')",
    baselineValue: median(gwRec),
    note: `${note}; gateway, 30 s batches: ${spread(gwRec)}`,
  });
  report({
    bench: B,
    metric: 'records/s',
    unit: 'records/s',
    value: rate,
    baseline: 'raw Postgres ingest of the same rows (b)',
    baselineValue: median(raw),
    note: `${note}; raw: ${spread(raw)}`,
  });
  report({
    bench: B,
    metric: 'records/s',
    unit: 'records/s',
    value: rate,
    baseline: 'kafkajs consume-only, same records (a)',
    baselineValue: median(consume),
    note: `${note}; consume: ${spread(consume)}`,
  });
}
report({
  bench: B,
  metric: 'DB transaction per Kafka batch (median trial, mean)',
  unit: 'ms',
  value: mid.txMs,
  lowerIsBetter: true,
  note: `${mid.recordsPerTx.toFixed(0)} records per transaction`,
});
report({ bench: B, metric: 'round trips per transaction', unit: 'round trips', value: mid.roundTripsPerTx, lowerIsBetter: true });
report({ bench: B, metric: 'CPU per record, scorer process (Node)', unit: 'µs', value: median(runs.map((r) => r.nodeUsPerRecord)), lowerIsBetter: true });
if (mid.pgUsPerRecord !== undefined)
  report({
    bench: B,
    metric: 'CPU per record, Postgres (all its processes; shared box)',
    unit: 'µs',
    value: median(runs.map((r) => r.pgUsPerRecord!)),
    lowerIsBetter: true,
  });
if (mid.bytesPerRecord !== undefined)
  report({ bench: B, metric: 'bytes stored per record (tables + indexes + toast)', unit: 'bytes', value: mid.bytesPerRecord, lowerIsBetter: true });
process.stderr.write(`median trial: ${mid.trips} trips, ${mid.events} events; time per statement (ms total, calls, rows returned):\n`);
for (const [k, s] of mid.statements)
  process.stderr.write(`  ${k.padEnd(28)} ${s.ms.toFixed(0).padStart(7)} ms ${String(s.calls).padStart(6)} calls  ${(s.ms / s.calls).toFixed(2)} ms/call\n`);
report({
  bench: B,
  metric: 'statement with most time (median trial)',
  unit: 'ms',
  value: mid.statements[0]?.[1].ms ?? 0,
  lowerIsBetter: true,
  note: mid.statements[0]?.[0],
});
await model.close();
