// MQTT topic layout and Kafka topic names: the routing half of the wire contract.

export const KAFKA_TOPICS = Object.freeze({
  telemetry: 'fw.telemetry.v1',
  deadletter: 'fw.deadletter.v1',
  trips: 'fw.trips.v1',
  scores: 'fw.scores.v1',
  alerts: 'fw.alerts.v1',
});

/** Value of the `schema` Kafka header for each message type. */
export const SCHEMAS = Object.freeze({
  telemetry: 'fleetwire.v1.TelemetryRecord',
  deadletter: 'fleetwire.v1.DeadLetter',
  trips: 'fleetwire.v1.TripCompleted',
  scores: 'fleetwire.v1.RiskScoreCalculated',
  alerts: 'fleetwire.v1.SafetyAlert',
});

const SEGMENT_RE = /^[A-Za-z0-9._:-]{1,128}$/;

export function isValidSegment(s: string): boolean {
  return SEGMENT_RE.test(s);
}

export const uplinkBatchTopic = (tenant: string, deviceId: string): string => `fw/${tenant}/${deviceId}/up/batch`;
export const uplinkJsonTopic = (tenant: string, deviceId: string): string => `fw/${tenant}/${deviceId}/up/json`;
export const downlinkConfigTopic = (tenant: string, deviceId: string): string => `fw/${tenant}/${deviceId}/down/config`;

export interface DeviceTopic {
  tenant: string;
  deviceId: string;
  direction: 'up' | 'down';
  /** Remaining levels, e.g. "batch", "json", "config". */
  kind: string;
}

/** Parses fw/<tenant>/<deviceId>/(up|down)/<kind>; null for anything else (wildcards included). */
export function parseDeviceTopic(topic: string): DeviceTopic | null {
  const parts = topic.split('/');
  if (parts.length < 5 || parts[0] !== 'fw') return null;
  const [, tenant, deviceId, direction, ...rest] = parts as [string, string, string, string, ...string[]];
  if (direction !== 'up' && direction !== 'down') return null;
  if (!isValidSegment(tenant) || !isValidSegment(deviceId)) return null;
  const kind = rest.join('/');
  if (kind.length === 0 || kind.includes('+') || kind.includes('#')) return null;
  return { tenant, deviceId, direction, kind };
}
