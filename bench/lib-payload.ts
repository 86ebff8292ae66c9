// The DeviceBatch every MQTT bench publishes: 10 GPS fixes + 50 accelerometer samples (~380 B), unique seq.
import { encodeDeviceBatch, packAccel, packGps } from '@fleetwire/proto';

export function benchPayload(deviceId: string, seq: number): Buffer {
  const now = Date.now();
  const gps = Array.from({ length: 10 }, (_, i) => ({ t: now - 10_000 + i * 1000, lat: 48.1 + i * 1e-5, lon: 11.5 + i * 1e-5, speed: 12 }));
  const accel = Array.from({ length: 50 }, (_, i) => ({ t: now - 1000 + i * 20, x: 0.01 * (i % 7), y: -0.02, z: 1 }));
  return Buffer.from(encodeDeviceBatch({ deviceId, bootId: 'bench-boot', seq, sentAtMs: now, gps: packGps(gps), accel: packAccel(accel, 50) }));
}
