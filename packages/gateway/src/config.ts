// Gateway configuration: defaults, env (FW_*) and CLI flags (the option table below, read by
// @fleetwire/runtime's loader), validated with errors naming the bad value.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createSecureContext } from 'node:tls';
import { KAFKA_TOPICS, replicationOptionParser, type ReplicationSetting } from '@fleetwire/proto';
import { ConfigError, loadOptions, parseBrokers, parseOption, type OptionTable } from '@fleetwire/runtime';

export interface GatewayConfig {
  gatewayId: string;
  /** Worker processes (node:cluster) sharing the listening ports; 1 = this process serves alone. */
  processes: number;
  host: string;
  /** MQTT/TCP port; 0 = ephemeral, null = disabled. */
  mqttPort: number | null;
  /** MQTT/TLS port; used only when tlsCertFile and tlsKeyFile are set. */
  tlsPort: number | null;
  tlsCertFile: string | null;
  tlsKeyFile: string | null;
  tlsCaFile: string | null;
  /** Serve the HTTP port over TLS (https + wss) with tlsCertFile / tlsKeyFile (/ tlsCaFile). */
  wsTls: boolean;
  /** HTTP port for MQTT over WebSocket (wsPath), /healthz, /readyz, /metrics. null = disabled. */
  httpPort: number | null;
  /** Behind a load balancer that sends a PROXY protocol header: v1/v2 on the MQTT TCP and TLS ports, v2 on the WebSocket port. */
  proxyProtocol: boolean;
  /** Take a WebSocket client's address from X-Forwarded-For (rightmost entry): only behind a proxy that sets it. */
  trustForwardedFor: boolean;
  wsPath: string;
  kafkaBrokers: string[];
  kafkaClientId: string;
  topics: { telemetry: string; deadletter: string };
  kafkaCreateTopics: boolean;
  kafkaPartitions: number;
  /** Replication factor of created topics; 'auto' = min(3, brokers in the cluster). */
  kafkaReplicationFactor: ReplicationSetting;
  /** min.insync.replicas of created topics; 'auto' = 2 when the replication factor is 3 or more, else 1. */
  kafkaMinInsyncReplicas: ReplicationSetting;
  redisUrl: string | null;
  /** Redis Cluster seed nodes (host:port) for the dedupe window; empty = FW_REDIS_URL is one server. */
  redisClusterNodes: string[];
  /** Share sessions/subscriptions and downlink fan-out between gateway instances through Redis. */
  cluster: boolean;
  databaseUrl: string | null;
  registrySchema: string;
  /** Re-check registry logins this often; sessions of disabled or removed accounts are closed. 0 = never. */
  registryRecheckSec: number;
  tokenSecrets: string[];
  lingerMs: number;
  maxBatch: number;
  maxBatchBytes: number;
  maxInflight: number;
  ackTimeoutMs: number;
  dedupeTtlSec: number;
  authBurst: number;
  authRefillPerSec: number;
  maxPayloadBytes: number;
  deadLetterPayloadMax: number;
  drainTimeoutMs: number;
  /** Disconnect a client whose socket has not drained for this long (slow/frozen subscribers). */
  clientDrainTimeoutMs: number;
  logLevel: string;
}

export function defaultConfig(): GatewayConfig {
  return {
    gatewayId: `${hostname()}-${process.pid}`,
    processes: 1,
    host: '0.0.0.0',
    mqttPort: 1883,
    tlsPort: 8883,
    tlsCertFile: null,
    tlsKeyFile: null,
    tlsCaFile: null,
    wsTls: false,
    httpPort: 8080,
    proxyProtocol: false,
    trustForwardedFor: false,
    wsPath: '/mqtt',
    kafkaBrokers: [],
    kafkaClientId: 'fleetwire-gateway',
    topics: { telemetry: KAFKA_TOPICS.telemetry, deadletter: KAFKA_TOPICS.deadletter },
    kafkaCreateTopics: true,
    kafkaPartitions: 6,
    kafkaReplicationFactor: 'auto',
    kafkaMinInsyncReplicas: 'auto',
    redisUrl: null,
    redisClusterNodes: [],
    cluster: false,
    databaseUrl: null,
    registrySchema: 'public',
    registryRecheckSec: 60,
    tokenSecrets: [],
    lingerMs: 5,
    maxBatch: 500,
    maxBatchBytes: 4 * 1024 * 1024,
    maxInflight: 10_000,
    ackTimeoutMs: 30_000,
    dedupeTtlSec: 3600,
    authBurst: 10,
    authRefillPerSec: 1,
    maxPayloadBytes: 512 * 1024,
    deadLetterPayloadMax: 4096,
    drainTimeoutMs: 10_000,
    clientDrainTimeoutMs: 10_000,
    logLevel: 'info',
  };
}

type Key = keyof GatewayConfig;

/** env var, CLI flag and kind for each option (`fw-gateway serve --help` and the README table come from it). */
export const OPTIONS: OptionTable<Key> = [
  { key: 'gatewayId', env: 'FW_GATEWAY_ID', flag: 'gateway-id', kind: 'str', help: 'id written into TelemetryRecord.gateway_id', shows: '<hostname>-<pid>' },
  {
    key: 'processes',
    env: 'FW_GATEWAY_PROCESSES',
    flag: 'processes',
    kind: 'int',
    min: 1,
    max: 64,
    help: 'worker processes sharing the MQTT, TLS and HTTP ports (node:cluster); a dead worker is restarted',
  },
  { key: 'host', env: 'FW_GATEWAY_HOST', flag: 'host', kind: 'str', help: 'bind address' },
  { key: 'mqttPort', env: 'FW_GATEWAY_MQTT_PORT', flag: 'mqtt-port', kind: 'port', help: 'MQTT/TCP port ("off" disables)' },
  { key: 'tlsPort', env: 'FW_GATEWAY_TLS_PORT', flag: 'tls-port', kind: 'port', help: 'MQTT/TLS port (needs cert and key)' },
  { key: 'tlsCertFile', env: 'FW_GATEWAY_TLS_CERT', flag: 'tls-cert', kind: 'str', help: 'PEM certificate file' },
  { key: 'tlsKeyFile', env: 'FW_GATEWAY_TLS_KEY', flag: 'tls-key', kind: 'str', help: 'PEM private key file' },
  { key: 'tlsCaFile', env: 'FW_GATEWAY_TLS_CA', flag: 'tls-ca', kind: 'str', help: 'PEM CA bundle (optional)' },
  { key: 'wsTls', env: 'FW_GATEWAY_WS_TLS', flag: 'ws-tls', kind: 'bool', help: 'serve the HTTP port as https + wss (needs cert and key)' },
  { key: 'httpPort', env: 'FW_GATEWAY_HTTP_PORT', flag: 'http-port', kind: 'port', help: 'HTTP port: WebSocket MQTT, /healthz, /readyz, /metrics' },
  { key: 'wsPath', env: 'FW_GATEWAY_WS_PATH', flag: 'ws-path', kind: 'str', help: 'WebSocket path' },
  {
    key: 'proxyProtocol',
    env: 'FW_GATEWAY_PROXY_PROTOCOL',
    flag: 'proxy-protocol',
    kind: 'bool',
    help: 'connections start with a PROXY protocol header (behind a load balancer): v1/v2 on MQTT TCP/TLS, v2 on WebSocket',
  },
  {
    key: 'trustForwardedFor',
    env: 'FW_GATEWAY_TRUST_X_FORWARDED_FOR',
    flag: 'trust-x-forwarded-for',
    kind: 'bool',
    help: 'WebSocket client address from X-Forwarded-For (behind an HTTP proxy)',
  },
  { key: 'kafkaBrokers', env: 'FW_KAFKA_BROKERS', flag: 'kafka-brokers', kind: 'brokers', help: 'comma-separated host:port list ([v6]:port for IPv6)' },
  { key: 'kafkaClientId', env: 'FW_KAFKA_CLIENT_ID', flag: 'kafka-client-id', kind: 'str', help: 'Kafka client id' },
  { key: 'kafkaCreateTopics', env: 'FW_KAFKA_CREATE_TOPICS', flag: 'kafka-create-topics', kind: 'bool', help: 'create missing topics at start' },
  { key: 'kafkaPartitions', env: 'FW_KAFKA_PARTITIONS', flag: 'kafka-partitions', kind: 'int', help: 'partitions for created topics' },
  {
    key: 'kafkaReplicationFactor',
    env: 'FW_KAFKA_REPLICATION_FACTOR',
    flag: 'kafka-replication-factor',
    kind: 'custom',
    arg: 'N|auto',
    parse: replicationOptionParser('FW_KAFKA_REPLICATION_FACTOR'),
    help: 'replication factor of created topics ("auto" = min(3, brokers))',
  },
  {
    key: 'kafkaMinInsyncReplicas',
    env: 'FW_KAFKA_MIN_INSYNC_REPLICAS',
    flag: 'kafka-min-insync-replicas',
    kind: 'custom',
    arg: 'N|auto',
    parse: replicationOptionParser('FW_KAFKA_MIN_INSYNC_REPLICAS'),
    help: 'min.insync.replicas of created topics ("auto" = 2 from 3 replicas, else 1)',
  },
  { key: 'redisUrl', env: 'FW_REDIS_URL', flag: 'redis-url', kind: 'str', help: 'redis://host:port (dedupe window, cluster mode)' },
  {
    key: 'redisClusterNodes',
    env: 'FW_REDIS_CLUSTER_NODES',
    flag: 'redis-cluster-nodes',
    kind: 'list',
    help: 'Redis Cluster seed nodes host:port,... for the dedupe window (instead of FW_REDIS_URL)',
  },
  { key: 'cluster', env: 'FW_GATEWAY_CLUSTER', flag: 'cluster', kind: 'bool', help: 'share MQTT sessions/fan-out via Redis' },
  { key: 'databaseUrl', env: 'FW_DATABASE_URL', flag: 'database-url', kind: 'str', help: 'postgres:// URL of the device/partner registry' },
  { key: 'registrySchema', env: 'FW_GATEWAY_REGISTRY_SCHEMA', flag: 'registry-schema', kind: 'str', help: 'Postgres schema of the registry tables' },
  {
    key: 'registryRecheckSec',
    env: 'FW_GATEWAY_REGISTRY_RECHECK_SEC',
    flag: 'registry-recheck-sec',
    kind: 'int',
    help: 'close sessions of disabled/removed registry accounts, checked this often (0 = never)',
  },
  {
    key: 'tokenSecrets',
    env: 'FW_GATEWAY_TOKEN_SECRET',
    flag: 'token-secret',
    kind: 'list',
    help: 'HMAC secret(s) for device tokens; comma-separated to rotate',
  },
  { key: 'lingerMs', env: 'FW_GATEWAY_LINGER_MS', flag: 'linger-ms', kind: 'int', help: 'micro-batch linger' },
  { key: 'maxBatch', env: 'FW_GATEWAY_MAX_BATCH', flag: 'max-batch', kind: 'int', help: 'messages per Kafka request' },
  { key: 'maxBatchBytes', env: 'FW_GATEWAY_MAX_BATCH_BYTES', flag: 'max-batch-bytes', kind: 'int', help: 'bytes per Kafka request' },
  { key: 'maxInflight', env: 'FW_GATEWAY_MAX_INFLIGHT', flag: 'max-inflight', kind: 'int', help: 'uplinks waiting for Kafka before sockets stop being read' },
  {
    key: 'ackTimeoutMs',
    env: 'FW_GATEWAY_ACK_TIMEOUT_MS',
    flag: 'ack-timeout-ms',
    kind: 'int',
    help: 'drop the client when Kafka has not acked after this long',
  },
  { key: 'dedupeTtlSec', env: 'FW_GATEWAY_DEDUPE_TTL_SEC', flag: 'dedupe-ttl-sec', kind: 'int', help: 'dedupe window (0 disables)' },
  { key: 'authBurst', env: 'FW_GATEWAY_AUTH_BURST', flag: 'auth-burst', kind: 'int', help: 'failed CONNECTs per IP before blocking' },
  {
    key: 'authRefillPerSec',
    env: 'FW_GATEWAY_AUTH_REFILL_PER_SEC',
    flag: 'auth-refill-per-sec',
    kind: 'num',
    help: 'failed-attempt tokens refilled per second',
  },
  { key: 'maxPayloadBytes', env: 'FW_GATEWAY_MAX_PAYLOAD_BYTES', flag: 'max-payload-bytes', kind: 'int', help: 'largest accepted uplink' },
  { key: 'drainTimeoutMs', env: 'FW_GATEWAY_DRAIN_TIMEOUT_MS', flag: 'drain-timeout-ms', kind: 'int', help: 'graceful shutdown wait for in-flight messages' },
  {
    key: 'clientDrainTimeoutMs',
    env: 'FW_GATEWAY_CLIENT_DRAIN_TIMEOUT_MS',
    flag: 'client-drain-timeout-ms',
    kind: 'int',
    help: 'disconnect a subscriber whose socket has not drained for this long',
  },
  { key: 'logLevel', env: 'FW_LOG_LEVEL', flag: 'log-level', kind: 'str', help: 'pino level' },
];

/** Reads env and `--flag value` / `--flag=value` arguments over the defaults. Unknown flags are errors. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = []): GatewayConfig {
  const cfg = loadOptions(OPTIONS, defaultConfig(), env, []);
  const tPrev = env.FW_GATEWAY_TOKEN_SECRET_PREVIOUS;
  if (tPrev) cfg.tokenSecrets.push(...(parseOption({ key: 'tokenSecrets', kind: 'list', help: '' }, tPrev, 'FW_GATEWAY_TOKEN_SECRET_PREVIOUS') as string[]));
  if (env.FW_GATEWAY_TOPIC_TELEMETRY) cfg.topics.telemetry = env.FW_GATEWAY_TOPIC_TELEMETRY;
  if (env.FW_GATEWAY_TOPIC_DEADLETTER) cfg.topics.deadletter = env.FW_GATEWAY_TOPIC_DEADLETTER;
  return validateConfig(loadOptions(OPTIONS, cfg, {}, argv));
}

/**
 * Loads the PEM certificate, key and optional CA with node's TLS stack, which names what is wrong
 * (unreadable file, no PEM data, key not matching the certificate, ...). Throws ConfigError.
 */
export function checkTlsPem(files: { certFile: string; keyFile: string; caFile?: string | null }): void {
  const names = { certFile: 'FW_GATEWAY_TLS_CERT', keyFile: 'FW_GATEWAY_TLS_KEY', caFile: 'FW_GATEWAY_TLS_CA' } as const;
  const pem: Partial<Record<keyof typeof names, Buffer>> = {};
  for (const k of ['certFile', 'keyFile', 'caFile'] as const) {
    const f = files[k];
    if (!f) continue;
    try {
      pem[k] = readFileSync(f);
    } catch (e) {
      throw new ConfigError(`${names[k]}=${JSON.stringify(f)}: cannot read: ${(e as Error).message}`);
    }
  }
  try {
    createSecureContext({ cert: pem.certFile, key: pem.keyFile, ca: pem.caFile });
  } catch (e) {
    const which = (['certFile', 'keyFile', 'caFile'] as const).filter((k) => files[k]).map((k) => `${names[k]}=${JSON.stringify(files[k])}`);
    throw new ConfigError(`${which.join(' / ')}: not a usable certificate/key: ${(e as Error).message}`);
  }
}

/** Checks cross-field rules; throws ConfigError naming the offending option. */
export function validateConfig(c: GatewayConfig): GatewayConfig {
  const need = (ok: boolean, msg: string) => {
    if (!ok) throw new ConfigError(msg);
  };
  parseBrokers(c.kafkaBrokers);
  if (c.redisUrl) need(/^rediss?:\/\//.test(c.redisUrl), `FW_REDIS_URL=${JSON.stringify(c.redisUrl)}: expected redis://host:port`);
  if (c.databaseUrl) need(/^postgres(ql)?:\/\//.test(c.databaseUrl), `FW_DATABASE_URL: expected a postgres:// URL`);
  need(!c.cluster || !!c.redisUrl, 'FW_GATEWAY_CLUSTER=true needs FW_REDIS_URL');
  need(Number.isInteger(c.processes) && c.processes >= 1 && c.processes <= 64, `FW_GATEWAY_PROCESSES=${c.processes}: expected 1..64`);
  for (const n of c.redisClusterNodes) need(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(n), `FW_REDIS_CLUSTER_NODES: ${JSON.stringify(n)} is not host:port`);
  need(/^[a-z_][a-z0-9_]{0,62}$/.test(c.registrySchema), `FW_GATEWAY_REGISTRY_SCHEMA=${JSON.stringify(c.registrySchema)}: expected a lowercase SQL identifier`);
  for (const s of c.tokenSecrets) need(s.length >= 16, 'FW_GATEWAY_TOKEN_SECRET: each secret must be at least 16 characters');
  need((c.tlsCertFile === null) === (c.tlsKeyFile === null), 'FW_GATEWAY_TLS_CERT and FW_GATEWAY_TLS_KEY must be set together');
  need(!c.wsTls || (!!c.tlsCertFile && !!c.tlsKeyFile), 'FW_GATEWAY_WS_TLS=true (wss) needs FW_GATEWAY_TLS_CERT and FW_GATEWAY_TLS_KEY');
  for (const [name, f] of [
    ['FW_GATEWAY_TLS_CERT', c.tlsCertFile],
    ['FW_GATEWAY_TLS_KEY', c.tlsKeyFile],
    ['FW_GATEWAY_TLS_CA', c.tlsCaFile],
  ] as const) {
    if (f) need(existsSync(f), `${name}=${JSON.stringify(f)}: file does not exist`);
  }
  if (c.tlsCertFile && c.tlsKeyFile && (c.wsTls || c.tlsPort !== null)) checkTlsPem({ certFile: c.tlsCertFile, keyFile: c.tlsKeyFile, caFile: c.tlsCaFile });
  need(c.wsPath.startsWith('/'), `FW_GATEWAY_WS_PATH=${JSON.stringify(c.wsPath)}: must start with /`);
  need(c.maxBatch >= 1, 'FW_GATEWAY_MAX_BATCH must be >= 1');
  need(c.maxInflight >= 1, 'FW_GATEWAY_MAX_INFLIGHT must be >= 1');
  need(c.authBurst >= 1 && c.authRefillPerSec > 0, 'FW_GATEWAY_AUTH_BURST must be >= 1 and FW_GATEWAY_AUTH_REFILL_PER_SEC > 0');
  need(c.maxPayloadBytes >= 64, 'FW_GATEWAY_MAX_PAYLOAD_BYTES must be >= 64');
  const rf = c.kafkaReplicationFactor;
  const isr = c.kafkaMinInsyncReplicas;
  need(
    rf === 'auto' || isr === 'auto' || isr <= rf,
    `FW_KAFKA_MIN_INSYNC_REPLICAS=${isr} > FW_KAFKA_REPLICATION_FACTOR=${rf}: no acks=all write could ever succeed`,
  );
  need(c.topics.telemetry.length > 0 && c.topics.deadletter.length > 0, 'Kafka topic names must not be empty');
  return c;
}
