// The one-pass scan against the full decode: it may only accept what decodeDeviceBatch accepts (with the
// same identity), it must accept every valid canonical batch without edge events, and checkDeviceBatch
// must give decodeDeviceBatch's verdict and reason code on everything.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDeviceBatch, decodeDeviceBatch, encodeDeviceBatch, type fleetwire, packAccel, packGps, scanDeviceBatch } from '../src/index.js';
import { accelSamples, gpsSamples, phoneBatch, sampleBatch } from './fixtures.js';
import { batchArb, limits, NOW, SKEW } from './arbitraries.js';

function agree(bytes: Uint8Array): void {
  const fast = scanDeviceBatch(bytes, limits, NOW);
  const full = decodeDeviceBatch(bytes, { limits, nowMs: NOW });
  if (fast) {
    expect(full.ok, `scan accepted what the decoder rejects: ${full.ok ? '' : full.error.code}`).toBe(true);
    if (full.ok) expect(fast).toEqual({ deviceId: full.value.deviceId, bootId: full.value.bootId, seq: Number(full.value.seq) });
  }
  const checked = checkDeviceBatch(bytes, { limits, nowMs: NOW });
  expect(checked.ok).toBe(full.ok);
  if (!checked.ok && !full.ok) expect(checked.error.code).toBe(full.error.code);
}

describe('scanDeviceBatch', () => {
  it('accepts an SDK batch without events and returns its identity', () => {
    const b = { ...sampleBatch(), events: [] };
    expect(scanDeviceBatch(encodeDeviceBatch(b), limits, NOW)).toEqual({ deviceId: 'dev-0001', bootId: 'b7c1', seq: 42 });
  });

  it('leaves batches with edge events, and non-canonical encodings, to the full decode', () => {
    expect(scanDeviceBatch(encodeDeviceBatch(sampleBatch()), limits, NOW)).toBeNull();
    expect(checkDeviceBatch(encodeDeviceBatch(sampleBatch()), { limits, nowMs: NOW })).toMatchObject({ ok: true, value: { deviceId: 'dev-0001', seq: 42 } });
    // device_id twice: protobuf says the last one wins; the scan does not guess.
    const b = encodeDeviceBatch({ deviceId: 'a', bootId: 'b', seq: 1 });
    const twice = new Uint8Array([...b, 0x0a, 0x01, 0x63]);
    expect(scanDeviceBatch(twice, limits, NOW)).toBeNull();
    expect(checkDeviceBatch(twice, { limits, nowMs: NOW })).toMatchObject({ ok: true, value: { deviceId: 'c' } });
    // An unknown field.
    expect(scanDeviceBatch(new Uint8Array([...b, 0x48, 0x01]), limits, NOW)).toBeNull();
  });

  it('gives the full decode reasons for bad input', () => {
    const bad = (over: object) => checkDeviceBatch(encodeDeviceBatch({ ...sampleBatch(), events: [], ...over }), { limits, nowMs: NOW });
    expect(bad({ deviceId: 'no spaces' })).toMatchObject({ ok: false, error: { code: 'bad_identifier' } });
    expect(bad({ gps: packGps(gpsSamples.map((s) => ({ ...s, lat: 91 }))) })).toMatchObject({ ok: false, error: { code: 'lat_out_of_range' } });
    expect(bad({ accel: packAccel(accelSamples.map((s) => ({ ...s, t: NOW + 3 * 86_400_000 }))) })).toMatchObject({
      ok: false,
      error: { code: 'time_out_of_range' },
    });
    expect(checkDeviceBatch(new Uint8Array(0))).toMatchObject({ ok: false, error: { code: 'payload_empty' } });
    expect(checkDeviceBatch(new Uint8Array([0x0a, 0x7f]))).toMatchObject({ ok: false, error: { code: 'decode_failed' } });
  });

  it('agrees with the full decode on random batches, and accepts every valid one without events', () => {
    fc.assert(
      fc.property(batchArb, (b) => {
        const bytes = encodeDeviceBatch(b as fleetwire.v1.IDeviceBatch);
        agree(bytes);
        const full = decodeDeviceBatch(bytes, { limits, nowMs: NOW });
        if (full.ok && full.value.events.length === 0) expect(scanDeviceBatch(bytes, limits, NOW)).not.toBeNull();
      }),
      { numRuns: 3000 },
    );
  });

  it('draws every bound where the full decode does (a valid batch with one value set on or just past a bound)', () => {
    type Cols = Record<string, number[]>;
    // [track, column, running sum?, bound values to try]
    const targets: Array<[string, string, boolean, number[]]> = [
      ['gps', 'latDeltaE7', true, [90e7, 90e7 + 1, -90e7, -90e7 - 1]],
      ['gps', 'lonDeltaE7', true, [180e7, 180e7 + 1, -180e7, -180e7 - 1]],
      ['gps', 'speedCms', false, [-1, -2, 20_000, 20_001]],
      ['gps', 'headingCdeg', false, [-1, -2, 35_999, 36_000]],
      ['gps', 'hdopC', false, [0, -1, 100_000, 100_001]],
      ['gps', 'altDm', false, [-50_000, -50_001, 200_000, 200_001]],
      ['accel', 'xDeltaMg', true, [200_000, 200_001, -200_000, -200_001]],
      ['accel', 'yDeltaMg', true, [200_000, 200_001, -200_000, -200_001]],
      ['accel', 'zDeltaMg', true, [200_000, 200_001, -200_000, -200_001]],
      ['gyro', 'xDeltaMdps', true, [10_000_000, 10_000_001, -10_000_000, -10_000_001]],
      ['gyro', 'zDeltaMdps', true, [10_000_000, 10_000_001, -10_000_000, -10_000_001]],
      ['phone', 'state', false, [1, 0, 7, 8]],
    ];
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('value' as const), target: fc.constantFrom(...targets), pick: fc.nat(), at: fc.nat() }),
      fc.record({
        kind: fc.constant('shorten' as const),
        col: fc.constantFrom('gps.speedCms', 'gps.headingCdeg', 'gps.hdopC', 'gps.altDm', 'gps.latDeltaE7', 'accel.zDeltaMg', 'gyro.yDeltaMdps', 'phone.state'),
        keep: fc.nat(),
      }),
      // First sample on / just before the earliest time, or last sample on / just past the latest.
      fc.record({
        kind: fc.constant('time' as const),
        track: fc.constantFrom('gps', 'accel', 'gyro', 'phone'),
        edge: fc.constantFrom(0, -1),
        last: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('backwards' as const),
        track: fc.constantFrom('gps', 'accel', 'gyro', 'phone'),
        at: fc.nat(),
        by: fc.constantFrom(-1, 0, 1),
      }),
      fc.record({ kind: fc.constant('rate' as const), hz: fc.constantFrom(0, 10_000, 10_001) }),
    );
    fc.assert(
      fc.property(edit, (e) => {
        const b = { ...phoneBatch(), events: [] } as unknown as Record<'gps' | 'accel' | 'gyro' | 'phone', Cols & { baseTimeMs: number; rateHz: number }>;
        if (e.kind === 'value') {
          const [track, name, isRunning, bounds] = e.target;
          const c = (b as unknown as Record<string, Cols>)[track]![name]!;
          const i = e.at % c.length;
          const want = bounds[e.pick % bounds.length]!;
          // Make the value (or the running sum up to i) exactly `want`, the rest unchanged in effect.
          const before = isRunning ? c.slice(0, i).reduce((x, y) => x + y, 0) : 0;
          const old = c[i]!;
          c[i] = want - before;
          if (isRunning && i + 1 < c.length) c[i + 1] = c[i + 1]! + old - c[i]!;
        } else if (e.kind === 'shorten') {
          const [track, name] = e.col.split('.') as [string, string];
          const c = (b as unknown as Record<string, Cols>)[track]![name]!;
          c.length = e.keep % (c.length + 1);
        } else if (e.kind === 'time') {
          const span = b[e.track].tDeltaMs!.reduce((x, y) => x + y, 0);
          b[e.track].baseTimeMs = e.last ? NOW + SKEW - span - e.edge : limits.minTimeMs + e.edge;
        } else if (e.kind === 'backwards') {
          const c = b[e.track].tDeltaMs!;
          c[e.at % c.length] = e.by;
        } else {
          b.accel.rateHz = e.hz;
          b.gyro.rateHz = e.hz;
        }
        const bytes = encodeDeviceBatch(b as fleetwire.v1.IDeviceBatch);
        agree(bytes);
        const full = decodeDeviceBatch(bytes, { limits, nowMs: NOW });
        expect(scanDeviceBatch(bytes, limits, NOW) !== null).toBe(full.ok);
      }),
      { numRuns: 3000 },
    );
  });

  it('never accepts what the full decode rejects, on mutated bytes', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), byte: fc.constant(0) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(batchArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), (b, ms) => {
        let bytes = Array.from(encodeDeviceBatch(b as fleetwire.v1.IDeviceBatch));
        for (const m of ms) {
          const at = bytes.length === 0 ? 0 : m.at % bytes.length;
          if (m.kind === 'set') bytes[at] = m.byte;
          else if (m.kind === 'cut') bytes = bytes.slice(0, at);
          else bytes.splice(at, 0, m.byte);
        }
        agree(new Uint8Array(bytes));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('checkDeviceBatch', () => {
  it('falls back to the full decode when the scan itself fails', () => {
    // Bytes whose first read of one index throws stand in for a scan bug (the scan reads first, the
    // decoder after it): the verdict must then come from the decoder.
    const good = encodeDeviceBatch({ ...sampleBatch(), events: [] });
    let armed = true;
    const trap = new Proxy(good, {
      get(target, prop) {
        if (armed && prop === '3') {
          armed = false;
          throw new Error('scan bug');
        }
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    expect(checkDeviceBatch(trap, { limits, nowMs: NOW })).toMatchObject({ ok: true, value: { deviceId: 'dev-0001', seq: 42 } });
    expect(armed).toBe(false); // the scan did hit the trap
  });
});
