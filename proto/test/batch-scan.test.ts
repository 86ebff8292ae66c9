// The one-pass scan against the full decode: it may only accept what decodeDeviceBatch accepts (with the
// same identity), it must accept every valid canonical batch without edge events, and checkDeviceBatch
// must give decodeDeviceBatch's verdict and reason code on everything.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDeviceBatch, decodeDeviceBatch, encodeDeviceBatch, type fleetwire, packAccel, packGps, resolveLimits, scanDeviceBatch } from '../src/index.js';
import { accelSamples, gpsSamples, phoneBatch, sampleBatch, T0 } from './fixtures.js';

const limits = resolveLimits();
const NOW = T0 + 60_000;

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

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
// Mostly plausible values, sometimes anything, sometimes right on either side of a bound.
const col = (plausible: fc.Arbitrary<number>, ...edges: number[]) =>
  fc.oneof(
    { weight: 4, arbitrary: plausible },
    { weight: 1, arbitrary: int32 },
    { weight: 1, arbitrary: fc.constantFrom(0, -1, ...edges.flatMap((e) => [e, e + 1, -e, -e - 1])) },
  );
const SKEW = limits.maxFutureSkewMs;
const timeArb = fc.oneof(
  fc.constant(T0),
  fc.integer({ min: 0, max: NOW + 2 * SKEW }),
  fc.constantFrom(limits.minTimeMs, limits.minTimeMs - 1, NOW + SKEW, NOW + SKEW + 1),
);
const idArb = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/), fc.string({ maxLength: 6 }));

const gpsArb = fc.integer({ min: 0, max: 12 }).chain((n) =>
  fc.record({
    baseTimeMs: timeArb,
    tDeltaMs: fc.array(col(fc.integer({ min: 0, max: 2000 }), SKEW), { minLength: n, maxLength: n }),
    latDeltaE7: fc.array(col(fc.integer({ min: -1000, max: 1000 }), 90e7), { minLength: n, maxLength: n + (n % 5 === 4 ? 1 : 0) }),
    lonDeltaE7: fc.array(col(fc.integer({ min: -1000, max: 1000 }), 180e7), { minLength: n, maxLength: n }),
    speedCms: fc.oneof(fc.constant([]), fc.array(col(fc.integer({ min: -1, max: 5000 }), 20_000, 2), { minLength: n, maxLength: n })),
    headingCdeg: fc.oneof(fc.constant([]), fc.array(col(fc.integer({ min: -1, max: 35_999 }), 35_999, 2), { minLength: n, maxLength: n })),
    hdopC: fc.oneof(fc.constant([]), fc.array(col(fc.integer({ min: 0, max: 500 }), 100_000), { minLength: n, maxLength: n })),
    altDm: fc.oneof(fc.constant([]), fc.array(col(fc.integer({ min: -100, max: 5000 }), 50_000, 200_000), { minLength: n, maxLength: n })),
  }),
);
const accelArb = fc.integer({ min: 0, max: 30 }).chain((n) =>
  fc.record({
    baseTimeMs: timeArb,
    rateHz: fc.oneof(fc.constant(50), fc.integer({ min: 0, max: 20_000 }), fc.constantFrom(10_000, 10_001)),
    tDeltaMs: fc.array(col(fc.integer({ min: 0, max: 40 }), SKEW), { minLength: n, maxLength: n }),
    xDeltaMg: fc.array(col(fc.integer({ min: -500, max: 500 }), 200_000), { minLength: n, maxLength: n }),
    yDeltaMg: fc.array(col(fc.integer({ min: -500, max: 500 }), 200_000), { minLength: n, maxLength: n }),
    zDeltaMg: fc.array(col(fc.integer({ min: -500, max: 500 }), 200_000), { minLength: n, maxLength: n + (n % 7 === 6 ? 1 : 0) }),
  }),
);
const gyroArb = fc.integer({ min: 0, max: 20 }).chain((n) =>
  fc.record({
    baseTimeMs: timeArb,
    rateHz: fc.oneof(fc.constant(50), fc.constantFrom(10_000, 10_001)),
    tDeltaMs: fc.array(col(fc.integer({ min: 0, max: 40 }), SKEW), { minLength: n, maxLength: n }),
    xDeltaMdps: fc.array(col(fc.integer({ min: -50_000, max: 50_000 }), 10_000_000), { minLength: n, maxLength: n }),
    yDeltaMdps: fc.array(col(fc.integer({ min: -50_000, max: 50_000 }), 10_000_000), { minLength: n, maxLength: n + (n % 6 === 5 ? 1 : 0) }),
    zDeltaMdps: fc.array(col(fc.integer({ min: -50_000, max: 50_000 }), 10_000_000), { minLength: n, maxLength: n }),
  }),
);
const phoneArb = fc.integer({ min: 0, max: 8 }).chain((n) =>
  fc.record({
    baseTimeMs: timeArb,
    tDeltaMs: fc.array(col(fc.integer({ min: 0, max: 5000 }), SKEW), { minLength: n, maxLength: n }),
    state: fc.array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 7 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 8, -1, 255) }), {
      minLength: n,
      maxLength: n + (n % 4 === 3 ? 1 : 0),
    }),
  }),
);
const batchArb = fc.record(
  {
    deviceId: idArb,
    bootId: idArb,
    seq: fc.oneof(fc.nat(), fc.constant(0), fc.constant(2 ** 53 - 1)),
    sentAtMs: fc.integer({ min: -1e12, max: 1e13 }),
    gps: gpsArb,
    accel: accelArb,
    gyro: gyroArb,
    phone: phoneArb,
    agent: fc.string({ maxLength: 12 }),
    events: fc.oneof({ weight: 5, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.constant(sampleBatch().events) }),
  },
  { requiredKeys: [] },
);

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
