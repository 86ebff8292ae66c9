import { fleetwire } from '@fleetwire/proto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION } from '../src/core/config.js';
import { type EdgeEventRow, HarshDetector, TripDetector } from '../src/core/detection.js';

const ET = fleetwire.v1.EventType;
const fix = { latE7: 480000000, lonE7: 110000000, speedCms: 1500 };

/** 100 Hz stream: tilted mount (gravity partly on x), `profile(tMs)` adds linear milli-g on x/y. */
function drive(profile: (t: number) => [number, number], ms: number, cfg = DEFAULT_DETECTION): EdgeEventRow[] {
  const d = new HarshDetector(cfg);
  const out: EdgeEventRow[] = [];
  for (let t = 0; t <= ms; t += 10) {
    const [lx, ly] = profile(t);
    d.push(1e12 + t, 100 + lx, -50 + ly, 995, fix, out); // gravity 100/-50/995 mg from the tilt
  }
  return out;
}

describe('harsh events', () => {
  it('detects braking after removing gravity, with duration and peak', () => {
    const ev = drive((t) => (t >= 10_000 && t < 11_000 ? [-500, 0] : [0, 0]), 15_000);
    expect(ev).toHaveLength(1);
    expect(ev[0]!.type).toBe(ET.EVENT_TYPE_HARSH_BRAKING);
    expect(ev[0]!.tMs).toBe(1e12 + 10_000);
    expect(ev[0]!.durationMs).toBeGreaterThanOrEqual(900);
    expect(ev[0]!.peak).toBeGreaterThanOrEqual(480);
    expect(ev[0]!.latE7).toBe(fix.latE7);
  });
  it('detects acceleration and cornering (either side)', () => {
    const ev = drive((t) => (t >= 5000 && t < 5600 ? [400, 0] : t >= 8000 && t < 8600 ? [0, -600] : [0, 0]), 12_000);
    expect(ev.map((e) => e.type)).toEqual([ET.EVENT_TYPE_HARSH_ACCELERATION, ET.EVENT_TYPE_HARSH_CORNERING]);
  });
  it('ignores the static tilt, short spikes and values under the threshold', () => {
    expect(drive(() => [0, 0], 10_000)).toEqual([]);
    expect(drive((t) => (t === 5000 ? [-2000, 0] : [0, 0]), 10_000)).toEqual([]);
    expect(drive((t) => (t >= 5000 && t < 7000 ? [-300, 0] : [0, 0]), 10_000)).toEqual([]);
  });
  it('uses configurable thresholds', () => {
    const ev = drive((t) => (t >= 5000 && t < 6000 ? [-300, 0] : [0, 0]), 10_000, { ...DEFAULT_DETECTION, harshBrakingMg: 250 });
    expect(ev.map((e) => e.type)).toEqual([ET.EVENT_TYPE_HARSH_BRAKING]);
  });
});

describe('trips and speeding', () => {
  it('starts after holding speed and ends after a long stop, not on a short one', () => {
    const d = new TripDetector({ ...DEFAULT_DETECTION, tripStopHoldMs: 60_000, speedLimit: 20 });
    const out: EdgeEventRow[] = [];
    const speedAt = (s: number) => (s < 10 ? 0 : s < 100 ? 15 : s < 120 ? 0 : s < 200 ? 25 : 0); // m/s per second
    for (let s = 0; s < 400; s++) d.push(1e12 + s * 1000, { ...fix, speedCms: speedAt(s) * 100 }, out);
    expect(out.map((e) => e.type)).toEqual([ET.EVENT_TYPE_TRIP_START, ET.EVENT_TYPE_SPEEDING, ET.EVENT_TYPE_TRIP_END]);
    expect(out[0]!.tMs).toBe(1e12 + 10_000);
    expect(out[1]!.peak).toBe(500);
    expect(out[2]!.tMs).toBe(1e12 + 200_000);
  });
  it('ignores unknown speed', () => {
    const d = new TripDetector(DEFAULT_DETECTION);
    const out: EdgeEventRow[] = [];
    for (let s = 0; s < 100; s++) d.push(1e12 + s * 1000, { ...fix, speedCms: -1 }, out);
    expect(out).toEqual([]);
  });
});
