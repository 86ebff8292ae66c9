// Gateway throughput (load from a separate process, bench/mqtt-load.worker.ts): QoS 1 msgs/s and publish->PUBACK latency (p50/p99) through the fleetwire gateway
// (auth + validation + dedupe + PUBACK after the sink ack) against a bare Aedes broker (no auth, no
// validation, PUBACK straight away) measured in the same run with the same clients and payloads.
// Sink: Kafka when FW_KAFKA_BROKERS is set (unique topic per run), else the in-memory sink.
// Knobs: FW_BENCH_GW_CLIENTS (20), FW_BENCH_GW_MESSAGES (1000 per client), FW_BENCH_GW_WINDOW (16 in flight per client).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisionTopics } from '@fleetwire/proto';
import { report } from './lib.js';
import { runLoad, type LoadResult } from './lib-load.js';
import { benchPayload } from './lib-payload.js';

const load = (m: string): Promise<any> => import(m);

const CLIENTS = Number(process.env.FW_BENCH_GW_CLIENTS ?? 20);
const PER_CLIENT = Number(process.env.FW_BENCH_GW_MESSAGES ?? 1000);
const WINDOW = Number(process.env.FW_BENCH_GW_WINDOW ?? 16);
const SECRET = 'bench-secret-0123456789abcdef';
const TENANT = 'bench';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

type Result = LoadResult;

/** CLIENTS connections from a separate load process, each keeping WINDOW QoS 1 publishes in flight. */
async function drive(port: number, creds: (deviceId: string) => { username?: string; password?: string }): Promise<Result> {
  const stamp = Date.now().toString(36);
  const clients = Array.from({ length: CLIENTS }, (_, i) => {
    const id = `bench-dev-${i}-${stamp}`;
    return { clientId: id, deviceId: id, topic: `fw/${TENANT}/${id}/up/batch`, ...creds(id) };
  });
  const r = await runLoad({ mode: 'publish', host: '127.0.0.1', port, clients, perClient: PER_CLIENT, window: WINDOW });
  if (r.connectFailures > 0 || r.acked !== CLIENTS * PER_CLIENT) throw new Error(`load run incomplete: ${JSON.stringify(r)}`);
  return r;
}

async function bareAedes(): Promise<Result> {
  const { Aedes } = await load('aedes');
  const broker = await Aedes.createBroker();
  const port = await freePort();
  const server = net.createServer((s) => broker.handle(s));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  try {
    return await drive(port, () => ({}));
  } finally {
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** Baseline: Eclipse Mosquitto (Debian package) on a free loopback port, when installed. */
async function mosquitto(): Promise<Result | undefined> {
  const bin = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((f) => existsSync(f));
  if (!bin) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fw-mosq-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 0\nmax_queued_messages 0\n`);
  const child = spawn(bin, ['-c', conf], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 50; i++) {
      const up = await new Promise<boolean>((r) => {
        const c = net.connect(port, '127.0.0.1', () => (c.destroy(), r(true)));
        c.on('error', () => r(false));
      });
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return await drive(port, () => ({}));
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function gateway(): Promise<{ r: Result; sinkName: string }> {
  const gw = await load('@fleetwire/gateway');
  const pino = (await load('pino')).pino;
  const brokers = process.env.FW_KAFKA_BROKERS;
  const suffix = `${Date.now().toString(36)}`;
  const g = await gw.startGateway({
    host: '127.0.0.1',
    mqttPort: 0,
    httpPort: null,
    tlsPort: null,
    tokenSecrets: [SECRET],
    logger: pino({ level: 'warn' }),
    ...(brokers
      ? { kafkaBrokers: brokers.split(','), topics: { telemetry: `fwbench.gw.${suffix}.tel`, deadletter: `fwbench.gw.${suffix}.dl` }, kafkaPartitions: 6, redisUrl: process.env.FW_REDIS_URL ?? null }
      : { sink: new gw.MemorySink() }),
  });
  try {
    const t0 = Date.now();
    while (!g.isReady() && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    const r = await drive(g.ports.mqtt, (id) => ({ username: id, password: gw.mintDeviceToken({ tenant: TENANT, deviceId: id, secret: SECRET, ttlSec: 3600 }) }));
    return { r, sinkName: g.sink.name };
  } finally {
    await g.close();
  }
}

/** Baseline: the same messages produced straight to Kafka with kafkajs (idempotent, acks=all, 16 per send). */
async function rawKafka(): Promise<number | undefined> {
  const brokers = process.env.FW_KAFKA_BROKERS;
  if (!brokers) return undefined;
  const { Kafka, logLevel } = await load('kafkajs');
  const kafka = new Kafka({ brokers: brokers.split(','), clientId: 'fw-bench-raw', logLevel: logLevel.NOTHING });
  const topic = `fwbench.raw.${Date.now().toString(36)}`;
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(admin, [{ topic, numPartitions: 6 }]);
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const id = `raw-${c}`;
        for (let i = 0; i < PER_CLIENT; i += WINDOW) {
          const messages = Array.from({ length: Math.min(WINDOW, PER_CLIENT - i) }, (_, k) => ({ key: id, value: benchPayload(id, i + k + 1) }));
          await producer.send({ topic, acks: -1, messages });
        }
      }),
    );
    return (CLIENTS * PER_CLIENT * 1000) / (performance.now() - t0);
  } finally {
    await producer.disconnect();
  }
}

const base = await bareAedes();
const mosq = await mosquitto();
const raw = await rawKafka();
const { r, sinkName } = await gateway();
const note = `${CLIENTS} clients x ${PER_CLIENT} msgs, window ${WINDOW}, ~${benchPayload('x', 1).length} B DeviceBatch, load from a separate process, sink=${sinkName}`;
report({ bench: 'gateway-throughput', metric: `QoS1 msgs/s (PUBACK after ${sinkName} ack)`, unit: 'msg/s', value: r.rate, baseline: 'bare Aedes, PUBACK at once', baselineValue: base.rate, note });
if (mosq) {
  report({ bench: 'gateway-throughput', metric: `QoS1 msgs/s (PUBACK after ${sinkName} ack)`, unit: 'msg/s', value: r.rate, baseline: 'Mosquitto, PUBACK at once', baselineValue: mosq.rate, note });
  report({ bench: 'gateway-throughput', metric: 'publish->PUBACK p99', unit: 'ms', value: r.p99, baseline: 'Mosquitto', baselineValue: mosq.p99, lowerIsBetter: true, note });
} else process.stderr.write('mosquitto not installed (apt-get install mosquitto): Mosquitto baseline skipped\n');
if (raw !== undefined) report({ bench: 'gateway-throughput', metric: `QoS1 msgs/s (PUBACK after ${sinkName} ack)`, unit: 'msg/s', value: r.rate, baseline: 'kafkajs raw produce, same msgs', baselineValue: raw, note });
report({ bench: 'gateway-throughput', metric: 'publish->PUBACK p50', unit: 'ms', value: r.p50, baseline: 'bare Aedes', baselineValue: base.p50, lowerIsBetter: true, note });
report({ bench: 'gateway-throughput', metric: 'publish->PUBACK p99', unit: 'ms', value: r.p99, baseline: 'bare Aedes', baselineValue: base.p99, lowerIsBetter: true, note });
