// The SDK packs tracks from its own int rows (src/core/batch.ts) rather than through proto's packGps /
// packAccel (which have golden bytes). This property test holds the two encodings byte-identical for
// random fixes and accelerometer samples, in and out of time order, with and without optional fields.
import { encodeDeviceBatch, packAccel, packGps, type AccelSample, type GpsSample } from '@fleetwire/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildBatch } from '../src/core/batch.js';
import { pushAccel, pushGps, RowBuffer } from '../src/core/samples.js';

const T0 = Date.UTC(2026, 10, 23);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const gpsArb: fc.Arbitrary<GpsSample> = fc.record({
  t: fc.double({ min: T0, max: T0 + 3_600_000, noNaN: true }),
  lat: fc.double({ min: -90, max: 90, noNaN: true }),
  lon: fc.double({ min: -180, max: 180, noNaN: true }),
  speed: opt(fc.double({ min: -5, max: 200, noNaN: true })),
  heading: opt(fc.double({ min: -1, max: 360, noNaN: true })),
  hdop: opt(fc.double({ min: 0, max: 1000, noNaN: true })),
  alt: opt(fc.double({ min: -5000, max: 20_000, noNaN: true })),
});
const accelArb: fc.Arbitrary<AccelSample> = fc.record({
  t: fc.double({ min: T0, max: T0 + 3_600_000, noNaN: true }),
  x: fc.double({ min: -200, max: 200, noNaN: true }),
  y: fc.double({ min: -200, max: 200, noNaN: true }),
  z: fc.double({ min: -200, max: 200, noNaN: true }),
});
const clean = <T extends object>(s: T): T => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as T;
/** Stable sort by rounded time, as the SDK orders a track. */
const byTime = <T extends { t: number }>(xs: readonly T[]): T[] =>
  xs
    .map((s, i) => ({ s, i }))
    .sort((a, b) => Math.round(a.s.t) - Math.round(b.s.t) || a.i - b.i)
    .map((x) => x.s);

describe('SDK batch encoding == proto packGps/packAccel encoding', () => {
  it('is byte-identical for random samples (1000 cases)', () => {
    fc.assert(
      fc.property(fc.array(gpsArb, { maxLength: 40 }), fc.array(accelArb, { maxLength: 60 }), fc.boolean(), (gpsIn, accelIn, interleave) => {
        const gps = gpsIn.map(clean);
        const accel = accelIn.map(clean);
        const buf = new RowBuffer(4);
        const all: Array<['g', GpsSample] | ['a', AccelSample]> = [
          ...gps.map((s) => ['g', s] as ['g', GpsSample]),
          ...accel.map((s) => ['a', s] as ['a', AccelSample]),
        ];
        if (interleave) all.sort((p, q) => p[1].t - q[1].t);
        all.forEach(([k, s], i) =>
          k === 'g' ? pushGps(buf, i, s as unknown as Record<string, unknown>) : pushAccel(buf, i, s as unknown as Record<string, unknown>),
        );
        const rows = buf.take();
        const recorded = (k: 'g' | 'a') => all.filter((x) => x[0] === k).map((x) => x[1]); // in record() order
        const meta = { deviceId: 'dev-eq', bootId: 'boot-eq', seq: 42, sentAtMs: T0 + 4_000_000, agent: 'sdk-test', accelRateHz: 25 };
        const sdk = encodeDeviceBatch(buildBatch(meta, rows, rows.n));
        const ref = encodeDeviceBatch({
          deviceId: meta.deviceId,
          bootId: meta.bootId,
          seq: meta.seq,
          sentAtMs: meta.sentAtMs,
          agent: meta.agent,
          ...(gps.length > 0 ? { gps: packGps(byTime(recorded('g') as GpsSample[])) } : {}),
          ...(accel.length > 0 ? { accel: packAccel(byTime(recorded('a') as AccelSample[]), 25) } : {}),
        });
        expect(Buffer.from(sdk).toString('hex')).toBe(Buffer.from(ref).toString('hex'));
      }),
      { numRuns: 1000 },
    );
  });
});
