// Synthetic drives for the detector's tests: 1 Hz GPS, 50 Hz accelerometer and gyroscope, device mounted
// aligned (x forward, y left, z up; specific force, so a stationary device reads z = +1 g).
import {
  DEFAULT_DETECT_CONFIG,
  type DetectConfig,
  detectAccel,
  detectFix,
  detectGyro,
  detectPhone,
  flushMotion,
  type MotionEvent,
  newMotionState,
} from '../src/index.js';
import type { DriveRecord } from '@fleetwire/test-kit';

export const T0 = 1.7e12;
export interface Sample {
  t: number;
  kind: 'gps' | 'accel' | 'gyro' | 'phone';
  v?: number;
  x?: number;
  y?: number;
  z?: number;
  state?: number;
}

/** speed(s) m/s; accel(s) [x, y, z] in g (gravity included); gyro(s) [x, y, z] deg/s. s = seconds since T0. */
export function drive(
  seconds: number,
  speed: (s: number) => number,
  accel: (s: number) => [number, number, number] = () => [0, 0, 1],
  gyro?: (s: number) => [number, number, number],
): Sample[] {
  const out: Sample[] = [];
  for (let ms = 0; ms <= seconds * 1000; ms += 20) {
    const s = ms / 1000;
    const [x, y, z] = accel(s);
    out.push({ t: T0 + ms, kind: 'accel', x, y, z });
    if (gyro) {
      const [gx, gy, gz] = gyro(s);
      out.push({ t: T0 + ms, kind: 'gyro', x: gx, y: gy, z: gz });
    }
    if (ms % 1000 === 0) out.push({ t: T0 + ms, kind: 'gps', v: speed(s) });
  }
  return out;
}

export function phone(s: number, state: number): Sample {
  return { t: T0 + s * 1000, kind: 'phone', state };
}

/** Runs the samples through the detector, from a fresh state or from `st` (a state carried over, e.g. one a scorer persisted). */
export function run(samples: Sample[], overrides: Partial<DetectConfig> = {}, st = newMotionState()) {
  const cfg: DetectConfig = { ...DEFAULT_DETECT_CONFIG, ...overrides };
  const out: MotionEvent[] = [];
  const sorted = [...samples].sort((a, b) => a.t - b.t || (a.kind === 'gps' ? 1 : 0) - (b.kind === 'gps' ? 1 : 0));
  for (const x of sorted) {
    if (x.kind === 'gps')
      detectFix(st, { t: x.t, latE7: 480000000, lonE7: 110000000, speedCms: Math.round(x.v! * 100), headingCdeg: 9000, hdopC: 80, limitCms: 0 }, cfg, out);
    else if (x.kind === 'accel') detectAccel(st, x.t, Math.round(x.x! * 1000), Math.round(x.y! * 1000), Math.round(x.z! * 1000), cfg, out);
    else if (x.kind === 'gyro') detectGyro(st, x.t, Math.round(x.x! * 1000), Math.round(x.y! * 1000), Math.round(x.z! * 1000), cfg, out);
    else detectPhone(st, x.t, x.state!, cfg, out);
  }
  flushMotion(st, cfg, out);
  return { events: out, st };
}

/** A half-sine pulse of `g` peak on one horizontal axis between s0 and s0 + ms/1000. */
export function pulse(s: number, s0: number, ms: number, g: number): number {
  const u = (s - s0) / (ms / 1000);
  return u >= 0 && u <= 1 ? g * Math.sin(Math.PI * u) : 0;
}

/** The shared test-kit's drive records (accelerometer g, gyroscope deg/s, GPS speed m/s) as samples here. */
export const fromRecords = (rs: DriveRecord[]): Sample[] =>
  rs.flatMap((r): Sample[] =>
    r.kind === 'gps' ? [{ t: r.t, kind: 'gps', v: r.speed }] : r.kind === 'phone' ? [] : [{ t: r.t, kind: r.kind, x: r.x, y: r.y, z: r.z }],
  );
