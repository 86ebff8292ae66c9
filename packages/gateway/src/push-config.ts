// Downlink: publish a DeviceConfig to fw/<tenant>/<deviceId>/down/config (QoS 1, retained) through a
// gateway, authenticated as a partner of the tenant.
import { downlinkConfigTopic, fleetwire, isValidSegment } from '@fleetwire/proto';
import mqtt from 'mqtt';
import { mintDeviceToken } from '@fleetwire/runtime';

export interface PushConfigOptions {
  /** mqtt://host:1883, mqtts://..., ws://host:8080/mqtt */
  url: string;
  tenant: string;
  deviceId: string;
  config: fleetwire.v1.IDeviceConfig;
  /** Partner account name (username becomes partner:<name>). */
  partner?: string;
  /** Partner password; or give tokenSecret to mint a short-lived partner token. */
  password?: string;
  tokenSecret?: string;
  timeoutMs?: number;
}

export async function pushConfig(o: PushConfigOptions): Promise<{ topic: string; bytes: number }> {
  if (!isValidSegment(o.tenant) || !isValidSegment(o.deviceId)) throw new TypeError('tenant and deviceId must be valid topic segments');
  const partner = o.partner ?? 'ops';
  const username = `partner:${partner}`;
  const password = o.password ?? (o.tokenSecret ? mintDeviceToken({ tenant: o.tenant, deviceId: username, secret: o.tokenSecret, ttlSec: 300 }) : undefined);
  if (!password) throw new TypeError('pushConfig needs password or tokenSecret');
  const cfg = { issuedAtMs: Date.now(), ...o.config };
  const err = fleetwire.v1.DeviceConfig.verify(cfg);
  if (err) throw new TypeError(`bad DeviceConfig: ${err}`);
  const payload = Buffer.from(fleetwire.v1.DeviceConfig.encode(cfg).finish());
  const topic = downlinkConfigTopic(o.tenant, o.deviceId);
  const client = await mqtt.connectAsync(o.url, {
    username,
    password,
    clientId: `push-config-${process.pid}-${Date.now()}`,
    reconnectPeriod: 0,
    connectTimeout: o.timeoutMs ?? 10_000,
  });
  try {
    await client.publishAsync(topic, payload, { qos: 1, retain: true });
  } finally {
    await client.endAsync();
  }
  return { topic, bytes: payload.length };
}
