// Real Aedes broker on a random loopback port (plain TCP or TLS), and a subscriber that decodes batches.
import net from 'node:net';
import tls from 'node:tls';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { decodeDeviceBatch, type DeviceBatch } from '@fleetwire/proto';

export interface TestBroker {
  aedes: Aedes;
  port: number;
  url: string;
  server: net.Server;
  stop(): Promise<void>;
}

export async function startBroker(opts: { port?: number; tls?: { key: string | Buffer; cert: string | Buffer } } = {}): Promise<TestBroker> {
  const aedes = await Aedes.createBroker();
  const server = opts.tls ? tls.createServer({ key: opts.tls.key, cert: opts.tls.cert }, aedes.handle) : net.createServer(aedes.handle);
  const sockets = new Set<net.Socket>();
  server.on(opts.tls ? 'secureConnection' : 'connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    aedes,
    port,
    server,
    url: `${opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}

/** Subscribes to all uplink batches on the broker and keeps the decoded ones (and decode failures). */
export async function collectBatches(url: string): Promise<{ batches: DeviceBatch[]; errors: string[]; close(): Promise<void> }> {
  const batches: DeviceBatch[] = [];
  const errors: string[] = [];
  const c = mqtt.connect(url, { clientId: `collector-${Math.random().toString(36).slice(2)}`, reconnectPeriod: 200, protocolVersion: 4 });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  await c.subscribeAsync('fw/+/+/up/batch', { qos: 1 });
  c.on('message', (_t, payload) => {
    const r = decodeDeviceBatch(payload);
    if (r.ok) batches.push(r.value);
    else errors.push(`${r.error.code}: ${r.error.message}`);
  });
  return { batches, errors, close: async () => void (await c.endAsync(true)) };
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
