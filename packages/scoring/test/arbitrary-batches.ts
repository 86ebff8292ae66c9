// fast-check arbitraries of DeviceBatches the gateway accepts: any mix of empty and non-empty GPS,
// accelerometer and event tracks, times anywhere from 2000-01-01 to now, clustered around month and year
// boundaries, with physically bounded values. Every one passes the codec's validation (checked in tests).
import { type fleetwire } from '@fleetwire/proto';
import fc from 'fast-check';

const MIN_T = Date.UTC(2000, 0, 1);
const DAY = 86_400_000;

/** A time: uniform over the accepted past, or within an hour of a month (often a year) boundary. */
export const timeArb = (nowMs: number): fc.Arbitrary<number> =>
  fc.oneof(
    fc.integer({ min: MIN_T, max: nowMs }),
    fc
      .tuple(
        fc.integer({ min: 2000, max: new Date(nowMs).getUTCFullYear() - 1 }),
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: -3_600_000, max: 3_600_000 }),
      )
      .map(([y, m, d]) => Math.max(MIN_T, Date.UTC(y, m, 1) + d)),
    fc
      .tuple(fc.integer({ min: 2001, max: new Date(nowMs).getUTCFullYear() }), fc.integer({ min: -60_000, max: 60_000 }))
      .map(([y, d]) => Date.UTC(y, 0, 1) + d),
    fc.integer({ min: nowMs - 7 * DAY, max: nowMs }),
  );

const deltas = (n: number, maxStep: number) => fc.array(fc.integer({ min: 0, max: maxStep }), { minLength: n, maxLength: n });

const gpsArb = (base: number): fc.Arbitrary<fleetwire.v1.IGpsTrack | null> =>
  fc.oneof(
    fc.constant(null),
    fc.integer({ min: 1, max: 120 }).chain((n) =>
      fc
        .record({
          t: deltas(n, 5_000),
          lat: fc.integer({ min: -80e7, max: 80e7 }),
          lon: fc.integer({ min: -170e7, max: 170e7 }),
          dLat: fc.array(fc.integer({ min: -3000, max: 3000 }), { minLength: n, maxLength: n }),
          dLon: fc.array(fc.integer({ min: -3000, max: 3000 }), { minLength: n, maxLength: n }),
          speed: fc.oneof(fc.constant([] as number[]), fc.array(fc.integer({ min: -1, max: 6_000 }), { minLength: n, maxLength: n })),
          heading: fc.oneof(fc.constant([] as number[]), fc.array(fc.integer({ min: -1, max: 35_999 }), { minLength: n, maxLength: n })),
        })
        .map((g) => ({
          baseTimeMs: base,
          tDeltaMs: g.t.map((d, i) => (i === 0 ? 0 : d)),
          latDeltaE7: g.dLat.map((d, i) => (i === 0 ? g.lat : d)),
          lonDeltaE7: g.dLon.map((d, i) => (i === 0 ? g.lon : d)),
          speedCms: g.speed,
          headingCdeg: g.heading,
        })),
    ),
  );

const accelArb = (base: number): fc.Arbitrary<fleetwire.v1.IAccelTrack | null> =>
  fc.oneof(
    fc.constant(null),
    fc.integer({ min: 1, max: 200 }).chain((n) =>
      fc
        .record({
          t: deltas(n, 200),
          xyz: fc.array(fc.tuple(fc.integer({ min: -30, max: 30 }), fc.integer({ min: -30, max: 30 }), fc.integer({ min: -30, max: 30 })), {
            minLength: n,
            maxLength: n,
          }),
        })
        .map((a) => ({
          baseTimeMs: base,
          rateHz: 25,
          tDeltaMs: a.t.map((d, i) => (i === 0 ? 0 : d)),
          xDeltaMg: a.xyz.map(([x], i) => (i === 0 ? x * 10 : x)),
          yDeltaMg: a.xyz.map(([, y], i) => (i === 0 ? y * 10 : y)),
          zDeltaMg: a.xyz.map(([, , z], i) => (i === 0 ? 1000 + z : z)),
        })),
    ),
  );

const eventsArb = (base: number): fc.Arbitrary<fleetwire.v1.IEdgeEvent[]> =>
  fc.array(
    fc
      .record({
        type: fc.integer({ min: 1, max: 7 }),
        dt: fc.integer({ min: -60_000, max: 60_000 }),
        durationMs: fc.integer({ min: 0, max: 10_000 }),
        peak: fc.integer({ min: 0, max: 3000 }),
        latE7: fc.integer({ min: -80e7, max: 80e7 }),
        lonE7: fc.integer({ min: -170e7, max: 170e7 }),
        speedCms: fc.integer({ min: 0, max: 5000 }),
      })
      .map((e) => ({
        type: e.type,
        tMs: Math.max(MIN_T, base + e.dt),
        durationMs: e.durationMs,
        peak: e.peak,
        latE7: e.latE7,
        lonE7: e.lonE7,
        speedCms: e.speedCms,
      })),
    { maxLength: 4 },
  );

/** A DeviceBatch (without device, boot, seq: the caller numbers them). */
export const deviceBatchArb = (nowMs: number): fc.Arbitrary<fleetwire.v1.IDeviceBatch> =>
  timeArb(nowMs - DAY).chain((base) =>
    fc
      .record({
        gps: gpsArb(base),
        accel: accelArb(base),
        events: eventsArb(base),
        sentAtMs: fc.oneof(fc.constant(0), fc.constant(base), fc.integer({ min: MIN_T, max: nowMs })),
      })
      .map((b) => ({ ...b, gps: b.gps ?? undefined, accel: b.accel ?? undefined })),
  );
