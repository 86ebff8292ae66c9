import { encodeDeviceBatch, packAccel, packGps } from '@fleetwire/proto';
import mqtt, { type MqttClient } from 'mqtt';
import { mintDeviceToken } from '@fleetwire/runtime';

export const SECRET = 'integration-test-secret-0123456789';
export const quiet = { level: 'silent' } as const;

export function batchBytes(deviceId: string, seq: number, bootId = 'boot-1', now = Date.now()): Uint8Array {
  return encodeDeviceBatch({
    deviceId,
    bootId,
    seq,
    sentAtMs: now,
    gps: packGps([
      { t: now - 1000, lat: 48.1 + seq * 1e-5, lon: 11.5, speed: 10 },
      { t: now, lat: 48.1001 + seq * 1e-5, lon: 11.5001, speed: 11 },
    ]),
    accel: packAccel([{ t: now - 1000, x: 0.01, y: 0, z: 1 }], 50),
  });
}

export interface DeviceConn {
  client: MqttClient;
  tenant: string;
  deviceId: string;
}

export async function connectDevice(url: string, tenant: string, deviceId: string, extra: mqtt.IClientOptions = {}): Promise<DeviceConn> {
  const password = mintDeviceToken({ tenant, deviceId, secret: SECRET, ttlSec: 600 });
  const client = await mqtt.connectAsync(url, { username: deviceId, password, clientId: deviceId, reconnectPeriod: 0, connectTimeout: 5000, ...extra });
  return { client, tenant, deviceId };
}

/** Resolves with the CONNACK error (code) of a refused connection. */
export function connectRefused(url: string, opts: mqtt.IClientOptions): Promise<{ code: number | undefined; message: string }> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    c.on('connect', () => {
      c.end(true);
      reject(new Error('connection was accepted'));
    });
    c.on('error', (e: Error & { code?: number }) => {
      c.end(true);
      resolve({ code: e.code, message: e.message });
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export { freePort } from '@fleetwire/test-kit';
