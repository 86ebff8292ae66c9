// Kafka unreachable: the gateway must not PUBACK anything Kafka did not acknowledge.
import net from 'node:net';
import { decodeTelemetryRecord, uplinkBatchTopic } from '@fleetwire/proto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../src/gateway.js';
import { consume, stackEnv, uniq } from './helpers/kafka.js';
import { batchBytes, connectDevice, freePort, quiet, SECRET, sleep, waitFor } from './helpers/fixtures.js';

const closedPort = freePort;

let gw: Gateway | undefined;
afterAll(async () => {
  await gw?.close();
});

describe('Kafka unreachable', () => {
  it('sends no PUBACK, reports not ready, and drops the client on shutdown without acking', async () => {
    stackEnv(); // same env contract as the other integration files
    const port = await closedPort();
    gw = await startGateway({
      host: '127.0.0.1',
      mqttPort: 0,
      httpPort: 0,
      kafkaBrokers: [`127.0.0.1:${port}`],
      kafkaCreateTopics: false,
      tokenSecrets: [SECRET],
      logger: pino(quiet),
      drainTimeoutMs: 200,
      dedupeTtlSec: 0,
    });
    expect(gw.isReady()).toBe(false);
    const readyz = await fetch(`http://127.0.0.1:${gw.ports.http}/readyz`);
    expect(readyz.status).toBe(503);
    // The body says why: here the producer never connected.
    expect(await readyz.text()).toBe(`not ready: not connected to Kafka (127.0.0.1:${port})\n`);
    expect(gw.notReadyReason()).toBe(`not connected to Kafka (127.0.0.1:${port})`);
    const d = await connectDevice(`mqtt://127.0.0.1:${gw.ports.mqtt}`, 'acme', 'fault-1');
    let acked = 0;
    let failed = 0;
    for (let s = 0; s < 5; s++) {
      d.client.publishAsync(uplinkBatchTopic('acme', 'fault-1'), Buffer.from(batchBytes('fault-1', s)), { qos: 1 }).then(
        () => acked++,
        () => failed++,
      );
    }
    await sleep(3000);
    expect(acked).toBe(0);
    expect(gw.metrics.inflight.get()).toBeGreaterThan(0);
    expect(gw.metrics.messages.get({ outcome: 'accepted' })).toBe(0);
    const closed = new Promise<void>((r) => d.client.once('close', () => r()));
    await gw.close();
    gw = undefined;
    await closed;
    await sleep(100);
    expect(acked).toBe(0);
    d.client.end(true);
    await waitFor(() => failed + acked === 5 || !d.client.connected, 2000, 'client end');
  });

  it('acks messages held during the outage once Kafka becomes reachable, none lost, in order', async () => {
    const env = stackEnv();
    // Bootstrap through a port that refuses connections until we start a TCP relay to the real broker on it.
    const port = await closedPort();
    const [kh, kp] = env.brokers[0]!.split(':') as [string, string];
    const topics = { telemetry: uniq('fwtest.gw.fault.'), deadletter: uniq('fwtest.gw.faultdl.') };
    const g = await startGateway({
      host: '127.0.0.1',
      mqttPort: 0,
      httpPort: null,
      kafkaBrokers: [`127.0.0.1:${port}`],
      topics,
      kafkaPartitions: 1,
      tokenSecrets: [SECRET],
      logger: pino(quiet),
      dedupeTtlSec: 0,
      ackTimeoutMs: 60_000,
    });
    const relayed = new Set<net.Socket>();
    const relay = net.createServer((c) => {
      const up = net.connect(Number(kp), kh);
      relayed.add(c).add(up);
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    try {
      const d = await connectDevice(`mqtt://127.0.0.1:${g.ports.mqtt}`, 'acme', 'fault-2');
      let acked = 0;
      const pubs = Array.from({ length: 10 }, (_, s) =>
        d.client.publishAsync(uplinkBatchTopic('acme', 'fault-2'), Buffer.from(batchBytes('fault-2', s)), { qos: 1 }).then(() => acked++),
      );
      await sleep(1500);
      expect(acked).toBe(0);
      await new Promise<void>((r) => relay.listen(port, '127.0.0.1', () => r()));
      await Promise.all(pubs);
      expect(acked).toBe(10);
      const got = await consume(env.brokers, topics.telemetry, 10, 30_000);
      expect(got.map((m) => m.key)).toEqual(new Array(10).fill('acme/fault-2'));
      const seqs = got.map((m) => {
        const r = decodeTelemetryRecord(m.value);
        return r.ok ? Number(r.value.batch!.seq) : -1;
      });
      expect(seqs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await d.client.endAsync();
    } finally {
      await g.close();
      relay.close();
      for (const s of relayed) s.destroy();
    }
  });
});
