// TLS (self-signed cert made by openssl at test time) and WebSocket transports, plus the downlink config.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import { downlinkConfigTopic, fleetwire } from '@fleetwire/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { type AppliedConfig, createClient, type FleetwireError } from '../src/index.js';
import { startBroker, type TestBroker, waitFor } from './helpers/broker.js';
import { samples } from './helpers/samples.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-sdk-tr-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function publish(b: TestBroker, topic: string, payload: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) =>
    b.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (e) => (e ? reject(e) : resolve())),
  );
}

describe('transports', () => {
  it('sends over mqtts:// with a self-signed CA', async () => {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'pipe' },
    );
    const broker = await startBroker({ tls: { key: fs.readFileSync(key), cert: fs.readFileSync(cert) } });
    expect(broker.url.startsWith('mqtts://')).toBe(true);
    const client = await createClient({ deviceId: 'dev-tls', tenant: 'acme', url: broker.url, storage: { memory: true }, tls: { ca: fs.readFileSync(cert) } });
    await client.record(samples(0, 2000));
    await client.flush({ timeoutMs: 10_000 });
    expect(client.stats().sent.samples).toBe(2000);
    await client.close();

    // Without the CA the certificate is refused and nothing is sent.
    const bad = await createClient({
      deviceId: 'dev-tls2',
      tenant: 'acme',
      url: broker.url,
      storage: { memory: true },
      reconnect: { initialDelayMs: 50, maxDelayMs: 100 },
    });
    const errors: FleetwireError[] = [];
    bad.on('error', (e) => errors.push(e));
    await bad.record(samples(0, 10));
    await expect(bad.flush({ timeoutMs: 500 })).rejects.toMatchObject({ code: 'flush_timeout' });
    expect(errors.some((e) => e.code === 'connect_failed')).toBe(true);
    await bad.close();
    await broker.stop();
  });

  it('sends over ws://', async () => {
    const aedes = await Aedes.createBroker();
    const server = http.createServer();
    const wss = new WebSocketServer({ server, path: '/mqtt' });
    wss.on('connection', (ws, req) => aedes.handle(createWebSocketStream(ws) as unknown as net.Socket, req));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const client = await createClient({ deviceId: 'dev-ws', tenant: 'acme', url: `ws://127.0.0.1:${port}/mqtt`, storage: { memory: true } });
    await client.record(samples(0, 2000));
    await client.flush({ timeoutMs: 10_000 });
    expect(client.stats().sent.samples).toBe(2000);
    await client.close();
    for (const c of wss.clients) c.terminate();
    wss.close();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => aedes.close(() => r()));
  });

  it('applies a newer downlink config, persists it, and ignores stale or bad ones', async () => {
    const broker = await startBroker();
    const db = path.join(dir, 'config.db');
    const opts = { deviceId: 'dev-cfg', tenant: 'acme', url: broker.url, storage: { path: db }, detection: true } as const;
    const client = await createClient(opts);
    const configs: AppliedConfig[] = [];
    const errors: FleetwireError[] = [];
    client.on('config', (c) => configs.push(c));
    client.on('error', (e) => errors.push(e));
    await waitFor(() => client.stats().connected, 5000, 'connect');
    await new Promise((r) => setTimeout(r, 100)); // subscription settles
    const topic = downlinkConfigTopic('acme', 'dev-cfg');
    const enc = (c: fleetwire.v1.IDeviceConfig) => fleetwire.v1.DeviceConfig.encode(c).finish();
    await publish(broker, topic, enc({ version: 3, batchIntervalMs: 2000, harshBrakingMg: 450, accelRateHz: 50 }));
    await waitFor(() => configs.length === 1, 5000, 'config v3');
    expect(client.config).toMatchObject({ version: 3, batchIntervalMs: 2000, harshBrakingMg: 450, accelRateHz: 50 });
    await publish(broker, topic, enc({ version: 2, batchIntervalMs: 9000 })); // stale: ignored
    await publish(broker, topic, enc({ version: 4, batchIntervalMs: 999_999 })); // out of range: error
    await publish(broker, topic, Buffer.from([0xff, 0xff, 0xff])); // not protobuf: error
    await waitFor(() => errors.filter((e) => e.code === 'remote_config_invalid').length === 2, 5000, 'config errors');
    expect(client.config.version).toBe(3);
    expect(client.config.batchIntervalMs).toBe(2000);
    expect(configs.length).toBe(1);
    await client.close();

    const again = await createClient(opts);
    expect(again.config).toMatchObject({ version: 3, batchIntervalMs: 2000, harshBrakingMg: 450 });
    expect(again.stats().appliedConfigVersion).toBe(3);
    await again.close();
    await broker.stop();
  });
});
