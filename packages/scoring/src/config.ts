// Environment configuration (12-factor): the scorer's option table, read by @fleetwire/runtime's loader and
// validated at start with a message naming the variable and the bad value. `fleetwire-scoring --help` and the
// README table come from the same table.
import { KAFKA_TOPICS, replicationOptionParser, type ReplicationSetting, type ReplicationSettings } from '@fleetwire/proto';
import { ConfigError, loadOptions, type OptionTable } from '@fleetwire/runtime';
import { type CoreConfig, DEFAULT_CORE_CONFIG } from './core/config.js';

export interface ScoringEnv {
  kafkaBrokers: string[];
  databaseUrl: string;
  redisUrl: string | null;
  /** Redis Cluster seed nodes (host:port) of the score cache; empty = FW_REDIS_URL is one server. */
  redisClusterNodes: string[];
  dbSchema: string;
  groupId: string;
  topic: string;
  topics: { trips: string; scores: string; alerts: string; deadletter: string };
  modelVersion: string;
  modelsDir: string | undefined;
  opsPort: number;
  /** Bind address of the ops server (/healthz, /readyz, /metrics). */
  opsHost: string;
  logLevel: string;
  sweepIntervalMs: number;
  /** `run` creates missing topics at start. */
  createTopics: boolean;
  /** Partitions of the topics `run` creates. */
  kafkaPartitions: number;
  /** Replication of the topics `run` creates. */
  replication: ReplicationSettings;
  /** Partitions handled at once (FW_SCORING_CONCURRENCY, default 3). */
  concurrency: number;
  /** Kafka group session timeout (FW_SCORING_SESSION_TIMEOUT_MS, default 30 s): how long a dead member's partitions wait. */
  sessionTimeoutMs: number;
  core: Partial<CoreConfig>;
}

/** The model the scorer loads unless FW_MODEL_VERSION says otherwise. */
export const DEFAULT_MODEL_VERSION = '2.1.0';

/**
 * Postgres connections a real-time scorer needs: one per partition it handles at once (each holds its
 * transaction while the core runs) plus one for the idle-trip sweep and the ops queries; at least 4.
 */
export const dbPoolSizeFor = (concurrency: number): number => Math.max(4, concurrency + 1);

/** The settings as read, before they become a ScoringEnv (units as the variables name them). */
export interface ScoringSettings {
  kafkaBrokers: string[];
  databaseUrl: string;
  redisUrl: string;
  redisClusterNodes: string[];
  dbSchema: string;
  groupId: string;
  topic: string;
  tripsTopic: string;
  scoresTopic: string;
  alertsTopic: string;
  deadletterTopic: string;
  modelVersion: string;
  modelsDir: string;
  opsPort: number;
  opsHost: string;
  logLevel: string;
  sweepIntervalMs: number;
  createTopics: boolean;
  kafkaPartitions: number;
  kafkaReplicationFactor: ReplicationSetting;
  kafkaMinInsyncReplicas: ReplicationSetting;
  concurrency: number;
  sessionTimeoutMs: number;
  idleEndMin: number | undefined;
  gapMin: number | undefined;
  speedLimitKmh: number | undefined;
  harshBrakingMg: number | undefined;
  harshAccelMg: number | undefined;
  harshCorneringMg: number | undefined;
}

export const SCORING_DEFAULTS: Readonly<ScoringSettings> = Object.freeze({
  kafkaBrokers: [],
  databaseUrl: '',
  redisUrl: '',
  redisClusterNodes: [],
  dbSchema: 'public',
  groupId: 'fw-scoring-rt',
  topic: KAFKA_TOPICS.telemetry,
  tripsTopic: KAFKA_TOPICS.trips,
  scoresTopic: KAFKA_TOPICS.scores,
  alertsTopic: KAFKA_TOPICS.alerts,
  deadletterTopic: KAFKA_TOPICS.deadletter,
  modelVersion: DEFAULT_MODEL_VERSION,
  modelsDir: '',
  opsPort: 9464,
  opsHost: '127.0.0.1',
  logLevel: 'info',
  sweepIntervalMs: 30_000,
  createTopics: true,
  kafkaPartitions: 3,
  kafkaReplicationFactor: 'auto',
  kafkaMinInsyncReplicas: 'auto',
  concurrency: 3,
  sessionTimeoutMs: 30_000,
  idleEndMin: undefined,
  gapMin: undefined,
  speedLimitKmh: undefined,
  harshBrakingMg: undefined,
  harshAccelMg: undefined,
  harshCorneringMg: undefined,
});

/** Every environment variable of the scoring service (the CLI's commands take their own flags). */
export const SCORING_OPTIONS: OptionTable<keyof ScoringSettings> = [
  { key: 'databaseUrl', env: 'FW_DATABASE_URL', kind: 'str', help: 'postgres:// URL (required by every command but eval)' },
  { key: 'kafkaBrokers', env: 'FW_KAFKA_BROKERS', kind: 'brokers', help: 'comma-separated host:port list ([v6]:port for IPv6); required by run' },
  { key: 'redisUrl', env: 'FW_REDIS_URL', kind: 'str', help: 'redis:// URL of the score cache (unset: an in-process cache)' },
  {
    key: 'redisClusterNodes',
    env: 'FW_REDIS_CLUSTER_NODES',
    kind: 'list',
    help: 'Redis Cluster seed nodes host:port,... of the score cache (instead of FW_REDIS_URL)',
  },
  { key: 'dbSchema', env: 'FW_DB_SCHEMA', kind: 'str', help: 'Postgres schema of every scoring table (created if missing)' },
  { key: 'groupId', env: 'FW_SCORING_GROUP', kind: 'str', help: 'Kafka consumer group of the real-time scorer' },
  { key: 'topic', env: 'FW_SCORING_TOPIC', kind: 'str', help: 'telemetry topic consumed' },
  { key: 'tripsTopic', env: 'FW_TOPIC_TRIPS', kind: 'str', help: 'TripCompleted topic' },
  { key: 'scoresTopic', env: 'FW_TOPIC_SCORES', kind: 'str', help: 'RiskScoreCalculated topic' },
  { key: 'alertsTopic', env: 'FW_TOPIC_ALERTS', kind: 'str', help: 'SafetyEventDetected topic' },
  { key: 'deadletterTopic', env: 'FW_TOPIC_DEADLETTER', kind: 'str', help: 'dead-letter topic' },
  { key: 'createTopics', env: 'FW_SCORING_CREATE_TOPICS', kind: 'bool', help: 'run creates missing topics at start' },
  { key: 'kafkaPartitions', env: 'FW_KAFKA_PARTITIONS', kind: 'int', min: 1, help: 'partitions of the topics run creates' },
  {
    key: 'kafkaReplicationFactor',
    env: 'FW_KAFKA_REPLICATION_FACTOR',
    kind: 'custom',
    arg: 'N|auto',
    parse: replicationOptionParser('FW_KAFKA_REPLICATION_FACTOR'),
    help: 'replication factor of the topics run creates ("auto" = min(3, brokers))',
  },
  {
    key: 'kafkaMinInsyncReplicas',
    env: 'FW_KAFKA_MIN_INSYNC_REPLICAS',
    kind: 'custom',
    arg: 'N|auto',
    parse: replicationOptionParser('FW_KAFKA_MIN_INSYNC_REPLICAS'),
    help: 'min.insync.replicas of the topics run creates ("auto" = 2 from 3 replicas, else 1)',
  },
  {
    key: 'concurrency',
    env: 'FW_SCORING_CONCURRENCY',
    kind: 'int',
    min: 1,
    help: 'partitions handled at once (the core of one while Postgres writes another)',
  },
  {
    key: 'sessionTimeoutMs',
    env: 'FW_SCORING_SESSION_TIMEOUT_MS',
    kind: 'int',
    min: 6_000,
    help: "Kafka group session timeout (ms): how long a dead member's partitions wait",
  },
  { key: 'modelVersion', env: 'FW_MODEL_VERSION', kind: 'str', help: 'risk model version to load' },
  { key: 'modelsDir', env: 'FW_MODELS_DIR', kind: 'str', help: 'directory of <version>/model.onnx + card.json', shows: 'the bundled models/' },
  { key: 'opsPort', env: 'FW_SCORING_PORT', kind: 'int', max: 65535, help: 'port of /healthz, /readyz, /metrics (0 = ephemeral)' },
  { key: 'opsHost', env: 'FW_SCORING_HOST', kind: 'str', help: 'bind address of the ops port' },
  { key: 'logLevel', env: 'FW_LOG_LEVEL', kind: 'str', help: 'pino level' },
  { key: 'sweepIntervalMs', env: 'FW_SCORING_SWEEP_MS', kind: 'num', help: 'how often idle trips are closed (ms; 0 = never)' },
  {
    key: 'idleEndMin',
    env: 'FW_SCORING_IDLE_END_MIN',
    kind: 'num',
    min: 0.1,
    help: 'a trip ends after this much idle time (min)',
    shows: String(DEFAULT_CORE_CONFIG.idleEndMs / 60_000),
  },
  {
    key: 'gapMin',
    env: 'FW_SCORING_GAP_MIN',
    kind: 'num',
    min: 0.1,
    help: 'a data gap this long ends the open trip (min)',
    shows: String(DEFAULT_CORE_CONFIG.gapMs / 60_000),
  },
  {
    key: 'speedLimitKmh',
    env: 'FW_SCORING_SPEED_LIMIT_KMH',
    kind: 'num',
    min: 1,
    help: 'speed limit where no posted limit is known (unknown road, km/h)',
    shows: String(Math.round(DEFAULT_CORE_CONFIG.speedLimitMs * 3.6)),
  },
  {
    key: 'harshBrakingMg',
    env: 'FW_SCORING_HARSH_BRAKING_MG',
    kind: 'num',
    min: 1,
    help: 'harsh braking threshold (mg)',
    shows: String(DEFAULT_CORE_CONFIG.harshBrakingMg),
  },
  {
    key: 'harshAccelMg',
    env: 'FW_SCORING_HARSH_ACCEL_MG',
    kind: 'num',
    min: 1,
    help: 'harsh acceleration threshold (mg)',
    shows: String(DEFAULT_CORE_CONFIG.harshAccelerationMg),
  },
  {
    key: 'harshCorneringMg',
    env: 'FW_SCORING_HARSH_CORNERING_MG',
    kind: 'num',
    min: 1,
    help: 'harsh cornering threshold (mg)',
    shows: String(DEFAULT_CORE_CONFIG.harshCorneringMg),
  },
];

function need(ok: boolean, message: string, setting: string, value: unknown): void {
  if (!ok) throw new ConfigError(message, { setting, value });
}

/** The scorer's settings from `env`. `kafka`: FW_KAFKA_BROKERS is required; `database: false`: FW_DATABASE_URL is not (eval). */
export function readEnv(env: NodeJS.ProcessEnv = process.env, req: { kafka?: boolean; database?: boolean } = {}): ScoringEnv {
  const s = loadOptions(SCORING_OPTIONS, { ...SCORING_DEFAULTS }, env);
  need(!req.kafka || s.kafkaBrokers.length > 0, 'FW_KAFKA_BROKERS is not set (e.g. 127.0.0.1:9092)', 'FW_KAFKA_BROKERS', '');
  need(
    req.database === false || /^postgres(ql)?:\/\//.test(s.databaseUrl),
    `FW_DATABASE_URL=${JSON.stringify(s.databaseUrl)}: must be a postgres:// URL`,
    'FW_DATABASE_URL',
    s.databaseUrl,
  );
  need(s.redisUrl === '' || /^rediss?:\/\//.test(s.redisUrl), `FW_REDIS_URL=${JSON.stringify(s.redisUrl)}: must be a redis:// URL`, 'FW_REDIS_URL', s.redisUrl);
  need(
    /^[a-z_][a-z0-9_]{0,62}$/.test(s.dbSchema),
    `FW_DB_SCHEMA=${JSON.stringify(s.dbSchema)}: must be a lower-case SQL identifier`,
    'FW_DB_SCHEMA',
    s.dbSchema,
  );
  const core: Partial<CoreConfig> = {};
  if (s.idleEndMin !== undefined) core.idleEndMs = s.idleEndMin * 60_000;
  if (s.gapMin !== undefined) core.gapMs = s.gapMin * 60_000;
  if (s.speedLimitKmh !== undefined) core.speedLimitMs = s.speedLimitKmh / 3.6;
  if (s.harshBrakingMg !== undefined) core.harshBrakingMg = s.harshBrakingMg;
  if (s.harshAccelMg !== undefined) core.harshAccelerationMg = s.harshAccelMg;
  if (s.harshCorneringMg !== undefined) core.harshCorneringMg = s.harshCorneringMg;
  return {
    kafkaBrokers: s.kafkaBrokers,
    databaseUrl: s.databaseUrl,
    redisUrl: s.redisUrl || null,
    redisClusterNodes: s.redisClusterNodes,
    dbSchema: s.dbSchema,
    groupId: s.groupId,
    topic: s.topic,
    topics: { trips: s.tripsTopic, scores: s.scoresTopic, alerts: s.alertsTopic, deadletter: s.deadletterTopic },
    modelVersion: s.modelVersion,
    modelsDir: s.modelsDir || undefined,
    opsPort: s.opsPort,
    opsHost: s.opsHost,
    logLevel: s.logLevel,
    sweepIntervalMs: s.sweepIntervalMs,
    createTopics: s.createTopics,
    kafkaPartitions: s.kafkaPartitions,
    replication: { replicationFactor: s.kafkaReplicationFactor, minInsyncReplicas: s.kafkaMinInsyncReplicas },
    concurrency: s.concurrency,
    sessionTimeoutMs: s.sessionTimeoutMs,
    core,
  };
}
