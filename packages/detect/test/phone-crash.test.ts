// Issue 17 in the detection core: crash pulses vs drops, potholes and parked knocks; sensitivity; phone use
// from app states and IMU handling, counted while moving; cornering from the gyroscope's yaw rate.
import { describe, expect, it } from 'vitest';
import { CRASH_SENSITIVITY, EVENT, PHONE, resolveDetectConfig } from '../src/index.js';
import { drive, phone, pulse, run } from './synthetic.js';

const CRASH = { crashDetection: 1 };
const crashes = (r: ReturnType<typeof run>) => r.events.filter((e) => e.type === EVENT.CRASH);
// 54 km/h, then an impact at 30 s that stops the car within a second (the fix at 31 s reads 0).
const stopAt =
  (t: number, v = 15) =>
  (s: number) =>
    s < t ? v : 0;

describe('crash detection', () => {
  it('a frontal impact (6 g, 100 ms) followed by a stop is a crash, at once, with peak, delta-V and the stop', () => {
    const r = run(
      drive(40, stopAt(30.5), (s) => [-pulse(s, 30, 100, 6), 0, 1]),
      CRASH,
    );
    const c = crashes(r);
    expect(c).toHaveLength(1);
    expect(c[0]!.severity).toBe('high');
    expect(c[0]!.startT - 1.7e12).toBeGreaterThanOrEqual(29_980);
    expect(c[0]!.crash!.peakMg).toBeGreaterThan(5500);
    // delta-V of a half sine: 2/pi x 6 g x 0.1 s = 3.7 m/s (only the part above half the threshold counts)
    expect(c[0]!.crash!.deltaVCms).toBeGreaterThan(300);
    expect(c[0]!.crash!.deltaVCms).toBeLessThan(420);
    expect(c[0]!.crash!.confirmT - 1.7e12).toBe(31_000); // the first fix after the impact that shows the stop
    expect(c[0]!.crash!.preSpeedCms).toBe(1500);
  });
  it('a dropped phone (free fall, then an 8 g spike) in a car that drives on is not a crash', () => {
    const acc = (s: number): [number, number, number] => (s >= 29.7 && s < 30 ? [0, 0, 0.05] : [pulse(s, 30, 40, 8), 0, 1 + pulse(s, 30, 40, 8)]);
    const r = run(
      drive(45, () => 15, acc),
      CRASH,
    );
    expect(crashes(r)).toEqual([]);
    expect(r.st.crash!.rejected.drop + r.st.crash!.rejected.pulse).toBeGreaterThan(0);
  });
  it('a drop followed by a normal stop seconds later is still a drop; the same pulse without free fall is a crash', () => {
    const v = (s: number) => (s < 31 ? 15 : Math.max(0, 15 - (s - 31) * 4)); // brakes to a stop at ~34.75 s
    const drop = (s: number): [number, number, number] => (s >= 29.7 && s < 30 ? [0, 0, 0.05] : [-pulse(s, 30, 80, 5), 0, 1]);
    expect(crashes(run(drive(45, v, drop), CRASH))).toEqual([]);
    const hit = (s: number): [number, number, number] => [-pulse(s, 30, 80, 5), 0, 1];
    expect(crashes(run(drive(45, v, hit), CRASH))).toHaveLength(1);
  });
  it('a pothole (vertical 4 g, short horizontal jolt) at speed is not a crash', () => {
    const acc = (s: number): [number, number, number] => [pulse(s, 30, 30, 1.2), 0, 1 + pulse(s, 30, 30, 4)];
    const r = run(
      drive(45, () => 20, acc),
      CRASH,
    );
    expect(crashes(r)).toEqual([]);
  });
  it('a knock on a parked car is not a crash (no motion before)', () => {
    const r = run(
      drive(
        40,
        () => 0,
        (s) => [-pulse(s, 30, 100, 6), 0, 1],
      ),
      CRASH,
    );
    expect(crashes(r)).toEqual([]);
    expect(r.st.crash!.rejected.stationary).toBe(1);
  });
  it('sensitivity: a 2.3 g, 150 ms impact fires at "high", not at "normal" or "low"; off unless enabled', () => {
    const samples = drive(40, stopAt(30.5), (s) => [-pulse(s, 30, 150, 2.3), 0, 1]);
    expect(crashes(run(samples, { ...CRASH, ...CRASH_SENSITIVITY.high }))).toHaveLength(1);
    expect(crashes(run(samples, { ...CRASH, ...CRASH_SENSITIVITY.normal }))).toEqual([]);
    expect(crashes(run(samples, { ...CRASH, ...CRASH_SENSITIVITY.low }))).toEqual([]);
    expect(crashes(run(drive(40, stopAt(30.5), (s) => [-pulse(s, 30, 100, 6), 0, 1])))).toEqual([]);
    expect(() => resolveDetectConfig({ crashImpactMg: 500 })).toThrow(/crashImpactMg/);
  });
  it('an impact with no stop within the window (the car drove on) is not a crash', () => {
    const r = run(
      drive(
        50,
        () => 15,
        (s) => [-pulse(s, 30, 100, 6), 0, 1],
      ),
      CRASH,
    );
    expect(crashes(r)).toEqual([]);
    expect(r.st.crash!.rejected.noStop).toBe(1);
  });
});

describe('phone use', () => {
  const uses = (r: ReturnType<typeof run>) => r.events.filter((e) => e.type === EVENT.PHONE_USE);
  it('unlock + gestures while moving is one PHONE_USE episode with its duration; lock ends it', () => {
    const r = run([
      ...drive(60, () => 15),
      phone(10, PHONE.UNLOCKED),
      phone(12, PHONE.HANDLING),
      phone(14, PHONE.HANDLING),
      phone(16, PHONE.HANDLING),
      phone(18, PHONE.LOCKED),
    ]);
    const u = uses(r);
    expect(u).toHaveLength(1);
    expect(u[0]!.phone!.bits).toBe(1);
    expect(u[0]!.phone!.movingMs).toBeGreaterThanOrEqual(7500);
    expect(u[0]!.phone!.movingMs).toBeLessThanOrEqual(8500);
  });
  it('a short glance (< 3 s) and use while stopped do not count', () => {
    expect(uses(run([...drive(60, () => 15), phone(10, PHONE.UNLOCKED), phone(11.5, PHONE.SCREEN_OFF)]))).toEqual([]);
    expect(uses(run([...drive(60, () => 0.5), phone(10, PHONE.UNLOCKED), phone(12, PHONE.HANDLING), phone(20, PHONE.LOCKED)]))).toEqual([]);
    // Screen on alone (a notification) is not use.
    expect(uses(run([...drive(60, () => 15), phone(10, PHONE.SCREEN_ON), phone(30, PHONE.SCREEN_OFF)]))).toEqual([]);
  });
  it('a call is use from start to end', () => {
    const u = uses(run([...drive(80, () => 15), phone(20, PHONE.CALL_START), phone(40, PHONE.CALL_END)]));
    expect(u).toHaveLength(1);
    expect(u[0]!.phone!.bits).toBe(2);
    expect(Math.abs(u[0]!.phone!.movingMs - 20_000)).toBeLessThanOrEqual(500);
    expect(u[0]!.severity).toBe('medium');
  });
  it('the phone picked up while moving (IMU tilt, no app signal) is use; lying still is not', () => {
    const tilt = (s: number): [number, number, number] => (s >= 20 && s < 28 ? [Math.sin(0.9) * (1 + 0.05 * Math.sin(s * 7)), 0, Math.cos(0.9)] : [0, 0, 1]);
    const u = uses(run(drive(60, () => 15, tilt)));
    expect(u).toHaveLength(1);
    expect(u[0]!.phone!.bits & 4).toBe(4);
    expect(uses(run(drive(60, () => 15)))).toEqual([]);
  });
  it('the phone turned in the hand (gyro, 60 deg/s about a horizontal axis) is use', () => {
    const gyro = (s: number): [number, number, number] => (s >= 20 && s < 26 ? [60 * Math.sin(s * 3), 40, 0] : [0, 0, 0]);
    const u = uses(run(drive(60, () => 15, undefined, gyro)));
    expect(u).toHaveLength(1);
    expect(u[0]!.phone!.bits & 4).toBe(4);
  });
});

describe('gyroscope cornering', () => {
  it('yaw rate x speed gives cornering, with the mount known from gravity alone', () => {
    const left = (s: number): [number, number, number] => [0, 0, s >= 20 && s < 24 ? 25 : 0]; // 25 deg/s at 15 m/s: 0.67 g
    const ev = run(drive(40, () => 15, undefined, left)).events.filter((e) => e.type === EVENT.HARSH_CORNERING);
    expect(ev).toHaveLength(1);
    expect(ev[0]!.peak).toBeGreaterThan(600);
    expect(ev[0]!.peak).toBeLessThan(700);
    const gentle = (s: number): [number, number, number] => [0, 0, s >= 20 && s < 24 ? 8 : 0]; // 0.21 g
    expect(run(drive(40, () => 15, undefined, gentle)).events.filter((e) => e.type === EVENT.HARSH_CORNERING)).toEqual([]);
  });
});
