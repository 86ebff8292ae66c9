import { accelColumns, decodeDeviceBatch, gpsColumns } from '@fleetwire/proto';
import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from '../src/core/backoff.js';
import { consume, gatherRows, type PendingChunk, sealRows } from '../src/core/batch.js';
import { outboxBytes, planRetention } from '../src/core/retention.js';
import { decimate, pushAccel, pushGps, RowBuffer, samplePeriodMs } from '../src/core/samples.js';
import { SampleError } from '../src/errors.js';

const T0 = Date.UTC(2024, 0, 1);

function chunk(id: number, from: number, n: number, skip = 0): PendingChunk {
  const b = new RowBuffer();
  for (let i = from; i < from + n; i++) {
    if (i % 10 === 0) pushGps(b, i, { t: T0 + i * 10, lat: 48 + i * 1e-6, lon: 11, speed: 12.34, heading: 90 });
    else pushAccel(b, i, { t: T0 + i * 10, x: 0.01 * (i % 50), y: -0.2, z: 1 });
  }
  const r = b.take();
  return { id, storedAt: T0, n, skip, t: r.t, v: r.v };
}

describe('backoff', () => {
  const p = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, jitter: 0.5 };
  it('grows exponentially up to the cap', () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(p, a, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it('jitter shortens the delay by at most the jitter fraction', () => {
    expect(backoffDelay(p, 2, () => 1)).toBe(200);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(p, 3);
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(800);
    }
  });
  it('resets after success', () => {
    const b = new Backoff(p, () => 0);
    expect([b.next(), b.next(), b.next()]).toEqual([100, 200, 400]);
    b.reset();
    expect(b.next()).toBe(100);
  });
});

describe('samples', () => {
  it('quantises to wire units', () => {
    const b = new RowBuffer(1);
    pushGps(b, 0, { t: T0 + 0.4, lat: 48.1234567, lon: -11.5, speed: 13.89, heading: 359.996, hdop: 1.2, alt: 512.34 });
    expect(Array.from(b.v.subarray(0, 7))).toEqual([1, 481234567, -115000000, 1389, 0, 120, 5123]);
    pushAccel(b, 1, { t: T0, x: -0.4564, y: 0, z: 1.0004 });
    expect(Array.from(b.v.subarray(7, 11))).toEqual([2, -456, 0, 1000]);
  });
  it('rejects malformed samples with the field and index', () => {
    const b = new RowBuffer();
    expect(() => pushGps(b, 3, { t: T0, lat: 91, lon: 0 })).toThrow(SampleError);
    expect(() => pushGps(b, 3, { t: T0, lat: 91, lon: 0 })).toThrow('sample[3].lat=91');
    expect(() => pushAccel(b, 0, { t: 'now', x: 0, y: 0, z: 0 })).toThrow('sample[0].t');
    expect(() => pushAccel(b, 0, { t: T0, x: 500, y: 0, z: 0 })).toThrow('sample[0].x');
    expect(() => pushGps(b, 0, { t: 12, lat: 0, lon: 0 })).toThrow('sample[0].t');
  });
});

describe('batcher', () => {
  const meta = { deviceId: 'd1', bootId: 'b1', seq: 7, sentAtMs: T0 + 1e6, agent: 'test', accelRateHz: 100 };
  it('gathers rows across chunks honouring skip, and plans consumption', () => {
    const chunks = [chunk(1, 0, 100, 40), chunk(2, 100, 100), chunk(3, 200, 100)];
    const rows = gatherRows(chunks, 120);
    expect(rows.n).toBe(120);
    expect(rows.t[0]).toBe(T0 + 400);
    expect(rows.t[119]).toBe(T0 + 1590);
    expect(consume(chunks, 120)).toEqual({ deleted: [1], trimmed: { id: 2, skip: 60 } });
    expect(consume(chunks, 160)).toEqual({ deleted: [1, 2], trimmed: null });
  });
  it('encodes a batch that decodes to the same samples', () => {
    const rows = gatherRows([chunk(1, 0, 500)], 10_000);
    const { bytes, n } = sealRows(meta, rows, 64 * 1024);
    expect(n).toBe(500);
    const r = decodeDeviceBatch(bytes, { nowMs: T0 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.seq).toBe(7);
    expect(r.value.accel?.rateHz).toBe(100);
    const g = gpsColumns(r.value.gps);
    const a = accelColumns(r.value.accel);
    expect(g.t.length).toBe(50);
    expect(a.t.length).toBe(450);
    expect(g.speedCms[0]).toBe(1234);
    expect(g.latE7[5]).toBe(Math.round((48 + 50e-6) * 1e7));
    expect(a.xMg[0]).toBe(10);
  });
  it('keeps the encoding within maxBytes', () => {
    const rows = gatherRows([chunk(1, 0, 5000)], 10_000);
    const { bytes, n } = sealRows(meta, rows, 2048);
    expect(bytes.length).toBeLessThanOrEqual(2048);
    expect(n).toBeGreaterThan(50);
    expect(n).toBeLessThan(5000);
  });
  it('sorts each track by time inside a batch', () => {
    const b = new RowBuffer();
    pushAccel(b, 0, { t: T0 + 20, x: 0.2, y: 0, z: 1 });
    pushAccel(b, 1, { t: T0 + 10, x: 0.1, y: 0, z: 1 });
    const r = b.take();
    const { bytes } = sealRows(meta, r, 4096);
    const d = decodeDeviceBatch(bytes, { nowMs: T0 });
    expect(d.ok && Array.from(accelColumns(d.value.accel).xMg)).toEqual([100, 200]);
  });
});

describe('retention', () => {
  const batches = [1, 2, 3, 4].map((seq) => ({ seq, bootId: 'b', bytes: 1000, samples: 100, sealedAt: T0 + seq * 1000 }));
  const chunks = [{ id: 9, storedAt: T0 + 5000, rows: 10 }];
  it('does nothing within quota and age', () => {
    expect(planRetention(batches, chunks, 1e6, 1e9, T0 + 6000)).toEqual([]);
  });
  it('drops oldest batches first until within quota', () => {
    const total = outboxBytes(batches, chunks);
    const plans = planRetention(batches, chunks, total - 1, 1e9, T0 + 6000);
    expect(plans).toHaveLength(1);
    expect(plans[0]!.reason).toBe('quota');
    expect(plans[0]!.batches.map((b) => b.seq)).toEqual([1]);
    const all = planRetention(batches, chunks, 100, 1e9, T0 + 6000);
    expect(all[0]!.batches.map((b) => b.seq)).toEqual([1, 2, 3, 4]);
    expect(all[0]!.chunks.map((c) => c.id)).toEqual([9]);
  });
  it('drops by age before quota', () => {
    const plans = planRetention(batches, chunks, 1e6, 2500, T0 + 5000);
    expect(plans).toHaveLength(1);
    expect(plans[0]!.reason).toBe('max_age');
    expect(plans[0]!.batches.map((b) => b.seq)).toEqual([1, 2]);
  });
});

describe('decimation (sampleRates)', () => {
  /** Timestamps kept out of `ts` at `hz`. */
  function kept(ts: readonly number[], hz: number): number[] {
    let slot = -Infinity;
    const out: number[] = [];
    for (const t of ts) {
      const next = decimate(slot, t, samplePeriodMs(hz));
      if (next === null) continue;
      slot = next;
      out.push(t);
    }
    return out;
  }
  const grid = (hz: number, seconds: number, jitterMs = 0) =>
    Array.from({ length: hz * seconds }, (_, i) => Math.round(T0 + (i * 1000) / hz + (i % 3 === 1 ? jitterMs : 0)));

  it('a 60 Hz phone sensor at accelHz 50 keeps 50 samples a second, not 30', () => {
    const k = kept(grid(60, 10), 50);
    expect(k.length).toBeGreaterThanOrEqual(495);
    expect(k.length).toBeLessThanOrEqual(501);
    for (let i = 1; i < k.length; i++) expect(k[i]! - k[i - 1]!).toBeGreaterThanOrEqual(16); // never closer than the input
  });
  it('halves a 100 Hz stream at 50 Hz and keeps a stream slower than the rate whole', () => {
    expect(kept(grid(100, 10), 50).length).toBe(500);
    expect(kept(grid(40, 10, 2), 50).length).toBe(400);
    expect(kept(grid(50, 10, 1), 50).length).toBe(500); // jitter within the 5% slack
  });
  it('keeps 1 Hz GPS fixes with jitter, drops a duplicate fix, restarts after a gap or a jump back in time', () => {
    expect(
      kept(
        [0, 990, 2010, 2990, 3000, 4000].map((d) => T0 + d),
        1,
      ),
    ).toEqual([0, 990, 2010, 2990, 4000].map((d) => T0 + d));
    expect(
      kept(
        [0, 1000, 60_000, 60_500, 61_000].map((d) => T0 + d),
        1,
      ),
    ).toEqual([0, 1000, 60_000, 61_000].map((d) => T0 + d));
    expect(
      kept(
        [10_000, 11_000, 3000, 3500, 4000].map((d) => T0 + d),
        1,
      ),
    ).toEqual([10_000, 11_000, 3000, 4000].map((d) => T0 + d));
  });
  it('rate 0 keeps everything', () => {
    expect(kept([1, 1, 2, 3], 0)).toEqual([1, 1, 2, 3]);
  });
});
