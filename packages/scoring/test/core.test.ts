import { describe, expect, it } from 'vitest';
import { batchKey } from '@fleetwire/proto';
import {
  commutePhases,
  type DeviceState,
  EV,
  FEATURES,
  featuresFromSums,
  flushIdle,
  newDeviceState,
  processTelemetry,
  resolveCoreConfig,
  seenKeys,
  simulateDrive,
  type StepOutput,
  type TelemetryInput,
  tripId,
} from '../src/core/index.js';

const cfg = resolveCoreConfig();
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0); // noon UTC, Paris longitude -> day

function run(batches: TelemetryInput[], st: DeviceState = newDeviceState('t', batches[0]!.deviceId)) {
  const outs: StepOutput[] = batches.map((b) => processTelemetry(st, b, cfg));
  return { st, trips: outs.flatMap((o) => o.trips), events: outs.flatMap((o) => o.events), outs };
}

describe('trip segmentation', () => {
  it('a calm commute gives one trip with plausible distance, speeds and no events', () => {
    const { trips, events } = run(simulateDrive({ deviceId: 'd1', startMs: T0, phases: commutePhases() }));
    expect(trips).toHaveLength(1);
    const t = trips[0]!;
    // 14 s to 20 m/s (140 m) + 180 s at 20 m/s (3600 m) + braking 20 s (300 m) + 12 s (60 m) ≈ 4.1 km
    expect(t.sums.distance_m).toBeGreaterThan(3900);
    expect(t.sums.distance_m).toBeLessThan(4300);
    expect(t.sums.max_speed_ms).toBeCloseTo(20, 0);
    expect(t.startMs).toBe(T0 + 11_000); // departure: last sample below the start speed (2 m/s)
    expect(t.endMs).toBeGreaterThan(t.startMs + 200_000);
    expect(t.endMs).toBeLessThan(t.startMs + 240_000);
    expect(events).toHaveLength(0);
    expect(t.tripId).toBe(tripId('t', 'd1', t.startMs));
    expect(t.features).toHaveLength(FEATURES.length);
    expect(t.features[FEATURES.indexOf('night_fraction')]).toBe(0);
  });

  it('no trip ends before the idle timeout; the open trip is kept in state', () => {
    const { trips, st } = run(simulateDrive({ deviceId: 'd2', startMs: T0, phases: commutePhases({ idleEndS: 120 }) }));
    expect(trips).toHaveLength(0);
    expect(st.trip).not.toBeNull();
    // A silent device: the sweep ends the trip once gapMs has passed since its last sample.
    expect(flushIdle(st, st.last!.t + 1000, cfg).trips).toHaveLength(0);
    const flushed = flushIdle(st, st.last!.t + cfg.gapMs, cfg);
    expect(flushed.trips).toHaveLength(1);
    expect(st.trip).toBeNull();
  });

  it('a gap in the data ends the trip at its last moving sample and a new one starts', () => {
    const a = simulateDrive({ deviceId: 'd3', startMs: T0, phases: [{ duration: 10, accel: 2 }, { duration: 60 }] });
    const b = simulateDrive({ deviceId: 'd3', startMs: T0 + 70_000 + 20 * 60_000, speed: 20, phases: [{ duration: 60 }], firstSeq: 100 });
    const { trips, st } = run([...a, ...b]);
    expect(trips).toHaveLength(1);
    expect(trips[0]!.endMs).toBe(T0 + 69_000);
    expect(st.trip!.startMs).toBe(T0 + 70_000 + 20 * 60_000);
  });

  it('same records in different batch sizes give the same trips and events (deterministic ids)', () => {
    const ph = commutePhases({ harsh: true, speeding: true });
    const r1 = run(simulateDrive({ deviceId: 'd4', startMs: T0, phases: ph, batchSeconds: 1 }));
    const r2 = run(simulateDrive({ deviceId: 'd4', startMs: T0, phases: ph, batchSeconds: 45 }));
    const r3 = run(simulateDrive({ deviceId: 'd4', startMs: T0, phases: ph, batchSeconds: 10_000 }));
    for (const r of [r2, r3]) {
      expect(r.trips).toEqual(r1.trips);
      expect(r.events).toEqual(r1.events);
    }
  });
});

describe('event detection', () => {
  it('detects harsh acceleration, braking, cornering and speeding with peaks and severities', () => {
    const { trips, events } = run(simulateDrive({ deviceId: 'd5', startMs: T0, phases: commutePhases({ harsh: true, speeding: true }) }));
    const types = events.map((e) => e.type).sort();
    expect(types).toEqual([EV.HARSH_BRAKING, EV.HARSH_ACCELERATION, EV.HARSH_CORNERING, EV.SPEEDING].sort());
    const brake = events.find((e) => e.type === EV.HARSH_BRAKING)!;
    expect(brake.peak).toBeGreaterThanOrEqual(490);
    expect(brake.peak).toBeLessThan(560);
    expect(brake.severity).toBe('high'); // >= 500 mg (README: severity levels)
    const corner = events.find((e) => e.type === EV.HARSH_CORNERING)!;
    expect(corner.peak).toBeGreaterThan(600);
    const speeding = events.find((e) => e.type === EV.SPEEDING)!;
    expect(speeding.durationMs).toBeGreaterThanOrEqual(60_000);
    expect(speeding.peak).toBe(667); // 40 m/s vs 33.33 m/s limit, cm/s over
    const t = trips[0]!;
    expect(t.sums.harsh_braking).toBe(1);
    expect(t.sums.harsh_acceleration).toBe(1);
    expect(t.sums.harsh_cornering).toBe(1);
    expect(t.sums.speeding_s).toBeGreaterThan(60);
    expect(events.every((e) => e.tripId === t.tripId)).toBe(true);
  });

  it('measures the same braking from a tilted, rotated mount as from a flat one (orientation from the data)', () => {
    const flat = run(simulateDrive({ deviceId: 'd6', startMs: T0, phases: commutePhases({ harsh: true }), accelHz: 10 }));
    const batches = simulateDrive({ deviceId: 'd6', startMs: T0, phases: commutePhases({ harsh: true }), accelHz: 10 });
    // Pitch 30 deg and yaw 120 deg: device axes no longer line up with the car's.
    const p = Math.PI / 6;
    const y = (2 * Math.PI) / 3;
    for (const b of batches) {
      const a = b.accel!;
      for (let i = 0; i < a.t.length; i++) {
        const [x0, y0, z0] = [a.xMg[i]!, a.yMg[i]!, a.zMg[i]!];
        const x1 = x0 * Math.cos(p) - z0 * Math.sin(p);
        const z1 = x0 * Math.sin(p) + z0 * Math.cos(p);
        a.xMg[i] = Math.round(x1 * Math.cos(y) - y0 * Math.sin(y));
        a.yMg[i] = Math.round(x1 * Math.sin(y) + y0 * Math.cos(y));
        a.zMg[i] = Math.round(z1);
      }
    }
    const rotated = run(batches);
    const brake = (r: typeof flat) => r.events.find((e) => e.type === EV.HARSH_BRAKING)!;
    expect(brake(flat).source).toBe('imu');
    expect(brake(rotated).source).toBe('imu');
    expect(Math.abs(brake(rotated).peak - brake(flat).peak)).toBeLessThan(25);
    expect(rotated.events.map((e) => e.type).sort()).toEqual(flat.events.map((e) => e.type).sort());
  });

  it('night fraction counts local solar night', () => {
    const night = Date.UTC(2026, 5, 1, 1, 0, 0);
    const { trips } = run(simulateDrive({ deviceId: 'd7', startMs: night, phases: commutePhases() }));
    expect(trips[0]!.features[FEATURES.indexOf('night_fraction')]).toBeCloseTo(1, 5);
  });
});

describe('idempotency', () => {
  it('a replayed (boot, seq) is a duplicate and changes nothing', () => {
    const batches = simulateDrive({ deviceId: 'd8', startMs: T0, phases: commutePhases({ harsh: true }) });
    const st = newDeviceState('t', 'd8');
    const first = batches.map((b) => processTelemetry(st, b, cfg));
    const snapshot = JSON.stringify(st);
    const again = batches.slice(-5).map((b) => processTelemetry(st, b, cfg));
    expect(again.every((o) => o.duplicate && o.trips.length === 0 && o.events.length === 0)).toBe(true);
    expect(JSON.stringify(st)).toBe(snapshot);
    expect(first.some((o) => o.trips.length === 1)).toBe(true);
  });

  it('remembers keys as runs, persists no key strings, and reads states persisted with string keys', () => {
    const [b] = simulateDrive({ deviceId: 'd9', bootId: 'boot:a-1', startMs: T0, phases: commutePhases({}) });
    const fresh = newDeviceState('t', 'd9');
    processTelemetry(fresh, b!, cfg);
    expect(seenKeys(fresh.seen, 't', 'd9')).toEqual([batchKey('t', 'd9', 'boot:a-1', b!.seq)]);
    expect(fresh.recent).toEqual([]);
    // "boot:seq" (the oldest form) and proto's batchKey (the form before runs, or a scorer rolled back to it)
    for (const key of [`boot:a-1:${b!.seq}`, batchKey('t', 'd9', 'boot:a-1', b!.seq)]) {
      const { seen: _, ...older } = newDeviceState('t', 'd9');
      const persisted = { ...older, recent: [key] } as DeviceState;
      expect(processTelemetry(persisted, b!, cfg).duplicate).toBe(true);
      expect([persisted.seen, persisted.recent]).toEqual([[['boot:a-1', b!.seq, 1]], []]);
    }
  });

  it('state survives a JSON round trip (it is persisted per batch)', () => {
    const batches = simulateDrive({ deviceId: 'd9', startMs: T0, phases: commutePhases({ harsh: true }) });
    const a = run(batches);
    const st = newDeviceState('t', 'd9');
    const trips = [];
    let s: DeviceState = st;
    for (const b of batches) {
      trips.push(...processTelemetry(s, b, cfg).trips);
      s = JSON.parse(JSON.stringify(s)) as DeviceState;
    }
    expect(trips).toEqual(a.trips);
  });
});

describe('features', () => {
  it('are finite and guard small exposure', () => {
    const f = featuresFromSums({
      trips: 1,
      distance_m: 10,
      duration_s: 0,
      moving_s: 0,
      sum_v_dt: 0,
      sum_v2_dt: 0,
      max_speed_ms: 0,
      harsh_braking: 1,
      harsh_acceleration: 0,
      harsh_cornering: 0,
      speeding_s: 0,
      night_s: 0,
    });
    expect(f.every(Number.isFinite)).toBe(true);
    expect(f[FEATURES.indexOf('harsh_braking_per_100km')]).toBe(100);
  });
});
