// KafkaSource.drained() on real Kafka: true only once the group committed everything the topic held.
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, ensureTopics, KafkaSource } from '../src/adapters/kafka/kafka.js';
import { stackEnv, uniq } from './int-helpers.js';

const env = stackEnv();
const id = uniq('drained');
const topic = `fw.telemetry.v1.${id}`;
const empty = `fw.telemetry.v1.${id}.empty`;
const N = 60;
let kafka: Kafka;

beforeAll(async () => {
  kafka = createKafka({ brokers: env.brokers, clientId: id });
  await ensureTopics(kafka, [topic, empty], 3);
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: N }, (_, i) => ({ key: `dev-${i % 7}`, value: Buffer.from(String(i)) })) });
  await producer.disconnect();
});

describe('KafkaSource.drained', () => {
  const sources: KafkaSource[] = [];
  afterAll(async () => {
    for (const s of sources) await s.stop().catch(() => undefined);
  });

  it('is true at once for an empty topic, with no consumer running', async () => {
    expect(await new KafkaSource(kafka, { topic: empty, groupId: `${id}-empty` }).drained(5_000)).toBe(true);
  });

  it('is false while nothing consumes the records (bounded by its timeout)', async () => {
    const t0 = Date.now();
    expect(await new KafkaSource(kafka, { topic, groupId: `${id}-idle` }).drained(600)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
  });

  it('turns true only after a slow handler (failing once) handled and committed every record', async () => {
    const handled = new Set<string>();
    let failures = 0;
    const source = new KafkaSource(kafka, { topic, groupId: `${id}-slow` });
    sources.push(source);
    await source.start(async (batch) => {
      await new Promise((r) => setTimeout(r, 150));
      if (failures === 0) {
        failures++;
        throw new Error('handler fault: the batch must come again and the source must not count as drained');
      }
      for (const m of batch.messages) handled.add(m.value!.toString());
    });
    expect(await source.drained(60_000)).toBe(true);
    expect(failures).toBe(1);
    expect(handled.size).toBe(N);
  });
});
