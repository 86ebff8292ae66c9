import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DETECT_CONFIG as cfg,
  detectAccel,
  detectFix,
  EVENT,
  type Fix,
  flushMotion,
  type MotionEvent,
  newMotionState,
  resolveDetectConfig,
} from '../src/index.js';

const T0 = 1.7e12;
const fix = (s: number, v: number, h = 90, extra: Partial<Fix> = {}): Fix => ({
  t: T0 + s * 1000,
  latE7: 480000000,
  lonE7: 110000000,
  speedCms: Math.round(v * 100),
  headingCdeg: Math.round(h * 100),
  hdopC: 90,
  limitCms: 0,
  ...extra,
});

function gpsOnly(fixes: Fix[]): MotionEvent[] {
  const st = newMotionState();
  const out: MotionEvent[] = [];
  for (const f of fixes) detectFix(st, f, cfg, out);
  flushMotion(st, cfg, out);
  return out;
}

describe('GPS cleaning and plausibility', () => {
  it('a single-fix speed spike is corrected, not a harsh acceleration + braking', () => {
    const fixes = Array.from({ length: 30 }, (_, i) => fix(i, i === 15 ? 40 : 20));
    expect(gpsOnly(fixes)).toEqual([]);
  });
  it('a speed step no car can make (start of data) is rejected, not an event', () => {
    const fixes = [fix(0, 0), ...Array.from({ length: 20 }, (_, i) => fix(i + 1, 25))];
    expect(gpsOnly(fixes)).toEqual([]);
  });
  it('a real hard brake from GPS is found with its peak and severity', () => {
    const v = [20, 20, 20, 20, 16, 12, 9, 9, 9, 9];
    const ev = gpsOnly(v.map((x, i) => fix(i, x)));
    expect(ev.map((e) => [e.type, e.source])).toEqual([[EVENT.HARSH_BRAKING, 'gps']]);
    expect(ev[0]!.peak).toBe(408);
    expect(ev[0]!.severity).toBe('medium');
  });
  it('course noise at 100 km/h and single-fix course spikes are not cornering; a real turn is', () => {
    const noisy = Array.from({ length: 60 }, (_, i) => fix(i, 28, 90 + (i % 2 ? 2 : -2) + (i === 30 ? 60 : 0)));
    expect(gpsOnly(noisy)).toEqual([]);
    const turn = Array.from({ length: 20 }, (_, i) => fix(i, 12, 90 + Math.min(90, Math.max(0, (i - 5) * 30))));
    expect(gpsOnly(turn).map((e) => e.type)).toEqual([EVENT.HARSH_CORNERING]);
  });
  it('fixes with poor hdop are not used for derivatives', () => {
    const v = [20, 20, 20, 20, 12, 12, 12];
    expect(gpsOnly(v.map((x, i) => fix(i, x, 90, { hdopC: i === 4 ? 900 : 90 })))).toEqual([]);
  });
});

describe('speeding against posted limits', () => {
  it('uses the posted limit of the fixes, and a default (said to be one) without', () => {
    const at80in50 = Array.from({ length: 30 }, (_, i) => fix(i, 80 / 3.6, 90, { limitCms: Math.round((50 / 3.6) * 100) }));
    const ev = gpsOnly(at80in50);
    expect(ev.map((e) => [e.type, e.limitKind])).toEqual([[EVENT.SPEEDING, 'posted']]);
    expect(ev[0]!.peak).toBe(833);
    expect(gpsOnly(Array.from({ length: 30 }, (_, i) => fix(i, 80 / 3.6)))).toEqual([]); // default 120 km/h for an unknown road
    const fast = gpsOnly(Array.from({ length: 30 }, (_, i) => fix(i, 150 / 3.6)));
    expect(fast.map((e) => e.limitKind)).toEqual(['default']);
  });
});

describe('accelerometer in any mount', () => {
  it('state is plain JSON: a round trip between every sample changes nothing', () => {
    const run = (roundTrip: boolean) => {
      let st = newMotionState();
      const out: MotionEvent[] = [];
      let v = 0;
      for (let k = 0; k < 60 * 20; k++) {
        const s = k / 20;
        const a = s > 5 && s < 15 ? 2 : s > 30 && s < 32 ? -4.5 : 0;
        detectAccel(st, T0 + k * 50, Math.round((-a / 9.80665) * 1000), 0, 1000, cfg, out); // mounted backwards
        if (k % 20 === 0) detectFix(st, fix(s, v), cfg, out);
        v = Math.max(0, v + a / 20);
        if (roundTrip) st = JSON.parse(JSON.stringify(st));
      }
      flushMotion(st, cfg, out);
      return out;
    };
    const a = run(false);
    expect(a.map((e) => [e.type, e.source])).toContainEqual([EVENT.HARSH_BRAKING, 'imu']);
    expect(run(true)).toEqual(a);
  });
  it('config rejects nonsense with the name of the value', () => {
    expect(() => resolveDetectConfig({ harshBrakingMg: -1 })).toThrow(/harshBrakingMg=-1/);
    expect(() => resolveDetectConfig({ harshBrakingMg: 600 })).toThrow(/harshBrakingMg=600 must not exceed brakingMediumMg/);
    expect(() => resolveDetectConfig({ defaultLimitKmh: { urban: 0 } })).toThrow(/defaultLimitKmh.urban/);
  });
});
