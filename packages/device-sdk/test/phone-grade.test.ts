// Issue 17 in the device SDK (in-memory outbox, no broker): gyro and phone records on the wire, PHONE_USE
// edge events, and a crash sealed at once into a batch of its own that carries the event and its data window.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDeviceBatch, fleetwire, unpackAccel, unpackGyro, unpackPhone } from '@fleetwire/proto';
import { crashAt, phoneDrive } from '@fleetwire/test-kit';
import { createClient, type CrashInfoEvent, type FleetwireClient, MemoryStorage, type SampleRecord } from '../src/index.js';

const T0 = Date.UTC(2024, 0, 1);
const ET = fleetwire.v1.EventType;
let client: FleetwireClient | null = null;
afterEach(async () => {
  await client?.close();
  client = null;
});

async function make(storage = new MemoryStorage(), extra: Record<string, unknown> = {}) {
  client = await createClient({
    deviceId: 'p1',
    tenant: 't1',
    url: 'mqtt://127.0.0.1:1',
    storage,
    detection: true,
    batch: { intervalMs: 60_000 },
    reconnect: { initialDelayMs: 1000, maxDelayMs: 1000 },
    ...extra,
  });
  client.on('error', () => {});
  return { c: client, storage };
}

const decodeAll = (storage: MemoryStorage, seqs: number[]) =>
  seqs.map((q) => {
    const r = decodeDeviceBatch(storage.readBatch(q)!, { nowMs: T0 + 86_400_000 });
    if (!r.ok) throw r.error;
    return r.value;
  });
const seqsOf = (storage: MemoryStorage) => storage.open().batches.map((b) => b.seq);

describe('phone-grade records', () => {
  it('gyro and phone states travel in their own tracks; bad ones are refused with the field named', async () => {
    const { c, storage } = await make(undefined, { detection: false, sampleRates: { gyroHz: 25 } });
    const recs = phoneDrive({
      t0: T0,
      seconds: 4,
      gyro: (s) => [0, 0, s * 10],
      phone: [
        { s: 1, state: 'unlocked' },
        { s: 2, state: 'handling' },
      ],
    });
    await c.record(recs as SampleRecord[]);
    await c.flush({ timeoutMs: 20 }).catch(() => undefined);
    const [b] = decodeAll(storage, seqsOf(storage));
    expect(unpackPhone(b!.phone).map((p) => p.state)).toEqual(['unlocked', 'handling']);
    const g = unpackGyro(b!.gyro);
    expect(g.length).toBe(101); // 50 Hz decimated to 25 Hz
    expect(b!.gyro!.rateHz).toBe(25);
    expect(g[g.length - 1]!.z).toBeCloseTo(40, 3);
    await expect(c.record({ kind: 'phone', t: T0, state: 'dancing' } as never)).rejects.toMatchObject({ field: 'state' });
    await expect(c.record({ kind: 'gyro', t: T0, x: 20_000, y: 0, z: 0 })).rejects.toMatchObject({ field: 'x' });
  });

  it('phone use while moving becomes a PHONE_USE edge event with its duration', async () => {
    const { c, storage } = await make();
    const recs = phoneDrive({
      t0: T0,
      seconds: 60,
      phone: [
        { s: 20, state: 'unlocked' },
        { s: 22, state: 'handling' },
        { s: 25, state: 'handling' },
        { s: 28, state: 'locked' },
      ],
    });
    await c.record(recs as SampleRecord[]);
    await c.flush({ timeoutMs: 20 }).catch(() => undefined);
    const ev = decodeAll(storage, seqsOf(storage))
      .flatMap((b) => b.events)
      .filter((e) => e.type === ET.EVENT_TYPE_PHONE_USE);
    expect(ev).toHaveLength(1);
    expect(ev[0]!.durationMs).toBeGreaterThanOrEqual(7500);
    expect(ev[0]!.peak).toBe(1);
  });
});

describe('crash on the device', () => {
  it('is sealed at once (not at the interval) into a batch of its own with the impact and its data window, published first', async () => {
    const { c, storage } = await make();
    const seen: CrashInfoEvent[] = [];
    c.on('crash', (x) => seen.push(x));
    // A backlog first (offline): sealed batches waiting.
    await c.record(phoneDrive({ t0: T0 - 120_000, seconds: 30, speed: () => 10 }) as SampleRecord[]);
    await c.flush({ timeoutMs: 20 }).catch(() => undefined);
    const backlog = seqsOf(storage).length;
    const { speed, accel } = crashAt(30);
    await c.record(phoneDrive({ t0: T0, seconds: 40, speed, accel, gyro: () => [0, 0, 0] }) as SampleRecord[]);
    await new Promise((r) => setImmediate(r));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.peakG).toBeGreaterThan(5);
    expect(seen[0]!.deltaVKmh).toBeGreaterThan(10);
    // Sealed without waiting for the 60 s interval: nothing of the drive is pending any more.
    expect(c.stats().pendingSamples).toBe(0);
    const all = seqsOf(storage);
    expect(all.length).toBeGreaterThan(backlog);
    const batches = decodeAll(storage, all);
    const crashBatch = batches.find((b) => b.events.some((e) => e.type === ET.EVENT_TYPE_CRASH))!;
    expect(Number(crashBatch.seq)).toBe(seen[0]!.seq);
    // Its own batch: no stream samples (so it may overtake a backlog without reordering them), one event.
    expect(crashBatch.gps ?? null).toBeNull();
    expect(crashBatch.accel ?? null).toBeNull();
    expect(crashBatch.events).toHaveLength(1);
    const info = crashBatch.events[0]!.crash!;
    expect(info.sensitivity).toBe('normal');
    expect(info.thresholdMg).toBe(2500);
    const win = unpackAccel(info.accel);
    // 10 s before the impact up to the confirming fix, at full rate.
    expect(win[0]!.t).toBeLessThanOrEqual(T0 + 20_020);
    expect(win[win.length - 1]!.t).toBeGreaterThanOrEqual(T0 + 30_500);
    expect(win.length).toBeGreaterThan(500);
    expect(unpackGyro(info.gyro).length).toBe(win.length);
    expect(Math.min(...win.map((a) => a.x))).toBeLessThan(-5);
    // The stream samples of the crash's time are in the normal batches, in seq order, every one once.
    const streamAccel = batches.filter((b) => b !== crashBatch).reduce((n, b) => n + (b.accel?.tDeltaMs?.length ?? 0), 0);
    expect(streamAccel).toBe(1501 + 2001);
    expect((c as unknown as { outbox: { urgent: Set<number> } }).outbox.urgent.has(seen[0]!.seq)).toBe(true);
  });

  it('a crash group pending at start (killed before sealing) is sealed at once on restart', async () => {
    const storage = new MemoryStorage();
    const { c } = await make(storage);
    const { speed, accel } = crashAt(30);
    // Simulate the kill: the rows reach the outbox, the seal never happens.
    const o = (c as unknown as { outbox: { seal: () => number } }).outbox;
    o.seal = () => 0;
    await c.record(phoneDrive({ t0: T0, seconds: 35, speed, accel }) as SampleRecord[]);
    await c.close();
    client = null;
    const { c: c2 } = await make(storage);
    // Sealed on the first tick after open (a macrotask): wait for it, bounded, rather than a fixed guess.
    for (let i = 0; i < 100 && c2.stats().pendingSamples > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(c2.stats().pendingSamples).toBe(0);
    expect(decodeAll(storage, seqsOf(storage)).some((b) => b.events.some((e) => e.type === ET.EVENT_TYPE_CRASH && e.crash))).toBe(true);
  });

  it('crash: false turns it off; a drop of the phone in a moving car is no crash', async () => {
    const { c, storage } = await make(undefined, { detection: { crash: false } });
    await c.record(phoneDrive({ t0: T0, seconds: 40, ...crashAt(30) }) as SampleRecord[]);
    await c.flush({ timeoutMs: 20 }).catch(() => undefined);
    expect(
      decodeAll(storage, seqsOf(storage))
        .flatMap((b) => b.events)
        .some((e) => e.type === ET.EVENT_TYPE_CRASH),
    ).toBe(false);
    await c.close();
    const s2 = new MemoryStorage();
    const { c: c2 } = await make(s2, { detection: { crash: { sensitivity: 'high' } } });
    const drop = (s: number): [number, number, number] => (s >= 29.7 && s < 30 ? [0, 0, 0.05] : s >= 30 && s < 30.04 ? [6, 0, 3] : [0, 0, 1]);
    await c2.record(phoneDrive({ t0: T0, seconds: 50, accel: drop }) as SampleRecord[]);
    await c2.flush({ timeoutMs: 20 }).catch(() => undefined);
    expect(
      decodeAll(s2, seqsOf(s2))
        .flatMap((b) => b.events)
        .some((e) => e.type === ET.EVENT_TYPE_CRASH),
    ).toBe(false);
    await expect(
      createClient({
        deviceId: 'x',
        tenant: 't',
        url: 'mqtt://127.0.0.1:1',
        storage: new MemoryStorage(),
        detection: { crash: { sensitivity: 'extreme' } },
      } as never),
    ).rejects.toMatchObject({ name: 'ConfigError' });
  });
});
