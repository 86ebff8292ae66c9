import { uniq } from '@fleetwire/test-kit';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';

export { stackEnv, uniq } from '@fleetwire/test-kit';

export interface Consumed {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

function hdrs(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
  return out;
}

/** Reads `topic` from the beginning until `count` messages arrived (or timeout). */
export async function consume(brokers: string[], topic: string, count: number, timeoutMs = 60_000): Promise<Consumed[]> {
  const kafka = new Kafka({ clientId: uniq('gw-test-'), brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniq('gw-test-'), sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const out: Consumed[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${out.length}/${count} from ${topic} before timeout`)), timeoutMs);
      if (count === 0) {
        clearTimeout(timer);
        resolve();
        return;
      }
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            out.push({
              key: m.key?.toString() ?? '',
              value: m.value ?? Buffer.alloc(0),
              headers: hdrs(m.headers),
              partition: batch.partition,
              offset: m.offset,
            });
          }
          if (out.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
