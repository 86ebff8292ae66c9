// Deterministic drive simulator: a script of phases -> GPS (1 Hz) and accelerometer samples, as the
// absolute columns the engine consumes. Used by tests, benches and the demo; no randomness unless seeded.
import { G } from './config.js';
import type { TelemetryInput } from './engine.js';

export interface Phase {
  /** Seconds. */
  duration: number;
  /** Longitudinal acceleration (m/s^2); speed is clamped at 0. */
  accel?: number;
  /** Yaw rate (deg/s), positive = clockwise. */
  yaw?: number;
}

export interface DriveOptions {
  deviceId: string;
  bootId?: string;
  startMs: number;
  lat?: number;
  lon?: number;
  heading?: number;
  speed?: number;
  phases: Phase[];
  /** GPS interval (ms), default 1000. Accelerometer rate (Hz), default 10; 0 = no accelerometer. */
  gpsIntervalMs?: number;
  accelHz?: number;
  /** Seconds of data per batch, default 30. */
  batchSeconds?: number;
  firstSeq?: number;
}

interface Sample {
  t: number;
  lat: number;
  lon: number;
  speed: number;
  heading: number;
  aLong: number;
  aLat: number;
}

function integrate(o: DriveOptions): Sample[] {
  const stepMs = 100;
  const out: Sample[] = [];
  let t = o.startMs;
  let lat = o.lat ?? 48.8566;
  let lon = o.lon ?? 2.3522;
  let heading = o.heading ?? 90;
  let v = o.speed ?? 0;
  for (const ph of o.phases) {
    const steps = Math.round((ph.duration * 1000) / stepMs);
    for (let i = 0; i < steps; i++) {
      const dt = stepMs / 1000;
      const a = v <= 0 && (ph.accel ?? 0) < 0 ? 0 : (ph.accel ?? 0);
      const yaw = ph.yaw ?? 0;
      out.push({ t, lat, lon, speed: v, heading, aLong: a, aLat: v * ((yaw * Math.PI) / 180) });
      v = Math.max(0, v + a * dt);
      heading = (((heading + yaw * dt) % 360) + 360) % 360;
      const d = v * dt;
      lat += (d * Math.cos((heading * Math.PI) / 180)) / 111_320;
      lon += (d * Math.sin((heading * Math.PI) / 180)) / (111_320 * Math.cos((lat * Math.PI) / 180));
      t += stepMs;
    }
  }
  return out;
}

/** Simulates a drive and cuts it into telemetry batches (seq increasing from firstSeq). */
export function simulateDrive(o: DriveOptions): TelemetryInput[] {
  const samples = integrate(o);
  const gpsEvery = Math.max(1, Math.round((o.gpsIntervalMs ?? 1000) / 100));
  const accHz = o.accelHz ?? 10;
  const accEvery = accHz > 0 ? Math.max(1, Math.round(10 / accHz)) : 0;
  const perBatch = Math.max(1, Math.round(((o.batchSeconds ?? 30) * 1000) / 100));
  const batches: TelemetryInput[] = [];
  let seq = o.firstSeq ?? 1;
  for (let b = 0; b < samples.length; b += perBatch) {
    const chunk = samples.slice(b, b + perBatch);
    const gps = chunk.filter((_, i) => (b + i) % gpsEvery === 0);
    const acc = accEvery > 0 ? chunk.filter((_, i) => (b + i) % accEvery === 0) : [];
    batches.push({
      deviceId: o.deviceId,
      bootId: o.bootId ?? 'boot-1',
      seq: seq++,
      gps: {
        t: Float64Array.from(gps, (s) => s.t),
        latE7: Int32Array.from(gps, (s) => Math.round(s.lat * 1e7)),
        lonE7: Int32Array.from(gps, (s) => Math.round(s.lon * 1e7)),
        speedCms: Int32Array.from(gps, (s) => Math.round(s.speed * 100)),
        headingCdeg: Int32Array.from(gps, (s) => Math.round(s.heading * 100) % 36000),
      },
      accel: {
        t: Float64Array.from(acc, (s) => s.t),
        // Device mounted flat: x forward, y left, z up (right-handed, as real sensors; reads +1 g at rest).
        // aLat is positive to the right (clockwise yaw), so it reads negative on y.
        xMg: Int32Array.from(acc, (s) => Math.round((s.aLong / G) * 1000)),
        yMg: Int32Array.from(acc, (s) => Math.round((-s.aLat / G) * 1000)),
        zMg: Int32Array.from(acc, () => 1000),
      },
    });
  }
  return batches;
}

/**
 * A typical commute at 72 km/h: depart, cruise, stop and idle (idleEndS, default 360 s, ends the trip).
 * harsh adds a hard launch (357 mg), a hard brake (510 mg) and a sharp turn (~710 mg);
 * speeding adds a minute at 144 km/h.
 */
export function commutePhases(opts: { harsh?: boolean; speeding?: boolean; idleEndS?: number; cruiseS?: number } = {}): Phase[] {
  const p: Phase[] = [{ duration: 10 }];
  if (opts.harsh) p.push({ duration: 4, accel: 3.5 }, { duration: 6, accel: 1 });
  else p.push({ duration: 14, accel: 20 / 14 });
  p.push({ duration: opts.cruiseS ?? 120 });
  if (opts.harsh) p.push({ duration: 2, accel: -5 }, { duration: 5, accel: 2 }, { duration: 30 }, { duration: 3, yaw: 20 });
  if (opts.speeding) p.push({ duration: 8, accel: 2.5 }, { duration: 60 }, { duration: 8, accel: -2.5 });
  p.push({ duration: 60 }, { duration: 20, accel: -0.5 }, { duration: 12, accel: -1 }, { duration: opts.idleEndS ?? 360 });
  return p;
}
