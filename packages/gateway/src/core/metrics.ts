// The gateway's metric set, on the shared Prometheus registry (@fleetwire/runtime).
import { Registry } from '@fleetwire/runtime';

/** The gateway's metric set. */
export function gatewayMetrics(reg = new Registry()) {
  return {
    registry: reg,
    connections: reg.gauge('fw_gateway_connections', 'Open MQTT connections by transport'),
    connectsTotal: reg.counter('fw_gateway_connects_total', 'Accepted MQTT connections by transport'),
    authFailures: reg.counter('fw_gateway_auth_failures_total', 'Rejected CONNECTs by reason'),
    messages: reg.counter('fw_gateway_messages_total', 'Uplink messages by outcome (accepted, duplicate, rejected)'),
    bytes: reg.counter('fw_gateway_uplink_bytes_total', 'Uplink payload bytes received'),
    rejects: reg.counter('fw_gateway_rejects_total', 'Dead-lettered uplinks by reason code'),
    aclDenials: reg.counter('fw_gateway_acl_denials_total', 'Denied publishes/subscriptions by action'),
    inflight: reg.gauge('fw_gateway_inflight_messages', 'Uplinks waiting for the sink (Kafka) ack'),
    sinkLatency: reg.histogram(
      'fw_gateway_sink_ack_seconds',
      'Time from enqueue to sink (Kafka) ack',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    sinkBatches: reg.counter('fw_gateway_sink_batches_total', 'Batches sent to the sink'),
    sinkErrors: reg.counter('fw_gateway_sink_errors_total', 'Failed sink sends'),
    sinkReady: reg.gauge('fw_gateway_sink_ready', '1 when the sink (Kafka producer) is connected'),
    dedupeRedis: reg.gauge('fw_gateway_dedupe_redis', '1 when the dedupe window is in Redis (or Redis Cluster), 0 when the in-memory window answers'),
    dedupeFallbacks: reg.gauge(
      'fw_gateway_dedupe_fallback_keys',
      'Dedupe keys answered by the in-memory window because their Redis call failed (total since start)',
    ),
    sessionsRevoked: reg.counter('fw_gateway_sessions_revoked_total', 'Sessions closed because their registry account was disabled or removed'),
    sessionsExpired: reg.counter('fw_gateway_sessions_expired_total', 'Sessions closed because their login token expired'),
    proxyRejects: reg.counter('fw_gateway_proxy_header_rejects_total', 'Connections closed for a missing or malformed PROXY protocol header, by transport'),
  };
}

export type GatewayMetrics = ReturnType<typeof gatewayMetrics>;
