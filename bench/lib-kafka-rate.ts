// The Kafka path alone at a fixed offered rate: what publish->PUBACK latency a bridge that costs nothing but
// kafkajs and the Kafka broker could reach. Messages of CLIENTS devices come due on the same schedule as the
// MQTT load's rate mode; one idempotent producer (acks=all, one request in flight, the gateway's settings)
// sends them in batches that linger like the gateway's (up to maxBatch per request). Latency per message is
// due -> Kafka ack. Runs in the calling process; nothing else should share it.
import { percentile } from './lib.js';
import { gatewayLikeProducer } from './lib-kafka.js';
import { benchPayload } from './lib-payload.js';

export interface KafkaRateSpec {
  brokers: string[];
  /** Total messages per second offered. */
  rate: number;
  clients: number;
  secs: number;
  /** Seconds of the same load first, left out of p50/p99. */
  warmupSec: number;
  lingerMs: number;
  maxBatch: number;
}

export interface KafkaRateResult {
  sent: number;
  p50: number;
  p99: number;
  p99BySecond: number[];
}

export async function kafkaAtRate(s: KafkaRateSpec): Promise<KafkaRateResult> {
  const { topic, producer } = await gatewayLikeProducer(s.brokers, 'fw-bench-kafka-rate', 'fwbench.rate');
  const headers = { schema: Buffer.from('fleetwire.v1.TelemetryRecord'), tenant: Buffer.from('bench') };
  const perClientRate = s.rate / s.clients;
  const perClient = Math.max(1, Math.round(perClientRate * (s.secs + s.warmupSec)));
  const total = perClient * s.clients;
  const offsets = Array.from({ length: s.clients }, (_, i) => (i / s.clients) * (1000 / perClientRate));
  const sent = new Array<number>(s.clients).fill(0);
  const queue: Array<{ due: number; key: string; value: Buffer }> = [];
  const lat: number[] = [];
  const perSec: number[][] = [];
  const t0 = performance.now();
  let acked = 0;
  // Producer side: every 2 ms, enqueue what has come due (the MQTT load generator's tick).
  const tick = setInterval(() => {
    const el = performance.now() - t0;
    for (let i = 0; i < s.clients; i++) {
      const due = Math.min(perClient, Math.floor(((el - offsets[i]!) * perClientRate) / 1000) + 1);
      while (sent[i]! < due) {
        const seq = ++sent[i]!;
        queue.push({ due: t0 + offsets[i]! + ((seq - 1) * 1000) / perClientRate, key: `rate-${i}`, value: benchPayload(`rate-${i}`, seq) });
      }
    }
  }, 2);
  try {
    // Sender: the oldest queued message waits out its linger, then up to maxBatch go in one request.
    while (acked < total) {
      if (queue.length === 0) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      const wait = queue[0]!.due + s.lingerMs - performance.now();
      if (wait > 0.5 && queue.length < s.maxBatch) {
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      const batch = queue.splice(0, s.maxBatch);
      await producer.send({ topic, acks: -1, messages: batch.map((m) => ({ key: m.key, value: m.value, headers })) });
      const now = performance.now();
      for (const m of batch) {
        const ms = now - m.due;
        const sec = Math.floor((m.due - t0) / 1000);
        (perSec[sec] ??= []).push(ms);
        if (sec >= s.warmupSec) lat.push(ms);
      }
      acked += batch.length;
    }
  } finally {
    clearInterval(tick);
    await producer.disconnect();
  }
  lat.sort((a, b) => a - b);
  return {
    sent: acked,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    p99BySecond: perSec.map((xs) =>
      Math.round(
        percentile(
          xs.sort((a, b) => a - b),
          99,
        ),
      ),
    ),
  };
}
