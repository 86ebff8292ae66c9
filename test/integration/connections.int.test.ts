// 10,000 concurrent authenticated MQTT connections held by one gateway (issue #4), with the real Kafka
// bridge and Redis dedupe. The clients live in a separate process (bench/mqtt-load.worker, raw
// mqtt-packet sockets), each logs in with its own device token and publishes one batch, then all stay
// connected with keepalive pings. FAULT: the client process is SIGKILLed, dropping every socket at once;
// the gateway must notice all of them, stay ready, and keep serving a new device.
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDeviceToken, startGateway, type Gateway } from '@fleetwire/gateway';
import { startLoad, type LoadRun } from '../../bench/lib-load.js';
import { until } from '../helpers/env.js';

const SECRET = 'connections-test-secret-0123456789';
const TENANT = 'conn';

/** 10,000, or fewer when this process may not open that many sockets (the soft fd limit). */
function targetConnections(): number {
  const lim = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  const soft = lim ? Number(lim[1]) : 1024;
  return Math.min(10_000, soft - 1_000);
}

const N = targetConnections();
const stamp = Date.now().toString(36);
const topics = { telemetry: `fwtest.conn.${stamp}.tel`, deadletter: `fwtest.conn.${stamp}.dl` };
let gw: Gateway;
let load: LoadRun | undefined;

beforeAll(async () => {
  gw = await startGateway({
    host: '127.0.0.1',
    mqttPort: 0,
    httpPort: null,
    tlsPort: null,
    kafkaBrokers: process.env.FW_KAFKA_BROKERS!.split(','),
    kafkaCreateTopics: true,
    kafkaPartitions: 6,
    topics,
    redisUrl: process.env.FW_REDIS_URL!,
    tokenSecrets: [SECRET],
    logger: pino({ level: 'warn' }),
  });
  await until('gateway ready', () => gw.isReady(), 30_000);
});

afterAll(async () => {
  load?.child.kill('SIGKILL');
  await gw?.close();
});

/** Records in a topic (sum of partition end - start offsets). */
async function recordsIn(topic: string): Promise<number> {
  const admin = new Kafka({ brokers: process.env.FW_KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((a, o) => a + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

describe(`gateway holds ${N} concurrent device connections`, () => {
  it('all log in, publish once (bridged to Kafka), stay connected; a mass drop is noticed and survived', async () => {
    expect(N).toBeGreaterThanOrEqual(5_000);
    const port = gw.ports.mqtt!;
    const clients = Array.from({ length: N }, (_, i) => {
      const id = `c${i}-${stamp}`;
      return {
        clientId: id,
        deviceId: id,
        topic: `fw/${TENANT}/${id}/up/batch`,
        username: id,
        password: mintDeviceToken({ tenant: TENANT, deviceId: id, secret: SECRET, ttlSec: 3600 }),
      };
    });
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    load = startLoad({ mode: 'hold', host: '127.0.0.1', port, clients, perClient: 1, window: 1, connectConcurrency: 500, keepaliveSec: 10 });
    const ready = await load.ready;
    expect(ready.errors).toEqual([]);
    expect(ready.connectFailures).toBe(0);
    expect(ready.connected).toBe(N);
    expect(ready.acked).toBe(N);
    expect(gw.metrics.connections.get({ transport: 'tcp' })).toBe(N);
    const rssHeld = process.memoryUsage().rss;

    // Held past one keepalive period (10 s keepalive: Aedes drops a silent client after 15 s).
    await new Promise((r) => setTimeout(r, 16_000));
    expect(gw.metrics.connections.get({ transport: 'tcp' })).toBe(N);
    // Every uplink was PUBACKed only after Kafka acked it (acks=all), so all N are in the log now.
    expect(await recordsIn(topics.telemetry)).toBe(N);
    const kbPerConn = (rssHeld - rssBefore) / 1024 / N;
    console.log(
      `[connections] ${N} held; connect ${Math.round(ready.connectMs)} ms (${Math.round((N * 1000) / ready.connectMs)}/s); gateway RSS +${Math.round((rssHeld - rssBefore) / 1e6)} MB (${kbPerConn.toFixed(1)} KB per connection)`,
    );

    // FAULT: every client vanishes at once (no DISCONNECT, sockets reset by the kernel).
    load.child.kill('SIGKILL');
    await until('all connections noticed closed', () => gw.metrics.connections.get({ transport: 'tcp' }) === 0, 30_000);
    expect(gw.isReady()).toBe(true);
    const after = startLoad({ mode: 'publish', host: '127.0.0.1', port, clients: clients.slice(0, 5), perClient: 3, window: 1 });
    const r = await after.done;
    expect(r.connected).toBe(5);
    expect(r.acked).toBe(15);
  }, 180_000);
});
