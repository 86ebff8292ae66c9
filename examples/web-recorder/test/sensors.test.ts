// The example's sensor conversion, fed by a synthetic drive (geolocation fixes at 1 Hz, devicemotion at
// 50 Hz in m/s²): every converted sample is accepted by the SDK, and the values arrive in SDK units.
import { describe, expect, it } from 'vitest';
import { createClient } from '../../../packages/device-sdk/src/index.js';
import { accelSample, gpsSample } from '../src/sensors.js';

const T0 = Date.UTC(2024, 4, 1, 8);

describe('web-recorder sensors', () => {
  it('converts a synthetic drive into samples the SDK records', async () => {
    const client = await createClient({ deviceId: 'phone-demo', tenant: 'acme', url: 'mqtt://127.0.0.1:1', storage: { memory: true }, detection: true });
    client.on('error', () => {});
    let n = 0;
    for (let s = 0; s < 60; s++) {
      const fix = gpsSample({
        timestamp: T0 + s * 1000,
        coords: { latitude: 48.1 + s * 1e-4, longitude: 11.5, speed: s < 5 ? null : 13.9, heading: s < 5 ? null : 90, accuracy: 8, altitude: 520 },
      });
      const batch = [fix];
      for (let k = 0; k < 50; k++) batch.push(accelSample(T0 + s * 1000 + k * 20, { x: -0.3 * Math.sin(k / 8), y: 0.1, z: 9.80665 })!);
      await client.record(batch);
      n += batch.length;
    }
    expect(client.stats().stored).toBe(n);
    expect(accelSample(0, { x: null, y: 1, z: 1 })).toBeNull();
    const g = gpsSample({ timestamp: 1, coords: { latitude: 1, longitude: 2, speed: -1, heading: NaN, accuracy: 1000, altitude: null } });
    expect(g).toMatchObject({ kind: 'gps', speed: 0, hdop: 50 });
    expect(g).not.toHaveProperty('heading');
    expect(accelSample(0, { x: 0, y: 0, z: 9.80665 })).toMatchObject({ z: 1 });
    await client.close();
  });
});
