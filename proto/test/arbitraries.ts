// Random DeviceBatch parts for the property tests of the one-pass scans (batch-scan, record-columns): mostly
// plausible values, sometimes anything, sometimes right on either side of a bound.
import fc from 'fast-check';
import { packAccel, packGps, packGyro, packPhone, PHONE_STATES, type PhoneStateName, resolveLimits } from '../src/index.js';
import { sampleBatch, T0 } from './fixtures.js';

export const limits = resolveLimits();
export const NOW = T0 + 60_000;

export const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
// Mostly plausible values, sometimes anything, sometimes right on either side of a bound.
const col = (plausible: fc.Arbitrary<number>, ...edges: number[]) =>
  fc.oneof(
    { weight: 4, arbitrary: plausible },
    { weight: 1, arbitrary: int32 },
    { weight: 1, arbitrary: fc.constantFrom(0, -1, ...edges.flatMap((e) => [e, e + 1, -e, -e - 1])) },
  );
export const SKEW = limits.maxFutureSkewMs;
const timeArb = fc.oneof(
  fc.constant(T0),
  fc.integer({ min: 0, max: NOW + 2 * SKEW }),
  fc.constantFrom(limits.minTimeMs, limits.minTimeMs - 1, NOW + SKEW, NOW + SKEW + 1),
);
export const idArb = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/), fc.string({ maxLength: 6 }));

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
    speedLimitCms: fc.oneof(fc.constant([]), fc.array(col(fc.integer({ min: 0, max: 3600 }), 20_000), { minLength: n, maxLength: n })),
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
export const batchArb = fc.record(
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

// Valid batches (what the SDK packs from plausible samples), so a property over them exercises the columns of
// accepted batches and not only verdicts: times rising from T0, values inside every bound, optional columns and
// tracks sometimes left out.
const stepsArb = (n: number, maxStep: number) => fc.array(fc.integer({ min: 0, max: maxStep }), { minLength: n, maxLength: n });
const rising = (steps: number[]): number[] => {
  let t = T0;
  return steps.map((d) => (t += d));
};
const validGpsArb = fc.integer({ min: 0, max: 40 }).chain((n) =>
  fc
    .record({
      t: stepsArb(n, 2000),
      // A start anywhere, then steps of a car (< ~1 km): the wire's deltas are 32-bit.
      lat0: fc.double({ min: -89, max: 89, noNaN: true }),
      lon0: fc.double({ min: -179, max: 179, noNaN: true }),
      lat: fc.array(fc.double({ min: -0.01, max: 0.01, noNaN: true }), { minLength: n, maxLength: n }),
      lon: fc.array(fc.double({ min: -0.01, max: 0.01, noNaN: true }), { minLength: n, maxLength: n }),
      speed: fc.option(fc.array(fc.double({ min: -1, max: 70, noNaN: true }), { minLength: n, maxLength: n })),
      heading: fc.option(fc.array(fc.double({ min: 0, max: 359.9, noNaN: true }), { minLength: n, maxLength: n })),
      hdop: fc.option(fc.array(fc.double({ min: 0, max: 50, noNaN: true }), { minLength: n, maxLength: n })),
      alt: fc.option(fc.array(fc.double({ min: -400, max: 8000, noNaN: true }), { minLength: n, maxLength: n })),
      limit: fc.option(fc.array(fc.double({ min: 0, max: 40, noNaN: true }), { minLength: n, maxLength: n })),
    })
    .map((c) =>
      packGps(
        rising(c.t).map((t, i) => ({
          t,
          lat: c.lat0 + c.lat.slice(0, i + 1).reduce((a, b) => a + b, 0),
          lon: c.lon0 + c.lon.slice(0, i + 1).reduce((a, b) => a + b, 0),
          speed: c.speed?.[i],
          heading: c.heading?.[i],
          hdop: c.hdop?.[i],
          alt: c.alt?.[i],
          speedLimit: c.limit?.[i],
        })),
      ),
    ),
);
const xyzArb = (max: number) =>
  fc.integer({ min: 0, max: 60 }).chain((n) =>
    fc.record({
      t: stepsArb(n, 100),
      v: fc.array(
        fc.tuple(fc.double({ min: -max, max, noNaN: true }), fc.double({ min: -max, max, noNaN: true }), fc.double({ min: -max, max, noNaN: true })),
        {
          minLength: n,
          maxLength: n,
        },
      ),
    }),
  );
const validAccelArb = xyzArb(16).map((c) =>
  packAccel(
    rising(c.t).map((t, i) => ({ t, x: c.v[i]![0], y: c.v[i]![1], z: c.v[i]![2] })),
    50,
  ),
);
const validGyroArb = xyzArb(2000).map((c) =>
  packGyro(
    rising(c.t).map((t, i) => ({ t, x: c.v[i]![0], y: c.v[i]![1], z: c.v[i]![2] })),
    100,
  ),
);
const validPhoneArb = fc
  .integer({ min: 0, max: 8 })
  .chain((n) =>
    fc
      .record({ t: stepsArb(n, 5000), s: fc.array(fc.constantFrom(...(Object.keys(PHONE_STATES) as PhoneStateName[])), { minLength: n, maxLength: n }) })
      .map((c) => packPhone(rising(c.t).map((t, i) => ({ t, state: c.s[i]! })))),
  );
export const validBatchArb = fc.record(
  {
    deviceId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/),
    bootId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/),
    seq: fc.nat(),
    sentAtMs: fc.integer({ min: 0, max: 1e13 }),
    gps: validGpsArb,
    accel: validAccelArb,
    gyro: validGyroArb,
    phone: validPhoneArb,
  },
  { requiredKeys: ['deviceId', 'bootId'] },
);
