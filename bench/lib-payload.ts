// The DeviceBatch the MQTT benches publish: by default 10 GPS fixes + 50 accelerometer samples (~380 B), unique
// seq; the scoring-realtime bench also publishes batches the size of its records (30 s: 30 fixes, 300 samples at 10 Hz).
import { encodeDeviceBatch, packAccel, packGps } from '@fleetwire/proto';

/** How much one batch holds: GPS fixes at 1 Hz, accelerometer samples at accelHz. */
export interface PayloadShape {
  gps: number;
  accel: number;
  accelHz: number;
  /** Accelerometer values that vary like a driven car's (bytes on the wire close to a recorded batch's), not near-constant. */
  varied?: boolean;
}
export const SMALL_BATCH: PayloadShape = { gps: 10, accel: 50, accelHz: 50 };
/** The scoring-realtime bench's record: 30 s of 1 Hz GPS and 10 Hz accelerometer. */
export const RECORD_30S: PayloadShape = { gps: 30, accel: 300, accelHz: 10, varied: true };

export function benchPayload(deviceId: string, seq: number, shape: PayloadShape = SMALL_BATCH): Buffer {
  const now = Date.now();
  const step = 1000 / shape.accelHz;
  const gps = Array.from({ length: shape.gps }, (_, i) => ({ t: now - shape.gps * 1000 + i * 1000, lat: 48.1 + i * 1e-5, lon: 11.5 + i * 1e-5, speed: 12 }));
  const accel = Array.from({ length: shape.accel }, (_, i) => {
    const t = now - shape.accel * step + i * step;
    return shape.varied
      ? { t, x: 0.03 * Math.sin(i * 1.3), y: -0.02 + 0.02 * Math.cos(i * 0.7), z: 1 + 0.02 * Math.sin(i * 2.1) }
      : { t, x: 0.01 * (i % 7), y: -0.02, z: 1 };
  });
  return Buffer.from(encodeDeviceBatch({ deviceId, bootId: 'bench-boot', seq, sentAtMs: now, gps: packGps(gps), accel: packAccel(accel, shape.accelHz) }));
}
