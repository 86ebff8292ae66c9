export { startGateway, type Gateway, type StartOptions } from './gateway.js';
export { loadConfig, validateConfig, defaultConfig, OPTIONS, type GatewayConfig } from './config.js';
export { ConfigError, FleetwireError, Registry } from '@fleetwire/runtime';
export { mintDeviceToken, verifyDeviceToken, type MintTokenOptions, type TokenClaims, type TokenResult } from '@fleetwire/runtime';
export { hashSecret, verifySecret } from './core/secret-hash.js';
export { canPublish, canSubscribe, type Principal, PARTNER_PREFIX } from './core/acl.js';
export { Authenticator, CONNACK, type AuthOutcome, type AuthFailureReason, type CredentialRegistry } from './core/authenticate.js';
export { FailureRateLimiter } from './core/rate-limit.js';
export { partnerJsonToBatch, EVENT_TYPES } from './core/partner-json.js';
export { validateUplink, type GatewayReasonCode, type UplinkResult } from './core/uplink.js';
export { gatewayMetrics, type GatewayMetrics } from './core/metrics.js';
export type { SinkRecord, TelemetrySink } from './adapters/sink.js';
export { MemorySink, type MemorySinkOptions } from './adapters/memory-sink.js';
export { GATEWAY_PRODUCER, KafkaSink, type KafkaSinkOptions } from './adapters/kafka/kafka-sink.js';
export { PgRegistry, registryDdl } from './adapters/pg/registry.js';
export { pushConfig, type PushConfigOptions } from './push-config.js';
export {
  RedisDedupe,
  MemoryDedupe,
  dedupeRedisKey,
  DEDUPE_GROUPS,
  type DedupeStore,
  type ClaimResult,
  type RedisDedupeOptions,
} from './adapters/redis/dedupe.js';
