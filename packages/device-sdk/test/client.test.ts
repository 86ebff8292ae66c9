// Client behaviour on the in-memory outbox with no broker reachable (127.0.0.1:1 refuses connections).
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type FleetwireClient, MemoryStorage, SampleError } from '../src/index.js';

const T0 = Date.UTC(2024, 0, 1);
let client: FleetwireClient | null = null;
afterEach(async () => {
  await client?.close();
  client = null;
});

async function make(extra: Record<string, unknown> = {}): Promise<FleetwireClient> {
  client = await createClient({ deviceId: 'd1', tenant: 't1', url: 'mqtt://127.0.0.1:1', storage: new MemoryStorage(), reconnect: { initialDelayMs: 1000, maxDelayMs: 1000 }, ...extra });
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
    const s: Parameters<typeof c.record>[0] = [];
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

  it('rejects record() after close()', async () => {
    const c = await make();
    await c.close();
    await expect(c.record({ kind: 'accel', t: T0, x: 0, y: 0, z: 1 })).rejects.toMatchObject({ code: 'client_closed' });
    client = null;
  });
});
