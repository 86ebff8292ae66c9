// Order and completeness over 100k samples through a real Aedes broker and a real SQLite outbox.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type FleetwireClient } from '../src/index.js';
import { collectBatches, startBroker, type TestBroker, waitFor } from './helpers/broker.js';
import { checkComplete, dedupe, sampleIndexes, samples } from './helpers/samples.js';

let dir: string;
let broker: TestBroker;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-sdk-up-'));
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('uplink', () => {
  it('delivers 100k samples once each, in order', async () => {
    const sub = await collectBatches(broker.url);
    const client: FleetwireClient = await createClient({
      deviceId: 'dev-order',
      tenant: 'acme',
      url: broker.url,
      storage: { path: path.join(dir, 'order.db') },
      durability: 'normal',
      batch: { intervalMs: 1000, maxSamples: 5000 },
    });
    const N = 100_000;
    const pending: Promise<void>[] = [];
    for (let i = 0; i < N; i += 500) pending.push(client.record(samples(i, i + 500)));
    await Promise.all(pending);
    expect(client.stats().stored).toBe(N);
    await client.flush({ timeoutMs: 30_000 });
    const st = client.stats();
    expect(st.sent.samples).toBe(N);
    expect(st.sealedBatches).toBe(0);
    expect(st.pendingSamples).toBe(0);
    await waitFor(
      () => dedupe(sub.batches).unique.reduce((s, b) => s + (b.accel?.tDeltaMs?.length ?? 0) + (b.gps?.tDeltaMs?.length ?? 0), 0) >= N,
      10_000,
      'subscriber',
    );
    expect(sub.errors).toEqual([]);
    const { unique } = dedupe(sub.batches);
    expect(unique.every((b) => b.bootId === st.bootId && b.deviceId === 'dev-order')).toBe(true);
    const seqs = unique.map((b) => Number(b.seq));
    expect(seqs).toEqual(seqs.map((_, k) => seqs[0]! + k));
    expect(checkComplete(sampleIndexes(unique), N)).toBeNull();
    await client.close();
    await sub.close();
  });
});
