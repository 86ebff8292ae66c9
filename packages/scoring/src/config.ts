// Environment configuration (12-factor), validated at start with a message naming the bad value.
import { KAFKA_TOPICS } from '@fleetwire/proto';
import { ConfigError, type CoreConfig } from './core/config.js';

export interface ScoringEnv {
  kafkaBrokers: string[];
  databaseUrl: string;
  redisUrl: string | null;
  dbSchema: string;
  groupId: string;
  topic: string;
  topics: { trips: string; scores: string; alerts: string; deadletter: string };
  modelVersion: string;
  modelsDir: string | undefined;
  opsPort: number;
  logLevel: string;
  sweepIntervalMs: number;
  /** Partitions handled at once (FW_SCORING_CONCURRENCY, default 3). */
  concurrency: number;
  /** Kafka group session timeout (FW_SCORING_SESSION_TIMEOUT_MS, default 30 s): how long a dead member's partitions wait. */
  sessionTimeoutMs: number;
  core: Partial<CoreConfig>;
}

/** The model the scorer loads unless FW_MODEL_VERSION says otherwise. */
export const DEFAULT_MODEL_VERSION = '2.1.0';

function num(env: NodeJS.ProcessEnv, name: string, def: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min) throw new ConfigError(`${name}=${raw} must be a number >= ${min}`);
  return v;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env, need: { kafka?: boolean } = {}): ScoringEnv {
  const brokers = (env.FW_KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (need.kafka && brokers.length === 0) throw new ConfigError('FW_KAFKA_BROKERS is not set (e.g. 127.0.0.1:9092)');
  for (const b of brokers) if (!/^[^:\s]+:\d{1,5}$/.test(b)) throw new ConfigError(`FW_KAFKA_BROKERS entry "${b}" must be host:port`);
  const databaseUrl = env.FW_DATABASE_URL ?? '';
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError(`FW_DATABASE_URL="${databaseUrl}" must be a postgres:// URL`);
  const redisUrl = env.FW_REDIS_URL ? env.FW_REDIS_URL : null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError(`FW_REDIS_URL="${redisUrl}" must be a redis:// URL`);
  const schema = env.FW_DB_SCHEMA ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new ConfigError(`FW_DB_SCHEMA="${schema}" must be a lower-case SQL identifier`);
  const core: Partial<CoreConfig> = {};
  if (env.FW_SCORING_IDLE_END_MIN) core.idleEndMs = num(env, 'FW_SCORING_IDLE_END_MIN', 5, 0.1) * 60_000;
  if (env.FW_SCORING_GAP_MIN) core.gapMs = num(env, 'FW_SCORING_GAP_MIN', 10, 0.1) * 60_000;
  if (env.FW_SCORING_SPEED_LIMIT_KMH) core.speedLimitMs = num(env, 'FW_SCORING_SPEED_LIMIT_KMH', 120, 1) / 3.6;
  if (env.FW_SCORING_HARSH_BRAKING_MG) core.harshBrakingMg = num(env, 'FW_SCORING_HARSH_BRAKING_MG', 300, 1);
  if (env.FW_SCORING_HARSH_ACCEL_MG) core.harshAccelerationMg = num(env, 'FW_SCORING_HARSH_ACCEL_MG', 300, 1);
  if (env.FW_SCORING_HARSH_CORNERING_MG) core.harshCorneringMg = num(env, 'FW_SCORING_HARSH_CORNERING_MG', 350, 1);
  return {
    kafkaBrokers: brokers,
    databaseUrl,
    redisUrl,
    dbSchema: schema,
    groupId: env.FW_SCORING_GROUP ?? 'fw-scoring-rt',
    topic: env.FW_SCORING_TOPIC ?? KAFKA_TOPICS.telemetry,
    topics: {
      trips: env.FW_TOPIC_TRIPS ?? KAFKA_TOPICS.trips,
      scores: env.FW_TOPIC_SCORES ?? KAFKA_TOPICS.scores,
      alerts: env.FW_TOPIC_ALERTS ?? KAFKA_TOPICS.alerts,
      deadletter: env.FW_TOPIC_DEADLETTER ?? KAFKA_TOPICS.deadletter,
    },
    modelVersion: env.FW_MODEL_VERSION ?? DEFAULT_MODEL_VERSION,
    modelsDir: env.FW_MODELS_DIR || undefined,
    opsPort: num(env, 'FW_SCORING_PORT', 9464),
    logLevel: env.FW_LOG_LEVEL ?? 'info',
    sweepIntervalMs: num(env, 'FW_SCORING_SWEEP_MS', 30_000),
    concurrency: num(env, 'FW_SCORING_CONCURRENCY', 3, 1),
    sessionTimeoutMs: num(env, 'FW_SCORING_SESSION_TIMEOUT_MS', 30_000, 6_000),
    core,
  };
}
