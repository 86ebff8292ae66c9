// The real pipeline pieces a test needs: unique topics, an in-process gateway on the Kafka sink, an
// in-process real-time scorer on Kafka/Postgres/Redis, and the sample ledger read back from Postgres.
import { startGateway, type Gateway } from '@fleetwire/gateway';
import {
  createKafka,
  createPgDb,
  createRedisCache,
  KafkaPublisher,
  KafkaSource,
  loadModel,
  migrate,
  startRealtimeScorer,
  type PgDb,
  type RealtimeScorer,
  type RedisCache,
  type RiskModel,
} from '@fleetwire/scoring';
import { identityKey, parseIdentityKey, provisionReplicatedTopics } from '@fleetwire/proto';
import type { Kafka } from 'kafkajs';
import pino from 'pino';
import type { StackEnv } from './env.js';

export const TOKEN_SECRET = 'fleetwire-test-token-secret-0123456789';

export interface RunNames {
  id: string;
  tenant: string;
  telemetry: string;
  deadletter: string;
  out: { trips: string; scores: string; alerts: string; deadletter: string };
  schema: string;
  group: string;
  cachePrefix: string;
}

/** Unique topic, schema, group and tenant names for one test file's run. */
export function runNames(id: string): RunNames {
  return {
    id,
    tenant: `t${id}`,
    telemetry: `fw.telemetry.v1.${id}`,
    deadletter: `fw.deadletter.v1.${id}`,
    out: { trips: `fw.trips.v1.${id}`, scores: `fw.scores.v1.${id}`, alerts: `fw.alerts.v1.${id}`, deadletter: `fw.scoring-dl.v1.${id}` },
    schema: `t_${id.replace(/[^a-z0-9]/g, '')}`,
    group: `${id}-scorer`,
    cachePrefix: 'fw:',
  };
}

export const allTopics = (n: RunNames): string[] => [n.telemetry, n.deadletter, ...Object.values(n.out)];

/** Creates the topics (existing ones are left as they are), replicated as the product does ("auto": 3/2 on a 3-node cluster). */
export async function createTopics(kafka: Kafka, topics: string[], partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await provisionReplicatedTopics(
      admin,
      topics.map((topic) => ({ topic, numPartitions: partitions })),
      {},
    );
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics, timeout: 10_000 });
  } catch {
    // best effort cleanup
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export function inProcessGateway(env: StackEnv, n: RunNames, extra: Record<string, unknown> = {}): Promise<Gateway> {
  return startGateway({
    host: '127.0.0.1',
    mqttPort: 0,
    httpPort: 0,
    tlsPort: null,
    kafkaBrokers: env.brokers,
    redisUrl: env.redisUrl,
    tokenSecrets: [TOKEN_SECRET],
    topics: { telemetry: n.telemetry, deadletter: n.deadletter },
    kafkaCreateTopics: false,
    logLevel: 'silent',
    ...extra,
  });
}

export interface ScorerHandle {
  kafka: Kafka;
  db: PgDb;
  cache: RedisCache;
  model: RiskModel;
  readonly scorer: RealtimeScorer;
  /** Consumer events and scorer warnings (kept for failure reports). */
  events: string[];
  /** Times the scorer's KafkaSource restarted its consumer after a crash kafkajs would not restart. */
  readonly restarts: number;
  /** True once the scorer's group has committed everything the topic held at the call (KafkaSource.drained). */
  drained(ms?: number): Promise<boolean>;
  stop(): Promise<void>;
}

/** A real-time scorer reading n.telemetry with its own group, writing into schema n.schema. */
export async function startScorer(
  env: StackEnv,
  n: RunNames,
  o: { databaseUrl?: string; redisUrl?: string; brokers?: string[]; retryMaxMs?: number } = {},
): Promise<ScorerHandle> {
  const kafka = createKafka({ brokers: o.brokers ?? env.brokers, clientId: `${n.id}-scorer` });
  await createTopics(kafka, allTopics(n));
  const db = await createPgDb(o.databaseUrl ?? env.databaseUrl, { schema: n.schema });
  await migrate(db);
  const cache = createRedisCache(o.redisUrl ?? env.redisUrl);
  const model = await loadModel('1.0.0');
  const publisher = new KafkaPublisher(kafka);
  const events: string[] = [];
  const note = (s: string) => {
    events.push(`${new Date().toISOString().slice(11, 23)} ${s}`);
    if (events.length > 200) events.shift();
  };
  const logger = pino({ level: 'warn' }, { write: (line: string) => note(line.trim().slice(0, 400)) });
  const source = new KafkaSource(kafka, { topic: n.telemetry, groupId: n.group, fromBeginning: true });
  const ev = source.consumer.events;
  for (const e of [ev.GROUP_JOIN, ev.REBALANCING, ev.STOP, ev.DISCONNECT, ev.REQUEST_TIMEOUT]) {
    source.consumer.on(e, (x: { payload?: unknown }) => note(`${e} ${JSON.stringify(x.payload ?? {}).slice(0, 300)}`));
  }
  source.consumer.on(ev.CRASH, (x: { payload: { error: Error; restart: boolean } }) => {
    note(`consumer.crash restart=${x.payload.restart} ${x.payload.error?.name}: ${x.payload.error?.message}`);
  });
  const scorer = await startRealtimeScorer({
    source,
    publisher,
    db,
    cache,
    model,
    topics: n.out,
    cachePrefix: n.cachePrefix,
    sweepIntervalMs: 0,
    logger,
    retryInitialMs: 200,
    retryMaxMs: o.retryMaxMs ?? 2000,
  });
  let stopped = false;
  return {
    kafka,
    db,
    cache,
    model,
    scorer,
    get restarts() {
      // KafkaSource restarts its consumer itself after a crash kafkajs does not restart (restart=false).
      return (source as { restarts?: number }).restarts ?? 0;
    },
    events,
    drained: (ms) => source.drained(ms),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await scorer.stop().catch(() => undefined);
      await publisher.close().catch(() => undefined);
      await model.close().catch(() => undefined);
      await cache.close().catch(() => undefined);
      await db.exec(`DROP SCHEMA IF EXISTS ${db.schema} CASCADE`).catch(() => undefined);
      await db.close().catch(() => undefined);
    },
  };
}

export interface DeviceLedger {
  batches: number;
  distinctKeys: number;
  gps: number;
  accel: number;
  samples: number;
}

/**
 * Per device, keyed by its identity "<tenant>/<device>": what the scorer committed to Postgres
 * (batch_summaries). `distinctKeys` < `batches` would mean a (tenant, device_id, boot_id, seq) counted twice.
 */
export async function ledger(db: PgDb, devicePrefix: string): Promise<Map<string, DeviceLedger>> {
  const r = await db.query<{ tenant: string; device_id: string; batches: number; keys: number; gps: number; accel: number }>(
    `SELECT tenant, device_id, count(*)::int AS batches, count(DISTINCT (boot_id, seq))::int AS keys,
            coalesce(sum(gps_samples), 0)::int AS gps, coalesce(sum(accel_samples), 0)::int AS accel
       FROM batch_summaries WHERE device_id LIKE $1 GROUP BY tenant, device_id`,
    [`${devicePrefix}%`],
  );
  const m = new Map<string, DeviceLedger>();
  for (const x of r.rows)
    m.set(identityKey(x.tenant, x.device_id), { batches: x.batches, distinctKeys: x.keys, gps: x.gps, accel: x.accel, samples: x.gps + x.accel });
  return m;
}

/** What each device (by identity) had acknowledged: the fleet summary's per-device sentSamples. */
export const ackedByDevice = (perDevice: readonly { tenant: string; deviceId: string; sentSamples: number }[]): Map<string, number> =>
  new Map(perDevice.map((d) => [identityKey(d.tenant, d.deviceId), d.sentSamples]));

export interface Accounting {
  acked: number;
  stored: number;
  lost: number;
  duplicates: number;
  /** Keyed by device identity "<tenant>/<device>". */
  perDevice: Record<string, { acked: number; stored: number }>;
  /** The same sums per tenant: no tenant may lose or double count what another got right. */
  perTenant: Record<string, { acked: number; stored: number; lost: number; duplicates: number }>;
}

/** Compares acknowledged sample counts per device (identity keys) with the ledger: lost = acked not in Postgres. */
export function account(acked: Map<string, number>, l: Map<string, DeviceLedger>): Accounting {
  let lost = 0;
  let duplicates = 0;
  let ackedSum = 0;
  let storedSum = 0;
  const perDevice: Accounting['perDevice'] = {};
  const perTenant: Accounting['perTenant'] = {};
  for (const [dev, a] of acked) {
    const s = l.get(dev);
    const stored = s?.samples ?? 0;
    const dLost = Math.max(0, a - stored);
    const dDup = s ? s.batches - s.distinctKeys : 0;
    ackedSum += a;
    storedSum += stored;
    lost += dLost;
    duplicates += dDup;
    perDevice[dev] = { acked: a, stored };
    const t = (perTenant[parseIdentityKey(dev)?.tenant ?? ''] ??= { acked: 0, stored: 0, lost: 0, duplicates: 0 });
    t.acked += a;
    t.stored += stored;
    t.lost += dLost;
    t.duplicates += dDup;
  }
  return { acked: ackedSum, stored: storedSum, lost, duplicates, perDevice, perTenant };
}
