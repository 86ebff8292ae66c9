// The brokers the MQTT benches compare, each started on a free loopback port in this process (Aedes,
// fleetwire gateway) or as a child process (Mosquitto): { port, creds, close }.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@fleetwire/test-kit';
import { load } from './lib.js';
import type { LoadClient } from './lib-load.js';

export const BENCH_SECRET = 'bench-secret-0123456789abcdef';
export const BENCH_TENANT = 'bench';

export interface BenchBroker {
  name: string;
  port: number;
  /** Login for a device (the gateway wants a token; the baselines accept anyone). */
  creds(deviceId: string): { username?: string; password?: string };
  close(): Promise<void>;
  /** The gateway's sink name ("kafka" or "memory"). */
  sink?: string;
  /** Pid of the broker when it runs in a process of its own (else it runs in the bench process). */
  pid?: number;
  /** The gateway's HTTP port (MQTT over WebSocket at /mqtt) when started with httpPort. */
  httpPort?: number;
}

/** Device clients for a broker: unique ids per run, topic fw/<tenant>/<id>/up/batch. */
export function benchClients(b: BenchBroker, n: number, tag: string): LoadClient[] {
  const stamp = Date.now().toString(36);
  return Array.from({ length: n }, (_, i) => {
    const id = `${tag}-${i}-${stamp}`;
    return { clientId: id, deviceId: id, topic: `fw/${BENCH_TENANT}/${id}/up/batch`, ...b.creds(id) };
  });
}

export async function startBareAedes(): Promise<BenchBroker> {
  const { Aedes } = await load('aedes');
  const broker = await Aedes.createBroker();
  const server = net.createServer((s) => broker.handle(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    name: 'bare Aedes',
    port: (server.address() as net.AddressInfo).port,
    creds: () => ({}),
    close: async () => {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Eclipse Mosquitto (Debian package) when installed, else undefined. */
export async function startMosquitto(): Promise<BenchBroker | undefined> {
  const bin = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((f) => existsSync(f));
  if (!bin) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fw-mosq-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 0\nmax_queued_messages 0\nmax_connections -1\n`,
  );
  const child = spawn(bin, ['-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    const up = await new Promise<boolean>((r) => {
      const c = net.connect(port, '127.0.0.1', () => (c.destroy(), r(true)));
      c.on('error', () => r(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: 'Mosquitto',
    port,
    pid: child.pid,
    creds: () => ({}),
    close: async () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The fleetwire gateway: Kafka + Redis dedupe when FW_KAFKA_BROKERS / FW_REDIS_URL are set, else the memory sink. */
export async function startBenchGateway(extra: Record<string, unknown> = {}): Promise<BenchBroker> {
  const gw = await load('@fleetwire/gateway');
  const pino = (await load('pino')).pino;
  const brokers = process.env.FW_KAFKA_BROKERS;
  const suffix = `${Date.now().toString(36)}`;
  const g = await gw.startGateway({
    host: '127.0.0.1',
    mqttPort: 0,
    httpPort: null,
    tlsPort: null,
    tokenSecrets: [BENCH_SECRET],
    logger: pino({ level: 'warn' }),
    ...(brokers
      ? {
          kafkaBrokers: brokers.split(','),
          topics: { telemetry: `fwbench.gw.${suffix}.tel`, deadletter: `fwbench.gw.${suffix}.dl` },
          kafkaPartitions: 6,
          redisUrl: process.env.FW_REDIS_URL ?? null,
        }
      : { sink: new gw.MemorySink() }),
    ...extra,
  });
  const t0 = Date.now();
  while (!g.isReady() && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
  return {
    name: 'fleetwire gateway',
    port: g.ports.mqtt,
    ...(g.ports.http ? { httpPort: g.ports.http } : {}),
    sink: g.sink.name,
    creds: (id) => ({ username: id, password: gw.mintDeviceToken({ tenant: BENCH_TENANT, deviceId: id, secret: BENCH_SECRET, ttlSec: 3600 }) }),
    close: () => g.close(),
  };
}
