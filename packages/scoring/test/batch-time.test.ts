// The time a batch is filed under: its data's range, else a documented fallback chain. Pure.
import { describe, expect, it } from 'vitest';
import { batchTimeRange, fallbackTime } from '../src/core/batch-time.js';
import { newDeviceState, processTelemetry, resolveCoreConfig, type TelemetryInput } from '../src/core/index.js';

const NOW = Date.UTC(2026, 11, 1, 12);
const cols = (t: number[]) => ({
  t: Float64Array.from(t),
  latE7: Int32Array.from(t, () => 481_000_000),
  lonE7: Int32Array.from(t, () => 115_000_000),
  speedCms: Int32Array.from(t, () => 0),
  headingCdeg: Int32Array.from(t, () => -1),
});
const accel = (t: number[]) => ({
  t: Float64Array.from(t),
  xMg: Int32Array.from(t, () => 0),
  yMg: Int32Array.from(t, () => 0),
  zMg: Int32Array.from(t, () => 1000),
});

describe('batchTimeRange', () => {
  it('spans GPS, accelerometer and events together', () => {
    expect(batchTimeRange({ gpsT: [2000, 3000], accelT: [1500, 3500], eventT: [4000, 1000] })).toEqual({ startMs: 1000, endMs: 4000, source: 'samples' });
    expect(batchTimeRange({ gpsT: [], accelT: [10, 20] })).toEqual({ startMs: 10, endMs: 20, source: 'samples' });
    expect(batchTimeRange({ gpsT: [], eventT: [7] })).toEqual({ startMs: 7, endMs: 7, source: 'samples' });
  });
  it('falls back when the batch holds no times, and says so', () => {
    expect(batchTimeRange({ gpsT: [] })).toBeNull();
    expect(batchTimeRange({ gpsT: [], accelT: null, eventT: [] }, { t: 5, source: 'received_at' })).toEqual({ startMs: 5, endMs: 5, source: 'received_at' });
  });
});

describe('fallbackTime', () => {
  const t2020 = Date.UTC(2020, 0, 1);
  it('takes sent_at, then received_at, then the log time, then the clock', () => {
    expect(fallbackTime({ sentAtMs: t2020, receivedAtMs: t2020 + 1, logTimeMs: t2020 + 2, nowMs: NOW })).toEqual({ t: t2020, source: 'sent_at' });
    expect(fallbackTime({ sentAtMs: 0, receivedAtMs: t2020 + 1, logTimeMs: t2020 + 2, nowMs: NOW })).toEqual({ t: t2020 + 1, source: 'received_at' });
    expect(fallbackTime({ sentAtMs: 0, receivedAtMs: 0, logTimeMs: t2020 + 2, nowMs: NOW })).toEqual({ t: t2020 + 2, source: 'log_time' });
    expect(fallbackTime({ nowMs: NOW })).toEqual({ t: NOW, source: 'scorer_clock' });
  });
  it('skips implausible times: before 2000, more than a day ahead, not finite', () => {
    expect(fallbackTime({ sentAtMs: Date.UTC(1999, 11, 31), receivedAtMs: NOW + 2 * 86_400_000, logTimeMs: Number.NaN, nowMs: NOW })).toEqual({
      t: NOW,
      source: 'scorer_clock',
    });
    expect(fallbackTime({ sentAtMs: NOW + 3_600_000, nowMs: NOW }).source).toBe('sent_at');
  });
});

describe('processTelemetry batch summaries', () => {
  const cfg = resolveCoreConfig();
  const base = (over: Partial<TelemetryInput>): TelemetryInput => ({ deviceId: 'd', bootId: 'b', seq: 1, gps: cols([]), accel: null, ...over });
  it('files an event-only batch at its events, an accelerometer-only batch at its samples', () => {
    const ev = processTelemetry(newDeviceState('t', 'd'), base({ eventT: [NOW - 5000, NOW - 9000], fallbackTimeMs: NOW }), cfg);
    expect([ev.summary!.tStartMs, ev.summary!.tEndMs]).toEqual([NOW - 9000, NOW - 5000]);
    const ac = processTelemetry(newDeviceState('t', 'd'), base({ accel: accel([NOW - 100, NOW]), fallbackTimeMs: 1 }), cfg);
    expect([ac.summary!.tStartMs, ac.summary!.tEndMs, ac.summary!.accelSamples, ac.summary!.gpsSamples]).toEqual([NOW - 100, NOW, 2, 0]);
  });
  it('files an empty batch at its fallback time and still remembers its key', () => {
    const st = newDeviceState('t', 'd');
    const o = processTelemetry(st, base({ fallbackTimeMs: NOW }), cfg);
    expect([o.summary!.tStartMs, o.summary!.tEndMs]).toEqual([NOW, NOW]);
    expect(processTelemetry(st, base({ fallbackTimeMs: NOW }), cfg).duplicate).toBe(true);
  });
  it('refuses an empty batch without a fallback time rather than filing it in 1970, and changes no state', () => {
    const st = newDeviceState('t', 'd');
    expect(() => processTelemetry(st, base({}), cfg)).toThrow(/no samples or events/);
    expect(st.seen).toEqual([]);
  });
});
