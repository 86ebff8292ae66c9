// A storage given as a promise (a browser's OPFS outbox, sqlite-wasm still loading): the client connects
// while it opens, replays what the link reported meanwhile, and sends the outbox's sealed batches as soon as
// it is open. Real Aedes over TCP, real SQLite outbox.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downlinkConfigTopic, fleetwire } from '@fleetwire/proto';
import { type AppliedConfig, createClient, SqliteStorage, StorageError } from '../src/index.js';
import { collectBatches, startBroker, type TestBroker, waitFor } from './helpers/broker.js';
import { samples } from './helpers/samples.js';

let dir: string;
let broker: TestBroker;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-sdk-sp-'));
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const later = <T>(ms: number, f: () => T) =>
  new Promise<T>((resolve, reject) =>
    setTimeout(() => {
      try {
        resolve(f());
      } catch (e) {
        reject(e);
      }
    }, ms),
  );

describe('storage as a promise', () => {
  it('connects while the outbox opens, then sends what was sealed offline and applies a config that came meanwhile', async () => {
    const db = path.join(dir, 'cold.db');
    const base = { deviceId: 'dev-sp', tenant: 'acme', batch: { intervalMs: 1000, maxSamples: 1000 } };
    // A previous run, offline: 5,000 samples sealed into the outbox.
    const offline = await createClient({ ...base, url: 'mqtt://127.0.0.1:1', storage: { path: db } });
    offline.on('error', () => {});
    await offline.record(samples(0, 5000));
    await offline.suspend();
    const sealed = offline.stats().sealedBatches;
    expect(sealed).toBeGreaterThanOrEqual(5);
    await offline.close();

    const sub = await collectBatches(broker.url);
    let connectedAt = 0;
    const onClient = (c: { id: string }) => {
      if (c.id.includes('dev-sp')) connectedAt = Date.now();
    };
    broker.aedes.on('client', onClient);
    // The broker holds a config for the device; it is delivered right after the subscription, before the
    // outbox is open.
    const cfg = fleetwire.v1.DeviceConfig.encode({ version: 7, batchIntervalMs: 2000 }).finish();
    broker.aedes.on('subscribe', (subs, client) => {
      if (client?.id.includes('dev-sp') && subs.some((s) => s.topic === downlinkConfigTopic('acme', 'dev-sp')))
        broker.aedes.publish(
          { cmd: 'publish', topic: downlinkConfigTopic('acme', 'dev-sp'), payload: Buffer.from(cfg), qos: 1, retain: false, dup: false },
          () => {},
        );
    });
    let resolvedAt = 0;
    const storage = later(600, () => {
      resolvedAt = Date.now();
      return new SqliteStorage(db, { durability: 'normal' });
    });
    const client = await createClient({ ...base, url: broker.url, storage });
    const configs: AppliedConfig[] = [];
    let connectedEvents = 0;
    client.on('config', (c) => configs.push(c));
    client.on('connected', () => connectedEvents++);
    expect(connectedAt).toBeGreaterThan(0); // logged in while the storage was still opening
    expect(connectedAt).toBeLessThan(resolvedAt);
    await client.flush({ timeoutMs: 10_000 });
    expect(client.stats().sent.samples).toBe(5000);
    await waitFor(() => sub.batches.filter((b) => b.deviceId === 'dev-sp').length >= sealed, 5000, 'batches at the subscriber');
    expect(connectedEvents).toBe(1); // the connect that happened before createClient resolved is still reported
    await waitFor(() => configs.length === 1, 5000, 'config');
    expect(client.config).toMatchObject({ version: 7, batchIntervalMs: 2000 });
    broker.aedes.removeListener('client', onClient);
    broker.aedes.removeAllListeners('subscribe');
    await client.close();
    await sub.close();
  });

  it('FAULT: a storage promise that rejects fails createClient with StorageError and leaves no connection behind', async () => {
    let dropped = 0;
    const onGone = (c: { id: string }) => {
      if (c.id.includes('dev-sp-fail')) dropped++;
    };
    broker.aedes.on('clientDisconnect', onGone);
    broker.aedes.on('clientError', onGone);
    let logins = 0;
    const onLogin = (c: { id: string }) => {
      if (c.id.includes('dev-sp-fail')) logins++;
    };
    broker.aedes.on('client', onLogin);
    const storage = later(300, () => {
      throw new Error('OPFS: NoModificationAllowedError (another tab holds the outbox)');
    });
    const err = await createClient({ deviceId: 'dev-sp-fail', tenant: 'acme', url: broker.url, storage }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).message).toContain('another tab holds the outbox');
    expect(logins).toBe(1); // it had logged in while the storage was opening
    await waitFor(() => dropped === 1, 5000, 'the link closed');
    expect(Object.keys((broker.aedes as unknown as { clients: Record<string, unknown> }).clients).some((id) => id.includes('dev-sp-fail'))).toBe(false);
    // A later client of the same device (the storage free again) works.
    const ok = await createClient({
      deviceId: 'dev-sp-fail',
      tenant: 'acme',
      url: broker.url,
      storage: Promise.resolve(new SqliteStorage(path.join(dir, 'ok.db'))),
    });
    await ok.record(samples(0, 10));
    await ok.flush({ timeoutMs: 10_000 });
    expect(ok.stats().sent.samples).toBe(10);
    await ok.close();
    broker.aedes.removeListener('clientDisconnect', onGone);
    broker.aedes.removeListener('clientError', onGone);
    broker.aedes.removeListener('client', onLogin);
  });
});
