// A synthetic IMU drive seen through any mount: 50 Hz accelerometer (+ gyroscope), 1 Hz GPS (speed, and a
// position moving due east) only when asked. The drive is a list of phases (longitudinal g, yaw rate, speed);
// the mount is a rotation of the device against the car. Shared by the detection core's, the device SDK's and
// the scorer's tests (one copy).
import type { DriveRecord } from './phone-drive.js';

export type Vec3 = [number, number, number];
export type Mat3 = [Vec3, Vec3, Vec3];
const D = Math.PI / 180;
/** A deterministic uniform [0, 1) generator (the one LCG of these drives). */
const lcg = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

/** device = M * vehicle: a yaw of `yawDeg` about up, then a pitch of `pitchDeg` (a windshield mount leans back). */
export function mountMatrix(yawDeg: number, pitchDeg: number): Mat3 {
  const [cy, sy, cp, sp] = [Math.cos(yawDeg * D), Math.sin(yawDeg * D), Math.cos(pitchDeg * D), Math.sin(pitchDeg * D)];
  const yaw: Mat3 = [
    [cy, sy, 0],
    [-sy, cy, 0],
    [0, 0, 1],
  ];
  const pitch: Mat3 = [
    [cp, 0, -sp],
    [0, 1, 0],
    [sp, 0, cp],
  ];
  return pitch.map((r) => [0, 1, 2].map((j) => r[0] * yaw[0][j]! + r[1] * yaw[1][j]! + r[2] * yaw[2][j]!)) as Mat3;
}

/** m * v */
export const applyMount = (m: Mat3, v: Vec3): Vec3 => m.map((r) => r[0] * v[0] + r[1] * v[1] + r[2] * v[2]) as Vec3;

export interface ImuPhase {
  s: number;
  /** longitudinal acceleration (g), yaw rate (deg/s, + = left), speed (m/s) */
  aLong: number;
  yawDps: number;
  v: number;
}

export interface ImuDriveOptions {
  t0?: number;
  /** a gyroscope at all (default true) */
  gyro?: boolean;
  /** 1 Hz GPS fixes (speed: the longitudinal acceleration integrated; position: that speed due east); default none */
  gps?: boolean;
  /** the gyroscope's sense of rotation: -1 = a left-handed recorder */
  gyroSign?: number;
  seed?: number;
  /** a constant gyroscope bias in device axes (deg/s), as an uncalibrated phone gyro has */
  gyroBias?: Vec3;
}

/**
 * 50 Hz accelerometer (g, gravity included) and gyroscope (deg/s) of the phases seen through mount `m`, with
 * uniform noise of +-0.08 g (a phone in a moving car, road vibration included) and +-1.6 deg/s.
 */
/** Metres per degree of longitude at the drive's latitude (48°). */
const M_PER_DEG_LON = 111_320 * Math.cos((48 * Math.PI) / 180);

export function imuDrive(phases: ImuPhase[], m: Mat3, o: ImuDriveOptions = {}): DriveRecord[] {
  const out: DriveRecord[] = [];
  const t0 = o.t0 ?? 1.7e12;
  const rnd = lcg(o.seed ?? 12345);
  const noise = () => (rnd() - 0.5) * 0.16;
  const k = o.gyroSign ?? 1;
  const b = o.gyroBias ?? [0, 0, 0];
  let t = 0;
  let vel = phases[0]?.v ?? 0;
  let east = 0; // m driven (due east, along heading 90)
  for (const p of phases) {
    for (let ms = 0; ms < p.s * 1000; ms += 20, t += 20) {
      const aLat = (p.v * p.yawDps * D) / 9.80665;
      const [x, y, z] = applyMount(m, [p.aLong + noise(), aLat + noise(), 1 + noise()]);
      out.push({ kind: 'accel', t: t0 + t, x, y, z });
      if (o.gyro !== false) {
        const [gx, gy, gz] = applyMount(m, [noise() * 10, noise() * 10, p.yawDps + noise() * 10]);
        out.push({ kind: 'gyro', t: t0 + t, x: k * gx + b[0], y: k * gy + b[1], z: k * gz + b[2] });
      }
      if (o.gps && t % 1000 === 0) out.push({ kind: 'gps', t: t0 + t, lat: 48, lon: 11 + east / M_PER_DEG_LON, speed: vel, heading: 90, hdop: 0.8 });
      east += vel * 0.02;
      vel += p.aLong * 9.80665 * 0.02;
    }
  }
  return out;
}

/** Straight at a steady speed. */
export const cruise = (s: number, v = 12): ImuPhase => ({ s, aLong: 0, yawDps: 0, v });

export type ManoeuvreKind = 'brake' | 'accel' | 'left' | 'right';
/**
 * The event type each manoeuvre should come out as, in fleetwire.v1.EventType numbers (HARSH_BRAKING 1,
 * HARSH_ACCELERATION 2, HARSH_CORNERING 3; test-kit has no dependencies, the SDK's GPS-less test checks these
 * against the proto enum).
 */
export const MANOEUVRE_EVENT: Readonly<Record<ManoeuvreKind, number>> = Object.freeze({ brake: 1, accel: 2, left: 3, right: 3 });
export interface Manoeuvre {
  kind: ManoeuvreKind;
  /** seconds since the drive's start */
  start: number;
  end: number;
}

/**
 * A labelled test drive as driving-behaviour studies record one (a phone in a mount, aggressive manoeuvres
 * marked from video): `each` aggressive brakings (0.35-0.6 g), accelerations (0.3-0.45 g) and turns (half
 * left, half right; 22-34 deg/s at 11 m/s, 0.43-0.67 g) in a shuffled order, 15-30 s of ordinary driving
 * between them and an ordinary turn in every third gap. Deterministic for a seed.
 */
export function manoeuvreDrive(each = 12, seed = 7): { phases: ImuPhase[]; labels: Manoeuvre[] } {
  const rnd = lcg(seed);
  const kinds: ManoeuvreKind[] = [];
  for (let i = 0; i < each; i++) kinds.push('brake', 'accel', i % 2 ? 'left' : 'right');
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const phases: ImuPhase[] = [cruise(20)];
  const labels: Manoeuvre[] = [];
  let t = 20;
  for (const [i, kind] of kinds.entries()) {
    const s = 2 + rnd() * 1.5;
    const turn = (kind === 'left' ? 1 : -1) * (22 + rnd() * 12);
    phases.push(
      kind === 'brake'
        ? { s, aLong: -(0.35 + rnd() * 0.25), yawDps: 0, v: 11 }
        : kind === 'accel'
          ? { s, aLong: 0.3 + rnd() * 0.15, yawDps: 0, v: 9 }
          : { s, aLong: 0, yawDps: turn, v: 11 },
    );
    labels.push({ kind, start: t, end: t + s });
    t += s;
    const gap = 15 + rnd() * 15;
    if (i % 3 === 1) phases.push(cruise(gap / 2), { s: 4, aLong: 0, yawDps: rnd() > 0.5 ? 10 : -10, v: 9 }, cruise(gap / 2));
    else phases.push(cruise(gap));
    t += gap + (i % 3 === 1 ? 4 : 0);
  }
  return { phases, labels };
}

/**
 * The event types that fall in each labelled manoeuvre's window (1 s of slack either side), for events timed in
 * epoch ms (`t`) of a drive that started at `t0`. The one matching rule of the GPS-less tests.
 */
export function typesPerManoeuvre<E>(labels: readonly Manoeuvre[], events: readonly E[], t0: number, t: (e: E) => number, type: (e: E) => number): number[][] {
  return labels.map((l) => events.filter((e) => t(e) >= t0 + (l.start - 1) * 1000 && t(e) <= t0 + (l.end + 1) * 1000).map(type));
}
