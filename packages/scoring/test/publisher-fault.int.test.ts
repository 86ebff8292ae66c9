// KafkaPublisher whose first send falls inside a Kafka outage (found by the chaos suite: the rejected
// connect() was cached, so every later send failed at once with the old ECONNREFUSED and the scorer
// looped forever after Kafka came back). The bootstrap address is a relay to the real broker that is
// closed at first and opened later.
import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka, ensureTopics, KafkaPublisher } from '../src/adapters/kafka/kafka.js';
import { freePort, stackEnv, uniq } from './int-helpers.js';

const env = stackEnv();
const sockets = new Set<net.Socket>();
let relay: net.Server | null = null;
afterAll(() => {
  relay?.close();
  for (const s of sockets) s.destroy();
});

describe('KafkaPublisher across a Kafka outage', () => {
  it('fails while Kafka is unreachable, then delivers once it is back (no cached connect failure)', async () => {
    const topic = uniq('fwtest.pub.fault.');
    const real = new Kafka({ brokers: env.brokers, logLevel: logLevel.NOTHING });
    await ensureTopics(real, [topic], 1);
    const port = await freePort();
    const [kh, kp] = env.brokers[0]!.split(':') as [string, string];
    const kafka = createKafka({ brokers: [`127.0.0.1:${port}`], clientId: uniq('pubfault') });
    const pub = new KafkaPublisher(kafka);
    const msg = (i: number) => [{ key: 'dev-1', value: new TextEncoder().encode(`m${i}`), headers: { schema: 'test' } }];
    try {
      await expect(pub.send(topic, msg(0))).rejects.toThrow(/ECONNREFUSED|Connection error|connect/i);
      expect(pub.resets).toBe(1);
      relay = net.createServer((c) => {
        const up = net.connect(Number(kp), kh);
        sockets.add(c).add(up);
        c.pipe(up).pipe(c);
        c.on('error', () => up.destroy());
        up.on('error', () => c.destroy());
      });
      await new Promise<void>((r) => relay!.listen(port, '127.0.0.1', () => r()));
      await pub.send(topic, msg(1));
      await pub.send(topic, msg(2));
      const admin = real.admin();
      await admin.connect();
      const offs = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      expect(offs.reduce((a, o) => a + Number(o.high), 0)).toBe(2);
      expect(pub.resets).toBe(1);
    } finally {
      await pub.close();
    }
  }, 120_000);
});
