// Client behaviour on the in-memory outbox with no broker reachable (127.0.0.1:1 refuses connections).
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDeviceBatch, unpackGps } from '@fleetwire/proto';
import { KIND_EVENT, RowBuffer } from '../src/core/samples.js';
import { createClient, type FleetwireClient, MemoryStorage, SampleError, type SampleRecord } from '../src/index.js';
import { Outbox } from '../src/outbox.js';

const T0 = Date.UTC(2024, 0, 1);
let client: FleetwireClient | null = null;
afterEach(async () => {
  await client?.close();
  client = null;
});

async function make(extra: Record<string, unknown> = {}): Promise<FleetwireClient> {
  client = await createClient({
    deviceId: 'd1',
    tenant: 't1',
    url: 'mqtt://127.0.0.1:1',
    storage: new MemoryStorage(),
    reconnect: { initialDelayMs: 1000, maxDelayMs: 1000 },
    ...extra,
  });
  client.on('error', () => {});
  return client;
}

describe('client', () => {
  it('rejects a whole record() call with SampleError and keeps nothing of it', async () => {
    const c = await make();
    const bad = [
      { kind: 'accel' as const, t: T0, x: 0, y: 0, z: 1 },
      { kind: 'gps' as const, t: T0, lat: 123, lon: 0 },
    ];
    await expect(c.record(bad)).rejects.toBeInstanceOf(SampleError);
    await expect(c.record(bad)).rejects.toMatchObject({ index: 1, field: 'lat' });
    await expect(c.record({ kind: 'baro', t: T0 } as never)).rejects.toMatchObject({ field: 'kind' });
    await c.record({ kind: 'accel', t: T0, x: 0, y: 0, z: 1 });
    expect(c.stats()).toMatchObject({ recorded: 1, stored: 1, pendingSamples: 1 });
  });

  it('group-commits concurrent records into one append', async () => {
    const storage = new MemoryStorage();
    let appends = 0;
    const orig = storage.append.bind(storage);
    storage.append = (chunks) => {
      appends++;
      return orig(chunks);
    };
    const c = await make({ storage });
    await Promise.all(Array.from({ length: 500 }, (_, i) => c.record({ kind: 'accel', t: T0 + i, x: 0, y: 0, z: 1 })));
    expect(appends).toBe(1);
    expect(c.stats().stored).toBe(500);
  });

  it('seals batches by size and assigns consecutive seq', async () => {
    const c = await make({ batch: { maxSamples: 100, intervalMs: 60_000 } });
    const s = Array.from({ length: 1050 }, (_, i) => ({ kind: 'accel' as const, t: T0 + i * 10, x: 0, y: 0, z: 1 }));
    await c.record(s);
    await new Promise((r) => setImmediate(r));
    const st = c.stats();
    expect(st.sealedBatches).toBe(10);
    expect(st.pendingSamples).toBe(50);
    expect(st.nextSeq).toBe(11);
    await expect(c.flush({ timeoutMs: 50 })).rejects.toMatchObject({ code: 'flush_timeout' });
    expect(c.stats().sealedBatches).toBe(11);
  });

  it('decimates to the configured sample rate and detects harsh braking into the outbox', async () => {
    const c = await make({ sampleRates: { accelHz: 50 }, detection: { minDurationMs: 100 } });
    // 40 s at 100 Hz: speed up at 2 m/s² for 10 s (the mount is learnt against GPS), cruise, brake at 0.6 g for 1.5 s.
    const aAt = (ms: number) => (ms < 10_000 ? 2 : ms >= 30_000 && ms < 31_500 ? -5.88 : 0);
    let v = 0;
    const s: SampleRecord[] = [];
    for (let i = 0; i < 4000; i++) {
      const ms = i * 10;
      if (i % 100 === 0) s.push({ kind: 'gps', t: T0 + ms, lat: 48.1, lon: 11.5, speed: v, heading: 90 });
      s.push({ kind: 'accel', t: T0 + ms, x: aAt(ms) / 9.80665, y: 0, z: 1 });
      v = Math.max(0, v + aAt(ms) / 100);
    }
    await c.record(s);
    const st = c.stats();
    expect(st.recorded).toBe(2040);
    expect(st.decimated).toBe(2000);
    expect(st.events).toBe(1);
    expect(st.pendingSamples).toBe(2041); // 2000 accel + 40 GPS samples + 1 event row
  });

  it('seals edge events with the samples of their time, never alone (715 fixes in one call, 55 a batch)', async () => {
    const storage = new MemoryStorage();
    const c = await make({ storage, batch: { maxSamples: 55, intervalMs: 60_000 }, detection: {} });
    // A drive that starts at once: the trip-start event is detected in this call and recorded after the fixes.
    // The speed drops by 6 m/s every 7 s: a harsh braking each time, ~100 events in this one call (more than
    // the 64 that may ride past a full batch): they must be placed with their samples, not after all of them.
    const fixes = Array.from({ length: 715 }, (_, i) => ({ kind: 'gps' as const, t: T0 + i * 1000, lat: 48.1 + i * 1e-4, lon: 11.5, speed: 14 + (i % 7) }));
    await c.record(fixes);
    await expect(c.flush({ timeoutMs: 50 })).rejects.toMatchObject({ code: 'flush_timeout' });
    const st = c.stats();
    expect(st.events).toBeGreaterThan(64);
    const batches = storage.open().batches.map((b) => decodeDeviceBatch(storage.readBatch(b.seq)!));
    const decoded = batches.map((r) => (r.ok ? r.value : null));
    expect(decoded.every((b) => b !== null)).toBe(true);
    const eventOnly = decoded.filter((b) => (b!.gps?.tDeltaMs?.length ?? 0) + (b!.accel?.tDeltaMs?.length ?? 0) === 0);
    expect(eventOnly).toHaveLength(0);
    expect(decoded.reduce((s, b) => s + (b!.gps?.tDeltaMs?.length ?? 0), 0)).toBe(715);
    expect(decoded.reduce((s, b) => s + (b!.events?.length ?? 0), 0)).toBe(st.events);
    expect(decoded.map((b) => Number(b!.seq))).toEqual(decoded.map((_, i) => i + 1));
  });

  it('carries the posted speed limit of a fix (map SDK) in the batch, beside an intact hdop; omitted stays absent', async () => {
    const storage = new MemoryStorage();
    const c = await make({ storage, batch: { maxSamples: 4, intervalMs: 60_000 } });
    const at = (i: number, extra: Record<string, number>) => ({ kind: 'gps' as const, t: T0 + i * 1000, lat: 48.1, lon: 11.5, speed: 20, ...extra });
    await c.record([at(0, { speedLimit: 13.89, hdop: 1000 }), at(1, { hdop: 0.9 }), at(2, { speedLimit: 80, hdop: 2.5 }), at(3, { speedLimit: 0 })]);
    await c.record([0, 1, 2, 3].map((i) => at(4 + i, { hdop: 1.2 })));
    await new Promise((r) => setImmediate(r));
    const [first, second] = [1, 2].map((seq) => {
      const r = decodeDeviceBatch(storage.readBatch(seq)!);
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    });
    expect(first!.gps!.speedLimitCms).toEqual([1389, 0, 8000, 0]);
    expect(first!.gps!.hdopC).toEqual([100_000, 90, 250, 0]);
    expect(unpackGps(first!.gps).map((g) => g.speedLimit)).toEqual([13.89, undefined, 80, undefined]);
    expect(second!.gps!.speedLimitCms ?? []).toEqual([]); // no fix had one: the field is not sent
    expect(second!.gps!.hdopC).toEqual([120, 120, 120, 120]);
    for (const bad of [-1, 80.5, Number.NaN, '50'])
      await expect(c.record(at(9, { speedLimit: bad as number }))).rejects.toMatchObject({ field: 'speedLimit', index: 0 });
  });

  it('an event detected at the last sample of a full batch rides with that batch', async () => {
    const storage = new MemoryStorage();
    const c = await make({ storage, batch: { maxSamples: 6, intervalMs: 60_000 }, detection: {} });
    // Moving from the first fix: the trip starts after 5 s of motion, i.e. it is detected at the 6th fix, the last
    // row of a full batch; the event row follows it and rides along (no batch of its own).
    await c.record(Array.from({ length: 6 }, (_, i) => ({ kind: 'gps' as const, t: T0 + i * 1000, lat: 48.1 + i * 1e-4, lon: 11.5, speed: 15 })));
    await new Promise((r) => setImmediate(r));
    expect(c.stats()).toMatchObject({ sealedBatches: 1, pendingSamples: 0, events: 1 });
    const only = decodeDeviceBatch(storage.readBatch(1)!);
    expect(only.ok && [only.value.gps?.tDeltaMs?.length, only.value.events?.length]).toEqual([6, 1]);
  });

  it('the outbox holds events alone until samples follow (two intervals at most) and seals them when forced', () => {
    const make = () => {
      const o = new Outbox(new MemoryStorage(), { dropped: () => {}, error: () => {} });
      o.open();
      const b = new RowBuffer();
      b.push(T0, KIND_EVENT, 1, 500, 400, 481_000_000, 115_000_000, 1500);
      o.append(b.take(), T0);
      return o;
    };
    const p = { maxBytes: 64 * 1024, maxSamples: 100, intervalMs: 1000, meta: { deviceId: 'd1', bootId: 'b', agent: 'test', accelRateHz: 50 } };
    const o = make();
    expect(o.seal(T0 + 1500, p, false)).toBe(0);
    expect(o.seal(T0 + 2000, p, false)).toBe(1);
    expect(make().seal(T0, p, true)).toBe(1);
  });

  it('rejects record() after close()', async () => {
    const c = await make();
    await c.close();
    await expect(c.record({ kind: 'accel', t: T0, x: 0, y: 0, z: 1 })).rejects.toMatchObject({ code: 'client_closed' });
    client = null;
  });
});
