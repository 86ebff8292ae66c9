import { fleetwire } from '@fleetwire/proto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION } from '../src/core/config.js';
import { type EdgeEventRow, HarshDetector, TripDetector } from '../src/core/detection.js';

const ET = fleetwire.v1.EventType;
const fix = { latE7: 480000000, lonE7: 110000000, speedCms: 1500 };

const G = 9.80665;
type Phase = { s: number; a?: number; yaw?: number };

/**
 * A drive through any mount: GPS at 1 Hz (speed, course) and a 50 Hz accelerometer whose axes are the car's
 * rotated by `yawDeg` about the vertical and tilted by `pitchDeg` (gravity included, milli-g).
 */
function drive(phases: Phase[], yawDeg: number, pitchDeg: number, cfg = DEFAULT_DETECTION): EdgeEventRow[] {
  const d = new HarshDetector(cfg);
  const out: EdgeEventRow[] = [];
  const y = (yawDeg * Math.PI) / 180;
  const p = (pitchDeg * Math.PI) / 180;
  let t = 1e12;
  let v = 0;
  let h = 90;
  for (const ph of phases) {
    for (let k = 0; k < ph.s * 50; k++) {
      const a = v <= 0 && (ph.a ?? 0) < 0 ? 0 : (ph.a ?? 0);
      const left = -v * (((ph.yaw ?? 0) * Math.PI) / 180); // clockwise yaw = right turn
      // car frame (x fwd, y left, z up) in milli-g, then pitch about y, then yaw about z
      const cx = (a / G) * 1000;
      const cy = (left / G) * 1000;
      const cz = 1000;
      const px = cx * Math.cos(p) - cz * Math.sin(p);
      const pz = cx * Math.sin(p) + cz * Math.cos(p);
      d.push(t, Math.round(px * Math.cos(y) - cy * Math.sin(y)), Math.round(px * Math.sin(y) + cy * Math.cos(y)), Math.round(pz), fix, out);
      if (k % 50 === 0) d.pushFix(t, fix.latE7, fix.lonE7, Math.round(v * 100), v > 0.5 ? Math.round((((h % 360) + 360) % 360) * 100) : -1, 90, out);
      v = Math.max(0, v + a / 50);
      h += (ph.yaw ?? 0) / 50;
      t += 20;
    }
  }
  return out;
}

/** Ordinary driving first (the mount is learnt from it), then one harsh manoeuvre of each kind. */
const warmUp: Phase[] = [
  { s: 5 },
  { s: 10, a: 1.8 },
  { s: 20 },
  { s: 6, a: -1.5 },
  { s: 8, a: 1.5 },
  { s: 4, yaw: 8 },
  { s: 20 },
  { s: 5, a: -1.2 },
  { s: 6, a: 1.4 },
  { s: 20 },
];
const harsh: Phase[] = [{ s: 2, a: -4.5 }, { s: 20 }, { s: 4, a: 3.3 }, { s: 20 }, { s: 3, yaw: 20 }, { s: 20 }];

describe('harsh events (shared @fleetwire/detect core), any mount', () => {
  for (const [yaw, pitch] of [
    [0, 0],
    [90, 10],
    [180, 0],
    [-135, 25],
    [37, -15],
  ] as const) {
    it(`mount yawed ${yaw} deg and pitched ${pitch} deg: braking, acceleration and cornering, each once, from the accelerometer`, () => {
      const ev = drive([...warmUp, ...harsh], yaw, pitch);
      expect(ev.map((e) => e.type)).toEqual([ET.EVENT_TYPE_HARSH_BRAKING, ET.EVENT_TYPE_HARSH_ACCELERATION, ET.EVENT_TYPE_HARSH_CORNERING]);
      expect(ev[0]!.peak).toBeGreaterThan(430);
      expect(ev[0]!.peak).toBeLessThan(480);
      expect(ev[0]!.durationMs).toBeGreaterThanOrEqual(1500);
    });
  }
  it('ignores ordinary driving, the static tilt and short knocks', () => {
    expect(drive(warmUp, 60, 20)).toEqual([]);
  });
  it('uses configurable thresholds', () => {
    const ev = drive([...warmUp, { s: 3, a: -2.8 }, { s: 10 }], 0, 0, { ...DEFAULT_DETECTION, harshBrakingMg: 250 });
    expect(ev.map((e) => e.type)).toEqual([ET.EVENT_TYPE_HARSH_BRAKING]);
    expect(drive([...warmUp, { s: 3, a: -2.8 }, { s: 10 }], 0, 0)).toEqual([]);
  });
});

describe('trips and speeding', () => {
  it('starts after holding speed and ends after a long stop, not on a short one', () => {
    const d = new TripDetector({ ...DEFAULT_DETECTION, tripStopHoldMs: 60_000, speedLimit: 20 });
    const out: EdgeEventRow[] = [];
    const speedAt = (s: number) => (s < 10 ? 0 : s < 100 ? 15 : s < 120 ? 0 : s < 200 ? 25 : 0); // m/s per second
    for (let s = 0; s < 400; s++) d.push(1e12 + s * 1000, { ...fix, speedCms: speedAt(s) * 100 }, 0, out);
    expect(out.map((e) => e.type)).toEqual([ET.EVENT_TYPE_TRIP_START, ET.EVENT_TYPE_SPEEDING, ET.EVENT_TYPE_TRIP_END]);
    expect(out[0]!.tMs).toBe(1e12 + 10_000);
    expect(out[1]!.peak).toBe(500);
    expect(out[2]!.tMs).toBe(1e12 + 200_000);
  });
  it('measures speeding against the posted limit a fix carries, over the configured one, and is off without either', () => {
    // 20 s at 22 m/s: in a posted 50 km/h zone (13.89 m/s) that is speeding, under the configured 25 m/s it is not.
    const run = (speedLimit: number, posted: (s: number) => number) => {
      const d = new TripDetector({ ...DEFAULT_DETECTION, speedLimit });
      const out: EdgeEventRow[] = [];
      for (let s = 0; s < 60; s++) d.push(1e12 + s * 1000, { ...fix, speedCms: s >= 20 && s < 40 ? 2200 : 1000 }, posted(s), out);
      return out.filter((e) => e.type === ET.EVENT_TYPE_SPEEDING);
    };
    const zone50 = run(25, () => 1389);
    expect(zone50).toHaveLength(1);
    expect(zone50[0]!.peak).toBe(2200 - 1389);
    expect(zone50[0]!.tMs).toBe(1e12 + 20_000);
    expect(run(25, () => 0)).toEqual([]); // no posted limit: the configured 25 m/s, not exceeded
    expect(run(0, () => 0)).toEqual([]); // neither: off
    expect(run(0, (s) => (s < 30 ? 3000 : 1389))).toHaveLength(1); // the limit drops mid-run: 10 s over it
  });
  it('ignores unknown speed', () => {
    const d = new TripDetector(DEFAULT_DETECTION);
    const out: EdgeEventRow[] = [];
    for (let s = 0; s < 100; s++) d.push(1e12 + s * 1000, { ...fix, speedCms: -1 }, 0, out);
    expect(out).toEqual([]);
  });
});
