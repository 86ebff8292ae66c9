// Reads a telemetry topic from the beginning up to its current end and tallies the records by
// idempotency key (tenant, device_id, boot_id, seq): how many records Kafka holds and how many are resends.
import { accelColumns, batchKey, decodeTelemetryRecord, gpsColumns, identityKey } from '@fleetwire/proto';
import type { Kafka } from 'kafkajs';
import { until, uniq } from './env.js';

export interface KafkaTally {
  records: number;
  distinctKeys: number;
  /** Records whose key was already seen (absorbed by the scorer's idempotency check). */
  duplicates: number;
  /** Keyed by device identity "<tenant>/<device>". */
  samplesByDevice: Map<string, number>;
  undecodable: number;
}

export async function tallyTopic(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<KafkaTally> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const target = new Map(ends.map((p) => [p.partition, Number(p.high)]));
  const reached = new Map<number, number>();
  const total = [...target.values()].reduce((a, b) => a + b, 0);
  const keys = new Set<string>();
  const t: KafkaTally = { records: 0, distinctKeys: 0, duplicates: 0, samplesByDevice: new Map(), undecodable: 0 };
  if (total === 0) return t;
  const consumer = kafka.consumer({ groupId: uniq('tally-') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const off = Number(message.offset);
      if (off >= (target.get(partition) ?? 0)) return;
      reached.set(partition, off + 1);
      t.records++;
      const r = message.value ? decodeTelemetryRecord(message.value) : null;
      if (!r || !r.ok) return void t.undecodable++;
      const b = r.value.batch!;
      const k = batchKey(r.value.tenant, b.deviceId ?? '', b.bootId ?? '', String(b.seq));
      if (keys.has(k)) return void t.duplicates++;
      keys.add(k);
      const n = gpsColumns(b.gps).t.length + accelColumns(b.accel).t.length;
      const dev = identityKey(r.value.tenant, b.deviceId ?? '');
      t.samplesByDevice.set(dev, (t.samplesByDevice.get(dev) ?? 0) + n);
    },
  });
  try {
    await until(`reading ${total} records of ${topic}`, () => [...target].every(([p, hi]) => hi === 0 || (reached.get(p) ?? 0) >= hi), timeoutMs, 100);
  } finally {
    await consumer.disconnect();
  }
  t.distinctKeys = keys.size;
  return t;
}
