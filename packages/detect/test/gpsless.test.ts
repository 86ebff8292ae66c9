// No GPS at all (a phone app without location permission, an IMU-only recorder): the mount comes from the
// gyroscope's yaw rate and the lateral acceleration that goes with it; events come from the vehicle-frame IMU.
import { describe, expect, it } from 'vitest';
import { EVENT, orientationOf, DEFAULT_DETECT_CONFIG, newMotionState } from '../src/index.js';
import { run, type Sample, T0 } from './synthetic.js';

type M3 = [[number, number, number], [number, number, number], [number, number, number]];
const D = Math.PI / 180;
/** device = M * vehicle: a yaw of `yawDeg` about up, then a pitch of `pitchDeg` (a windshield mount leans back). */
function mount(yawDeg: number, pitchDeg: number): M3 {
  const [cy, sy, cp, sp] = [Math.cos(yawDeg * D), Math.sin(yawDeg * D), Math.cos(pitchDeg * D), Math.sin(pitchDeg * D)];
  const yaw: M3 = [
    [cy, sy, 0],
    [-sy, cy, 0],
    [0, 0, 1],
  ];
  const pitch: M3 = [
    [cp, 0, -sp],
    [0, 1, 0],
    [sp, 0, cp],
  ];
  return pitch.map((r) => [0, 1, 2].map((j) => r[0] * yaw[0]![j]! + r[1] * yaw[1]![j]! + r[2] * yaw[2]![j]!)) as M3;
}
const apply = (m: M3, v: [number, number, number]): [number, number, number] =>
  m.map((r) => r[0] * v[0] + r[1] * v[1] + r[2] * v[2]) as [number, number, number];

interface Phase {
  s: number;
  /** longitudinal acceleration (g), yaw rate (deg/s, + = left), speed (m/s) */
  aLong: number;
  yawDps: number;
  v: number;
}
/**
 * 50 Hz accelerometer (+ gyroscope, its sense of rotation times `gyroSign`) of a drive given as phases, seen
 * through the mount; 1 Hz GPS speed only when `gps`.
 */
function imuDrive(phases: Phase[], m: M3, withGyro = true, o: { gps?: boolean; gyroSign?: number } = {}): Sample[] {
  const out: Sample[] = [];
  let seed = 12345;
  // Uniform noise of +-0.08 g (a phone accelerometer in a moving car, road vibration included) and +-1.6 deg/s.
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.16;
  let t = 0;
  let vel = phases[0]?.v ?? 0; // the GPS speed: the longitudinal acceleration integrated
  for (const p of phases) {
    for (let ms = 0; ms < p.s * 1000; ms += 20, t += 20) {
      const aLat = (p.v * p.yawDps * D) / 9.80665;
      const [x, y, z] = apply(m, [p.aLong + noise(), aLat + noise(), 1 + noise()]);
      out.push({ t: T0 + t, kind: 'accel', x, y, z });
      if (withGyro) {
        const k = o.gyroSign ?? 1;
        const [gx, gy, gz] = apply(m, [noise() * 10, noise() * 10, p.yawDps + noise() * 10]);
        out.push({ t: T0 + t, kind: 'gyro', x: k * gx, y: k * gy, z: k * gz });
      }
      if (o.gps && t % 1000 === 0) out.push({ t: T0 + t, kind: 'gps', v: vel });
      vel += p.aLong * 9.80665 * 0.02;
    }
  }
  return out;
}

const cruise = (s: number, v = 12): Phase => ({ s, aLong: 0, yawDps: 0, v });
/**
 * A town drive: 12 ordinary turns (10 deg/s at 10 m/s, 0.18 g), braking into them and speeding up out of them
 * (the longitudinal part during a turn is what the estimate must not take for lateral), gentle speed changes
 * between them.
 */
const town: Phase[] = [cruise(10)];
for (let i = 0; i < 12; i++)
  town.push(
    { s: 2, aLong: -0.1, yawDps: i % 2 ? -10 : 10, v: 10 },
    { s: 3, aLong: 0.08, yawDps: i % 2 ? -10 : 10, v: 10 },
    { s: 3, aLong: i % 3 === 0 ? -0.08 : 0.06, yawDps: 0, v: 10 },
    cruise(4),
  );
const harsh: Phase[] = [
  { s: 2, aLong: -0.5, yawDps: 0, v: 12 },
  cruise(10),
  { s: 2, aLong: 0.45, yawDps: 0, v: 10 },
  cruise(10),
  { s: 3, aLong: 0, yawDps: 30, v: 12 }, // 0.64 g to the left
  cruise(10),
  { s: 3, aLong: 0, yawDps: -30, v: 12 },
  cruise(10),
];

describe('mount and events without GPS (gyroscope)', () => {
  for (const [yaw, pitch] of [
    [0, 0],
    [130, 20],
    [-90, 60],
    [180, 10],
  ] as const) {
    it(`a mount rotated ${yaw} deg and tilted ${pitch} deg: forward found from the turns, each harsh manoeuvre as its type`, () => {
      const m = mount(yaw, pitch);
      const r = run(imuDrive([...town, ...harsh], m));
      const o = orientationOf(r.st, DEFAULT_DETECT_CONFIG);
      expect(o.confident).toBe(true);
      expect(o.source).toBe('gyro');
      const trueForward = apply(m, [1, 0, 0]);
      const cos = o.forward!.reduce((s, x, i) => s + x * trueForward[i]!, 0);
      expect(Math.acos(Math.min(1, cos)) / D).toBeLessThan(10);
      // The ordinary town driving makes no event; the four harsh manoeuvres one each, in order.
      expect(r.events.map((e) => e.type)).toEqual([EVENT.HARSH_BRAKING, EVENT.HARSH_ACCELERATION, EVENT.HARSH_CORNERING, EVENT.HARSH_CORNERING]);
      expect(r.events.every((e) => e.source === 'imu')).toBe(true);
    });
  }

  it('without a gyroscope (and no GPS) the mount stays unknown and nothing is guessed', () => {
    const r = run(imuDrive([...town, ...harsh], mount(130, 20), false));
    expect(orientationOf(r.st, DEFAULT_DETECT_CONFIG).confident).toBe(false);
    expect(r.events).toEqual([]);
  });

  it('a recorder whose gyroscope turns the other way: learnt against GPS, then right without GPS', () => {
    const m = mount(130, 20);
    // The town drive with GPS: speed changes (GPS evidence) and turns (gyro evidence), both trusted, disagree.
    const learnt = run(imuDrive([...town, ...town, ...town, ...town], m, true, { gps: true, gyroSign: -1 }));
    expect(learnt.st.imu.yawChecked).toBe(true);
    expect(learnt.st.imu.yawSign).toBe(-1);
    // A right-handed recorder on the same drive: checked, nothing turned round.
    const right = run(imuDrive([...town, ...town, ...town, ...town], m, true, { gps: true }));
    expect(right.st.imu.yawChecked).toBe(true);
    expect(right.st.imu.yawSign ?? 1).toBe(1);
    // The same recorder without GPS: unseeded, a left-handed gyroscope points the estimate backwards (turns
    // alone cannot tell the handedness), so braking reads as acceleration.
    const drive = imuDrive([...town, ...harsh], m, true, { gyroSign: -1 });
    const unseeded = run(drive);
    const trueForward = apply(m, [1, 0, 0]);
    const dot = (f: number[]) => f.reduce((s, x, i) => s + x * trueForward[i]!, 0);
    expect(dot(orientationOf(unseeded.st, DEFAULT_DETECT_CONFIG).forward!)).toBeLessThan(-0.9);
    // Seeded with the handedness learnt above (what a persisted device state carries): right again.
    const st = newMotionState();
    st.imu.yawSign = learnt.st.imu.yawSign;
    st.imu.yawChecked = true;
    const seeded = run(drive, {}, st);
    const o = orientationOf(seeded.st, DEFAULT_DETECT_CONFIG);
    expect(o.confident).toBe(true);
    expect(dot(o.forward!)).toBeGreaterThan(Math.cos(10 * D));
    expect(seeded.events.map((e) => e.type)).toEqual([EVENT.HARSH_BRAKING, EVENT.HARSH_ACCELERATION, EVENT.HARSH_CORNERING, EVENT.HARSH_CORNERING]);
  });

  it('straight driving only (no turns) gives no gyro evidence: no estimate, no events', () => {
    const r = run(imuDrive([cruise(60), { s: 2, aLong: -0.5, yawDps: 0, v: 12 }, cruise(10)], mount(130, 20)));
    expect(orientationOf(r.st, DEFAULT_DETECT_CONFIG).confident).toBe(false);
    expect(r.events).toEqual([]);
  });
});
