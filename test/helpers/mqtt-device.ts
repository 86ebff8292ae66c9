// Raw mqtt.js connections with device tokens, for tests that misbehave on purpose.
import { mintDeviceToken } from '@fleetwire/gateway';
import mqtt, { type MqttClient } from 'mqtt';
import { TOKEN_SECRET } from './pipeline.js';

export function deviceToken(tenant: string, deviceId: string, ttlSec = 3600, secret = TOKEN_SECRET, now?: number): string {
  return mintDeviceToken({ tenant, deviceId, secret, ttlSec, ...(now !== undefined ? { now } : {}) });
}

/** Connects (MQTT 3.1.1, clean session, no reconnect); resolves with the client or rejects with the CONNACK error. */
export function connectMqtt(
  url: string,
  username: string,
  password: string,
  clientId = `${username}-${Math.random().toString(36).slice(2, 8)}`,
): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { username, password, clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, clean: true });
    c.once('connect', () => resolve(c));
    c.once('error', (e) => {
      c.end(true);
      reject(e);
    });
    c.once('close', () => reject(new Error('closed before CONNACK')));
  });
}
