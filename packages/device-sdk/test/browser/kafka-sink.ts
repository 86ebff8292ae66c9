// Reads what the gateway wrote to a telemetry topic for one device: the decoded batches, for counting
// samples once by (device_id, boot_id, seq).
import { type DeviceBatch, decodeTelemetryRecord } from '@fleetwire/proto';
import { uniq } from '@fleetwire/test-kit';
import type { Kafka } from 'kafkajs';

export interface DeviceTap {
  batches: DeviceBatch[];
  close(): Promise<void>;
}

export async function tapDevice(kafka: Kafka, topic: string, deviceId: string): Promise<DeviceTap> {
  const batches: DeviceBatch[] = [];
  const consumer = kafka.consumer({ groupId: uniq('sdk-browser-') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const r = message.value ? decodeTelemetryRecord(message.value) : null;
      if (r?.ok && r.value.batch?.deviceId === deviceId) batches.push(r.value.batch as DeviceBatch);
    },
  });
  return { batches, close: () => consumer.disconnect() };
}
