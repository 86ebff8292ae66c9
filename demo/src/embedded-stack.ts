// The backend half of `npm start`: gateway + log + real-time scorer + database + cache in one process.
// Embedded by default (an in-process log in place of Kafka, PGlite in place of Postgres, an in-memory
// cache in place of Redis); with FW_KAFKA_BROKERS and FW_DATABASE_URL set, the same wiring uses the
// real servers (and Redis when FW_REDIS_URL is set), configured by the scoring service's environment
// (FW_SCORING_TOPIC, FW_TOPIC_*, FW_SCORING_GROUP, FW_DB_SCHEMA, FW_MODEL_VERSION; see packages/scoring).
import { randomBytes } from 'node:crypto';
import { decodeTelemetryRecord, gpsColumns, KAFKA_TOPICS } from '@fleetwire/proto';
import { startGateway, type Gateway, type SinkRecord, type TelemetrySink } from '@fleetwire/gateway';
import {
  createKafka,
  createPgDb,
  createPgliteDb,
  DEFAULT_MODEL_VERSION,
  createRedisCache,
  ensureTopics,
  KafkaPublisher,
  KafkaSource,
  loadModel,
  MemoryCache,
  MemoryLog,
  migrate,
  readEnv,
  startRealtimeScorer,
  type Cache,
  type Db,
  type Publisher,
  type RealtimeScorer,
  type RecordSource,
  type RiskModel,
} from '@fleetwire/scoring';
import pino from 'pino';

/** TelemetrySink over the embedded log: the same contract as the Kafka bridge (ack = appended). */
export class LogSink implements TelemetrySink {
  readonly name = 'embedded-log';
  private open = true;
  constructor(
    private readonly log: MemoryLog,
    private readonly topics = { telemetry: KAFKA_TOPICS.telemetry, deadletter: KAFKA_TOPICS.deadletter },
  ) {}
  async start(): Promise<void> {}
  private put(topic: string, records: readonly SinkRecord[]): Promise<void> {
    if (!this.open) return Promise.reject(new Error('embedded log is closed'));
    for (const r of records) this.log.append(topic, r.key, r.value);
    return Promise.resolve();
  }
  send(records: readonly SinkRecord[]): Promise<void> {
    return this.put(this.topics.telemetry, records);
  }
  deadLetter(records: readonly SinkRecord[]): Promise<void> {
    return this.put(this.topics.deadletter, records);
  }
  isReady(): boolean {
    return this.open;
  }
  async close(): Promise<void> {
    this.open = false;
  }
}

export interface EmbeddedStackOptions {
  env?: NodeJS.ProcessEnv;
  /** Trip ends after this much idle time (the demo shortens it to see trips close quickly). */
  idleEndMs?: number;
  logLevel?: string;
}

export interface EmbeddedStack {
  mode: 'embedded' | 'servers';
  gateway: Gateway;
  mqttUrl: string;
  tokenSecret: string;
  db: Db;
  cache: Cache;
  scorer: RealtimeScorer;
  model: RiskModel;
  /** The embedded log (null with real Kafka). */
  log: MemoryLog | null;
  /**
   * Waits until the scorer has handled everything in the log (up to 60 s), then closes every trip still
   * open (end of the demo). False when the scorer had not caught up in time.
   */
  settle(): Promise<boolean>;
  close(): Promise<void>;
}

export async function startEmbeddedStack(o: EmbeddedStackOptions = {}): Promise<EmbeddedStack> {
  const env = o.env ?? process.env;
  const servers = (env.FW_KAFKA_BROKERS ?? '').split(',').some((s) => s.trim()) && !!env.FW_DATABASE_URL;
  // With servers: the scoring service's own configuration (topics, group, schema, Redis), validated.
  const cfg = servers ? readEnv(env, { kafka: true }) : null;
  const logger = pino({ level: o.logLevel ?? env.FW_LOG_LEVEL ?? 'warn' });
  const tokenSecret = env.FW_GATEWAY_TOKEN_SECRET ?? randomBytes(24).toString('base64url');

  let log: MemoryLog | null = null;
  let source: RecordSource & { drained(ms?: number): Promise<boolean> };
  let publisher: Publisher & { close?: () => Promise<void> };
  let sink: TelemetrySink | undefined;
  let db: Db;
  let cache: Cache;
  if (cfg) {
    const kafka = createKafka({ brokers: cfg.kafkaBrokers, clientId: 'fw-demo' });
    // Before the consumer subscribes: a topic it auto-creates would get the broker's default partitions.
    await ensureTopics(kafka, [cfg.topic, ...Object.values(cfg.topics)], Number(env.FW_KAFKA_PARTITIONS ?? 3));
    source = new KafkaSource(kafka, { topic: cfg.topic, groupId: cfg.groupId });
    publisher = new KafkaPublisher(kafka);
    db = await createPgDb(cfg.databaseUrl, { schema: cfg.dbSchema });
    cache = cfg.redisUrl ? createRedisCache(cfg.redisUrl) : new MemoryCache();
  } else {
    log = new MemoryLog();
    source = log.source(KAFKA_TOPICS.telemetry, { maxBatch: 200 });
    publisher = log;
    sink = new LogSink(log);
    db = await createPgliteDb();
    cache = new MemoryCache();
  }
  await migrate(db);
  const model = await loadModel(env.FW_MODEL_VERSION ?? DEFAULT_MODEL_VERSION);
  const scorer = await startRealtimeScorer({
    source,
    publisher,
    db,
    cache,
    model,
    logger,
    core: o.idleEndMs ? { idleEndMs: o.idleEndMs } : {},
    topics: cfg?.topics,
    sweepIntervalMs: 0,
  });
  const gateway = await startGateway({
    sink,
    kafkaBrokers: cfg?.kafkaBrokers ?? [],
    redisUrl: cfg?.redisUrl ?? null,
    ...(cfg ? { topics: { telemetry: cfg.topic, deadletter: cfg.topics.deadletter } } : {}),
    databaseUrl: null,
    tokenSecrets: [tokenSecret],
    host: '127.0.0.1',
    mqttPort: 0,
    httpPort: 0,
    logLevel: o.logLevel ?? 'warn',
  });
  const mqttUrl = `mqtt://127.0.0.1:${gateway.ports.mqtt}`;

  return {
    mode: servers ? 'servers' : 'embedded',
    gateway,
    mqttUrl,
    tokenSecret,
    db,
    cache,
    scorer,
    model,
    log,
    async settle() {
      const caughtUp = await source.drained(60_000);
      // Far in the future: every open trip counts as idle and is closed and scored.
      await scorer.sweep(Date.now() + 365 * 86_400_000);
      return caughtUp;
    },
    async close() {
      await gateway.close();
      await scorer.stop();
      await publisher.close?.();
      await cache.close();
      await model.close();
      await db.close();
    },
  };
}

/** GPS paths per device read back from the embedded log (every `step`-th fix), for the report's map. */
export function gpsPaths(log: MemoryLog, step = 5): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  for (const e of log.read(KAFKA_TOPICS.telemetry)) {
    const r = e.value ? decodeTelemetryRecord(e.value) : null;
    if (!r?.ok || !r.value.batch?.gps) continue;
    const c = gpsColumns(r.value.batch.gps);
    const list = out.get(r.value.deviceId) ?? [];
    for (let i = 0; i < c.t.length; i += step) list.push([c.latE7[i]! / 1e7, c.lonE7[i]! / 1e7]);
    out.set(r.value.deviceId, list);
  }
  return out;
}
