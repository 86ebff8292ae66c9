// Broker outages, quota drops, full disk and corrupt outbox files, against real Aedes and real SQLite files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeviceBatch } from '@fleetwire/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type DroppedInfo, type FleetwireError, SqliteStorage, StorageError } from '../src/index.js';
import { collectBatches, startBroker, waitFor } from './helpers/broker.js';
import { freePort } from './helpers/ports.js';
import { checkComplete, dedupe, sampleIndexes, samples } from './helpers/samples.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-sdk-res-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const fast = { initialDelayMs: 50, maxDelayMs: 300 };

describe('resilience', () => {
  it('keeps recording while the broker is down and delivers everything once it is back', async () => {
    const port = await freePort();
    let broker = await startBroker({ port });
    const sub1 = await collectBatches(broker.url);
    const client = await createClient({
      deviceId: 'dev-outage',
      tenant: 'acme',
      url: broker.url,
      storage: { path: path.join(dir, 'outage.db') },
      batch: { intervalMs: 1000, maxSamples: 1000 },
      reconnect: fast,
    });
    const errors: FleetwireError[] = [];
    client.on('error', (e) => errors.push(e));
    await waitFor(() => client.stats().connected, 5000, 'first connect');
    await client.record(samples(0, 10_000));
    await client.flush({ timeoutMs: 10_000 });
    // Aedes acks the publisher before fanning out: wait until the subscriber has seen the batches.
    await waitFor(() => sampleIndexes(dedupe(sub1.batches).unique).length >= 10_000, 5000, 'subscriber 1');

    await broker.stop();
    await waitFor(() => !client.stats().connected, 5000, 'disconnect');
    for (let i = 10_000; i < 30_000; i += 1000) await client.record(samples(i, i + 1000));
    await new Promise((r) => setTimeout(r, 1200)); // let time-based sealing run while offline
    expect(client.stats().sealedBatches).toBeGreaterThan(0);
    expect(client.stats().sent.samples).toBe(10_000);

    broker = await startBroker({ port });
    const sub2 = await collectBatches(broker.url);
    await client.flush({ timeoutMs: 20_000 });
    const st = client.stats();
    expect(st.reconnects).toBeGreaterThanOrEqual(1);
    expect(st.sent.samples).toBe(30_000);
    await new Promise((r) => setTimeout(r, 100));
    const all: DeviceBatch[] = [...sub1.batches, ...sub2.batches];
    expect(checkComplete(sampleIndexes(dedupe(all).unique), 30_000)).toBeNull();
    expect(errors.some((e) => e.code === 'connect_failed')).toBe(true);
    await client.close();
    await sub1.close();
    await sub2.close();
    await broker.stop();
  });

  it('drops the oldest data first when the quota is exceeded, and counts it', async () => {
    const port = await freePort(); // nothing listens yet: the device is offline
    const drops: DroppedInfo[] = [];
    const client = await createClient({
      deviceId: 'dev-quota',
      tenant: 'acme',
      url: `mqtt://127.0.0.1:${port}`,
      storage: { path: path.join(dir, 'quota.db') },
      durability: 'normal',
      batch: { intervalMs: 1000, maxSamples: 1000, maxBytes: 16 * 1024 },
      retention: { maxBytes: 64 * 1024 },
      reconnect: fast,
    });
    client.on('dropped', (d) => drops.push(d));
    client.on('error', () => {});
    const N = 40_000;
    for (let i = 0; i < N; i += 1000) await client.record(samples(i, i + 1000));
    await new Promise((r) => setTimeout(r, 50));
    const st = client.stats();
    expect(st.outboxBytes).toBeLessThanOrEqual(64 * 1024);
    expect(st.dropped.samples).toBeGreaterThan(0);
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.every((d) => d.reason === 'quota')).toBe(true);
    expect(drops.reduce((s, d) => s + d.samples, 0)).toBe(st.dropped.samples);

    const broker = await startBroker({ port });
    const sub = await collectBatches(broker.url);
    await client.flush({ timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 100));
    const idx = sampleIndexes(dedupe(sub.batches).unique);
    // What survives is exactly the newest tail; dropped + delivered = recorded.
    const first = N - idx.length;
    expect(idx).toEqual(Array.from({ length: idx.length }, (_, k) => first + k));
    expect(client.stats().dropped.samples).toBe(first);
    await client.close();
    await sub.close();
    await broker.stop();
  });

  it('survives a full disk (SQLITE_FULL): reports, frees the oldest batches, never throws into the host', async () => {
    const port = await freePort();
    const storage = new SqliteStorage(path.join(dir, 'full.db'), { durability: 'normal', maxPageCount: 64 });
    const client = await createClient({
      deviceId: 'dev-full',
      tenant: 'acme',
      url: `mqtt://127.0.0.1:${port}`,
      storage,
      batch: { intervalMs: 1000, maxSamples: 1000, maxBytes: 16 * 1024 },
      reconnect: fast,
    });
    const errors: FleetwireError[] = [];
    client.on('error', (e) => errors.push(e));
    let resolved = 0;
    let rejected = 0;
    for (let i = 0; i < 60_000; i += 1000) {
      try {
        await client.record(samples(i, i + 1000));
        resolved++;
      } catch (e) {
        expect(e).toBeInstanceOf(StorageError);
        rejected++;
      }
    }
    expect(errors.some((e) => e.code === 'storage_full')).toBe(true);
    expect(client.stats().dropped.samples).toBeGreaterThan(0);
    expect(resolved).toBeGreaterThan(0);
    // Still usable afterwards.
    await client.record(samples(60_000, 60_010));
    console.log(`full disk: ${resolved} records resolved, ${rejected} rejected, dropped ${client.stats().dropped.samples} samples`);
    await client.close();
  });

  it('rotates a corrupt outbox file, reports it and keeps working', async () => {
    const db = path.join(dir, 'corrupt.db');
    fs.writeFileSync(db, Buffer.alloc(8192, 0x5a));
    const port = await freePort();
    const client = await createClient({ deviceId: 'dev-corrupt', tenant: 'acme', url: `mqtt://127.0.0.1:${port}`, storage: { path: db }, reconnect: fast });
    const errors: FleetwireError[] = [];
    client.on('error', (e) => errors.push(e));
    await new Promise((r) => setImmediate(r));
    expect(errors.map((e) => e.code)).toContain('storage_corrupt');
    expect(client.stats().lastError?.code).toBeDefined();
    const rotated = fs.readdirSync(dir).filter((f) => f.startsWith('corrupt.db.corrupt-'));
    expect(rotated.length).toBeGreaterThan(0);
    await client.record(samples(0, 100));
    expect(client.stats().stored).toBe(100);
    await client.close();
  });
});
