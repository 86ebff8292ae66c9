import { describe, expect, it } from 'vitest';
import { G, PROFILES, PROFILE_NAMES, Rng, Vehicle, maxCruise, angleDiffDeg, haversineM } from '../src/core/index.js';
import { collectDrive, countEpisodes, testCity, T0 } from './helpers/drive.js';

describe('vehicle model', () => {
  it('keeps speed within the road limit × the profile factor, and accelerations within profile limits', () => {
    for (const name of PROFILE_NAMES) {
      const p = PROFILES[name];
      const v = new Vehicle(testCity(), p, new Rng(`limits-${name}`), T0, { parkMinS: 1, parkMaxS: 5 });
      let maxRatio = 0;
      let moving = 0;
      let minV = 0;
      let maxA = 0;
      for (let i = 0; i < 25 * 3600; i++) {
        v.step(0.04);
        if (v.mode !== 'driving') continue;
        if (v.v > 1) moving++;
        maxRatio = Math.max(maxRatio, v.v / (maxCruise(p, v.limit) + 0.5));
        minV = Math.min(minV, v.v);
        maxA = Math.max(maxA, Math.abs(v.a));
      }
      expect(minV).toBe(0);
      expect(maxA).toBeLessThanOrEqual(0.85 * G + 1e-9);
      expect(maxRatio, name).toBeLessThanOrEqual(1.02);
      expect(moving / 25, `${name} moving seconds`).toBeGreaterThan(1800);
    }
  });

  it('speeder drives measurably faster than calm on the same roads', () => {
    const meanRatio = (name: 'calm' | 'speeder') => {
      const v = new Vehicle(testCity(), PROFILES[name], new Rng('same-seed'), T0, { parkMinS: 1, parkMaxS: 5 });
      let sum = 0;
      let n = 0;
      for (let i = 0; i < 25 * 1800; i++) {
        v.step(0.04);
        if (v.mode === 'driving' && v.v > 3) {
          sum += v.v / v.limit;
          n++;
        }
      }
      return sum / n;
    };
    expect(meanRatio('speeder')).toBeGreaterThan(meanRatio('calm') * 1.15);
  });

  it('stops at red lights and parks between trips', () => {
    const v = new Vehicle(testCity(), PROFILES.normal, new Rng('lights'), T0, { parkMinS: 30, parkMaxS: 60 });
    for (let i = 0; i < 25 * 3600; i++) v.step(0.04);
    const types = v.events.map((e) => e.type);
    const lights = types.filter((t) => t === 'light_stop').length;
    const trips = types.filter((t) => t === 'trip_end').length;
    expect(trips).toBeGreaterThan(3);
    // Realistic: a stop every 1-6 minutes of driving in a city with lights on the arterials.
    expect(lights / (v.movingS / 60)).toBeGreaterThan(1 / 6);
    expect(lights / (v.movingS / 60)).toBeLessThan(1);
  });
});

describe('synthesized sensors', () => {
  const { samples } = collectDrive('normal', 'sensors', 3_600_000);
  const gps = samples.filter((s) => s.kind === 'gps');
  const accel = samples.filter((s) => s.kind === 'accel');

  it('emits GPS at 1 Hz and accelerometer at the requested rate on a fixed grid, in time order', () => {
    let backwards = 0;
    for (let i = 1; i < samples.length; i++) if (samples[i]!.t < samples[i - 1]!.t) backwards++;
    expect(backwards).toBe(0);
    const gpsGaps = new Map<number, number>();
    for (let i = 1; i < gps.length; i++) {
      const d = gps[i]!.t - gps[i - 1]!.t;
      gpsGaps.set(d, (gpsGaps.get(d) ?? 0) + 1);
    }
    // While the engine runs, fixes are 1 s apart; parking leaves longer gaps.
    expect(gpsGaps.get(1000)! / (gps.length - 1)).toBeGreaterThan(0.99);
    let offGrid = 0;
    for (let i = 1; i < accel.length; i++) if ((accel[i]!.t - accel[i - 1]!.t) % 40 !== 0 || accel[i]!.t === accel[i - 1]!.t) offGrid++;
    expect(offGrid).toBe(0);
    const ratio = accel.length / gps.length;
    expect(ratio).toBeGreaterThan(24.5);
    expect(ratio).toBeLessThan(25.5);
  });

  it('produces plausible GPS fields', () => {
    const bad = gps.filter(
      (s) =>
        !(
          s.lat > 52.4 &&
          s.lat < 52.65 &&
          s.lon > 13.2 &&
          s.lon < 13.6 &&
          s.speed! >= 0 &&
          s.speed! < 26 &&
          s.hdop! >= 0.6 &&
          s.hdop! <= 3 &&
          s.alt! > 5 &&
          s.alt! < 65
        ) ||
        (s.heading !== undefined && !(s.heading >= 0 && s.heading < 360)),
    );
    expect(bad).toEqual([]);
    expect(gps.filter((s) => s.heading === undefined).length).toBeGreaterThan(0); // standing still: no course
    // GPS position and speed agree: distance between fixes ≈ mean reported speed (noise averages out).
    let dist = 0;
    let spd = 0;
    for (let i = 1; i < gps.length; i++) {
      if (gps[i]!.t - gps[i - 1]!.t !== 1000) continue;
      dist += haversineM(gps[i - 1]!, gps[i]!);
      spd += (gps[i - 1]!.speed! + gps[i]!.speed!) / 2;
    }
    expect(dist / spd).toBeGreaterThan(0.9);
    expect(dist / spd).toBeLessThan(1.15);
  });

  it('produces plausible accelerometer magnitudes with gravity on z', () => {
    let zSum = 0;
    let maxXY = 0;
    let minZ = Infinity;
    let maxZ = -Infinity;
    for (const s of accel) {
      maxXY = Math.max(maxXY, Math.abs(s.x), Math.abs(s.y));
      minZ = Math.min(minZ, s.z);
      maxZ = Math.max(maxZ, s.z);
      zSum += s.z;
    }
    expect(maxXY).toBeLessThan(0.9);
    expect(maxXY).toBeGreaterThan(0.2);
    expect(minZ).toBeGreaterThan(0.8);
    expect(maxZ).toBeLessThan(1.2);
    expect(zSum / accel.length).toBeCloseTo(1, 2);
    const rms = Math.sqrt(accel.reduce((a, s) => a + s.x * s.x, 0) / accel.length);
    expect(rms).toBeGreaterThan(0.02);
    expect(rms).toBeLessThan(0.2);
  });

  it('lateral acceleration follows the turn direction (y left positive)', () => {
    // Heading decreasing (turning left) must coincide with positive y, and vice versa.
    let agree = 0;
    let total = 0;
    const accelAt = new Map<number, number>();
    for (const a of accel) accelAt.set(a.t, a.y);
    for (let i = 1; i < gps.length; i++) {
      const p = gps[i - 1]!;
      const q = gps[i]!;
      if (p.heading === undefined || q.heading === undefined || q.t - p.t !== 1000) continue;
      const turn = angleDiffDeg(p.heading, q.heading);
      if (Math.abs(turn) < 15 || q.speed! < 4) continue;
      const y = accelAt.get(p.t + 480) ?? 0;
      total++;
      if (Math.sign(y) === -Math.sign(turn)) agree++;
    }
    expect(total).toBeGreaterThan(20);
    expect(agree / total).toBeGreaterThan(0.85);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = collectDrive('aggressive', 'det', 600_000).samples;
    const b = collectDrive('aggressive', 'det', 600_000).samples;
    const c = collectDrive('aggressive', 'det2', 600_000).samples;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});

describe('driver profiles', () => {
  it('differ measurably in harsh-event rates, in the truth and in the signal', () => {
    const rates: Record<string, { truth: number; signal: number }> = {};
    for (const name of ['calm', 'aggressive'] as const) {
      const { samples, events } = collectDrive(name, `rates-${name}`, 4 * 3_600_000);
      const movingH = samples.filter((s) => s.kind === 'gps' && (s.speed ?? 0) > 1).length / 3600;
      const truth = events.filter((e) => e.type.startsWith('harsh_')).length;
      const signal =
        countEpisodes(samples, 'x', (x) => x < -0.4) + countEpisodes(samples, 'x', (x) => x > 0.33) + countEpisodes(samples, 'y', (y) => Math.abs(y) > 0.4);
      rates[name] = { truth: truth / movingH, signal: signal / movingH };
    }
    expect(rates.calm!.truth).toBeLessThan(1.5);
    expect(rates.aggressive!.truth).toBeGreaterThan(6);
    expect(rates.aggressive!.signal).toBeGreaterThan(4 * Math.max(0.5, rates.calm!.signal));
    // What a detector sees roughly matches what the driver did.
    expect(rates.aggressive!.signal).toBeGreaterThan(0.6 * rates.aggressive!.truth);
    expect(rates.aggressive!.signal).toBeLessThan(2 * rates.aggressive!.truth);
  });

  it('harsh braking events show up as a deceleration peak near their time', () => {
    const { samples, events } = collectDrive('aggressive', 'peaks', 3 * 3_600_000);
    const brakes = events.filter((e) => e.type === 'harsh_braking');
    expect(brakes.length).toBeGreaterThan(3);
    for (const e of brakes) {
      const window = samples.filter((s) => s.kind === 'accel' && s.t >= e.t && s.t <= e.t + (e.durationMs ?? 0) + 400);
      const minX = Math.min(...window.map((s) => (s.kind === 'accel' ? s.x : 0)));
      expect(minX).toBeLessThan(-0.35);
    }
  });
});
