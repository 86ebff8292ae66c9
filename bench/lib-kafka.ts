// A Kafka producer with the gateway's own settings (GATEWAY_PRODUCER: idempotent, one request in flight,
// its Java-compatible partitioner, its retries) on a fresh 6-partition topic of its own: the baselines
// that produce straight to Kafka.
import { GATEWAY_PRODUCER } from '@fleetwire/gateway';
import { provisionTopics } from '@fleetwire/proto';
import type { Producer } from 'kafkajs';
import { load } from './lib.js';

export async function gatewayLikeProducer(brokers: string[], clientId: string, topicPrefix: string): Promise<{ topic: string; producer: Producer }> {
  const { Kafka, logLevel } = await load('kafkajs');
  const kafka = new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING });
  const topic = `${topicPrefix}.${Date.now().toString(36)}`;
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(admin, [{ topic, numPartitions: 6 }]);
  await admin.disconnect();
  const producer: Producer = kafka.producer({ ...GATEWAY_PRODUCER });
  await producer.connect();
  return { topic, producer };
}
