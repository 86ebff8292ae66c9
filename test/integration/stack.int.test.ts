// Smoke test of the real test stack (scripts/stack up): Kafka round trip, Postgres, Redis.
// Reads FW_KAFKA_BROKERS, FW_DATABASE_URL, FW_REDIS_URL (eval "$(scripts/stack env)").
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { provisionTopics } from '@fleetwire/proto';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const { Kafka, Partitioners, logLevel } = kafkajs;

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: run \`scripts/stack up && eval "$(scripts/stack env)"\` or \`npm test\``);
  }
  return v;
}

describe('test stack', () => {
  it('kafka: create topic, produce, consume the same message back', async () => {
    const brokers = requireEnv('FW_KAFKA_BROKERS').split(',');
    const kafka = new Kafka({ clientId: 'fw-stack-smoke', brokers, logLevel: logLevel.WARN });
    const topic = `fw.smoke.${randomUUID()}`;
    const admin = kafka.admin();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({ groupId: `fw-smoke-${randomUUID()}` });
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
      expect(await provisionTopics(admin, [{ topic, numPartitions: 2, replicationFactor: 1 }])).toEqual([topic]);
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(meta.topics[0]?.partitions).toHaveLength(2);

      await producer.connect();
      const value = `hello ${randomUUID()}`;
      const sent = await producer.send({
        topic,
        acks: -1,
        messages: [{ key: 'dev-1', value, headers: { schema: 'smoke.v1' } }],
      });
      expect(sent[0]?.errorCode).toBe(0);

      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<{ key: string; value: string; schema: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message consumed within 60 s')), 60_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve({
              key: message.key?.toString() ?? '',
              value: message.value?.toString() ?? '',
              schema: message.headers?.schema?.toString() ?? '',
            });
          },
        });
      });
      expect(received).toEqual({ key: 'dev-1', value, schema: 'smoke.v1' });
    } finally {
      await consumer.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect().catch(() => {});
    }
  });

  it('postgres: select 1 and a temp table round trip', async () => {
    const client = new pg.Client({ connectionString: requireEnv('FW_DATABASE_URL') });
    await client.connect();
    try {
      const one = await client.query<{ one: number }>('select 1 as one');
      expect(one.rows).toEqual([{ one: 1 }]);
      await client.query('create temp table smoke (id int primary key, note text not null)');
      await client.query('insert into smoke (id, note) values ($1, $2), ($3, $4)', [1, 'a', 2, 'b']);
      const rows = await client.query<{ id: number; note: string }>('select id, note from smoke order by id');
      expect(rows.rows).toEqual([
        { id: 1, note: 'a' },
        { id: 2, note: 'b' },
      ]);
      const db = await client.query<{ db: string }>('select current_database() as db');
      expect(db.rows[0]?.db).toBeTruthy();
    } finally {
      await client.end();
    }
  });

  it('redis: PING, SET/GET, expiry', async () => {
    const redis = new Redis(requireEnv('FW_REDIS_URL'), { maxRetriesPerRequest: 2, lazyConnect: true });
    await redis.connect();
    try {
      expect(await redis.ping()).toBe('PONG');
      const key = `fw:smoke:${randomUUID()}`;
      expect(await redis.set(key, 'value-1', 'EX', 30)).toBe('OK');
      expect(await redis.get(key)).toBe('value-1');
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30);
      expect(await redis.del(key)).toBe(1);
      expect(await redis.get(key)).toBeNull();
    } finally {
      redis.disconnect();
    }
  });
});
