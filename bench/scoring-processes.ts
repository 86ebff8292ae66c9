// The real-time scorer CLI with 1 vs 2 processes in one consumer group on the same box: records/s from the
// first record produced to every partition's committed offset at its high watermark (group lag 0), for the
// scoring-realtime bench's fleet (600 devices x 40 records of 30 s, 3 tenants) on a 6-partition topic.
// The members are started and have joined (readyz 200, the group stable with all of them) before the records
// are produced, so start-up is not counted; the producer (~0.5 s for 24,000 records) shares the box. Interleaved
// FW_BENCH_SCP_TRIALS times (default 3), which count goes first alternating; medians, every trial in the note.
// The baseline is the 1-process run. Also the CPU per record summed over the members (/proc), and in each trial the
// gateway's QoS 1 msg/s with messages the size of these records (c', as in scoring-realtime), so the number of
// scorer processes one gateway process needs on this box is a ratio of the same run. Needs the stack.
// Env: BENCH_DEVICES (600), BENCH_BATCHES (40), BENCH_ORDER (device | time), FW_BENCH_SCP_TRIALS (3), FW_SCORING_CONCURRENCY (CLI default).
import { provisionTopics } from '@fleetwire/proto';
import { createKafka, createPgDb, migrate, PartitionManager } from '@fleetwire/scoring';
import { groupLag, lagIsZero, ScorerCli, scorerEnv, stackEnv, until } from '@fleetwire/test-kit';
import type { Admin } from 'kafkajs';
import { report } from './lib.js';
import { gatewayRate } from './lib-gateway-rate.js';
import { RECORD_30S } from './lib-payload.js';
import { pidCpuUs } from './lib-cpu.js';
import { fleetOrderFromEnv, makeFleet, median, spread } from './lib-scoring-rt.js';

const devices = Number(process.env.BENCH_DEVICES ?? 600);
const perDevice = Number(process.env.BENCH_BATCHES ?? 40);
const TRIALS = Number(process.env.FW_BENCH_SCP_TRIALS ?? 3);
const PARTITIONS = 6;
const T0 = Date.UTC(2026, 9, 1, 7);
const B = 'scoring-processes';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function groupStable(admin: Admin, group: string, members: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const g = (await admin.describeGroups([group])).groups[0];
    if (g?.state === 'Stable' && g.members.length === members) return;
    if (Date.now() - t0 > 60_000) throw new Error(`group ${group} not stable with ${members} members (state ${g?.state}, ${g?.members.length})`);
    await sleep(200);
  }
}

if (!(process.env.FW_KAFKA_BROKERS && process.env.FW_DATABASE_URL && process.env.FW_REDIS_URL)) {
  process.stderr.write('scoring-processes: FW_KAFKA_BROKERS, FW_DATABASE_URL and FW_REDIS_URL needed, skipped\n');
} else {
  const fleet = makeFleet(devices, perDevice, T0, fleetOrderFromEnv());
  const N = fleet.records.length;
  const id = `bench_sp_${Date.now().toString(36)}`;
  const kafka = createKafka({ brokers: process.env.FW_KAFKA_BROKERS.split(','), clientId: id });
  const admin = kafka.admin();
  await admin.connect();
  const topicsMade: string[] = [];

  async function trial(processes: number, t: number): Promise<{ rate: number; cpuUs: number }> {
    const name = `${id}_${t}_${processes}`;
    const topic = `fw.telemetry.v1.${name}`;
    const out = { trips: `fw.trips.v1.${name}`, scores: `fw.scores.v1.${name}`, alerts: `fw.alerts.v1.${name}`, deadletter: `fw.deadletter.v1.${name}` };
    const all = [topic, ...Object.values(out)];
    topicsMade.push(...all);
    await provisionTopics(
      admin,
      all.map((x) => ({ topic: x, numPartitions: PARTITIONS })),
    );
    const db = await createPgDb(process.env.FW_DATABASE_URL!, { schema: name });
    await migrate(db); // before the members start, so they do not race on the first migration
    await new PartitionManager(db).ensureFor([T0, T0 + devices * 1000 + perDevice * 30_000 + 3_600_000]);
    const env = scorerEnv(
      stackEnv(),
      { schema: name, group: `${name}_g`, topic, out },
      {
        FW_LOG_LEVEL: 'warn',
        ...(process.env.FW_SCORING_CONCURRENCY ? { FW_SCORING_CONCURRENCY: process.env.FW_SCORING_CONCURRENCY } : {}),
      },
    );
    const members: ScorerCli[] = [];
    try {
      for (let i = 0; i < processes; i++) members.push(await ScorerCli.start(`${name}_m${i + 1}`, env, { keepLog: 20_000 }));
      await groupStable(admin, env.FW_SCORING_GROUP, processes);
      const cpu0 = members.map((m) => pidCpuUs(m.pid!) ?? 0);
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      const t0 = performance.now();
      for (let i = 0; i < N; i += 1000) await producer.send({ topic, messages: fleet.records.slice(i, i + 1000) });
      await producer.disconnect();
      await until(`group ${env.FW_SCORING_GROUP} lag 0`, async () => lagIsZero(await groupLag(admin, topic, env.FW_SCORING_GROUP)), 10 * 60_000, 50);
      const secs = (performance.now() - t0) / 1000;
      const cpuUs = members.reduce((a, m, i) => a + (pidCpuUs(m.pid!) ?? 0) - cpu0[i]!, 0);
      return { rate: N / secs, cpuUs: cpuUs / N };
    } finally {
      await Promise.all(members.map((m) => m.stop(20_000)));
      await db.exec(`DROP SCHEMA ${name} CASCADE`).catch(() => undefined);
      await db.close();
    }
  }

  const one: { rate: number; cpuUs: number }[] = [];
  const two: { rate: number; cpuUs: number }[] = [];
  const gw: number[] = [];
  try {
    for (let t = 0; t < TRIALS; t++) {
      gw.push(await gatewayRate(RECORD_30S, 'sp'));
      // Alternate which goes first, so neither always meets a warmer Kafka and Postgres.
      if (t % 2 === 0) {
        one.push(await trial(1, t));
        two.push(await trial(2, t));
      } else {
        two.push(await trial(2, t));
        one.push(await trial(1, t));
      }
      process.stderr.write(
        `trial ${t + 1}: 1 process ${one[t]!.rate.toFixed(0)} records/s, 2 processes ${two[t]!.rate.toFixed(0)} records/s, gateway ${gw[t]!.toFixed(0)} msg/s\n`,
      );
    }
  } finally {
    await admin.deleteTopics({ topics: topicsMade }).catch(() => undefined);
    await admin.disconnect();
  }
  const r1 = one.map((x) => x.rate);
  const r2 = two.map((x) => x.rate);
  const note = `${N} records, ${devices} devices, ${fleetOrderFromEnv()} order, ${PARTITIONS} partitions, scorer CLI processes in one group; ${TRIALS} interleaved trials; 1 process: ${spread(r1)}; 2 processes: ${spread(r2)}`;
  report({
    bench: B,
    metric: 'records/s, 2 scorer processes',
    unit: 'records/s',
    value: median(r2),
    baseline: '1 scorer process, same run',
    baselineValue: median(r1),
    note,
  });
  report({ bench: B, metric: 'records/s, 1 scorer process', unit: 'records/s', value: median(r1), note });
  const gwNote = `${note}; gateway (30 s batches): ${spread(gw)}`;
  for (const [n, r] of [
    [2, r2],
    [1, r1],
  ] as const)
    report({
      bench: B,
      metric: `records/s, ${n} scorer process${n > 1 ? 'es' : ''}`,
      unit: 'records/s',
      value: median(r),
      baseline: "gateway QoS1 msg/s with messages the size of the scorer's records (30 s batches), same box (c')",
      baselineValue: median(gw),
      note: gwNote,
    });
  report({ bench: B, metric: 'CPU per record, 1 process', unit: 'µs', value: median(one.map((x) => x.cpuUs)), lowerIsBetter: true });
  report({ bench: B, metric: 'CPU per record, 2 processes (sum)', unit: 'µs', value: median(two.map((x) => x.cpuUs)), lowerIsBetter: true });
}
