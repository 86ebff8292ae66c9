// Gateway throughput (load from a separate process, bench/mqtt-load.worker.ts): QoS 1 msgs/s and publish->PUBACK latency (p50/p99) through the fleetwire gateway
// (auth + validation + dedupe + PUBACK after the sink ack) against a bare Aedes broker (no auth, no
// validation, PUBACK straight away) measured in the same run with the same clients and payloads.
// Sink: Kafka when FW_KAFKA_BROKERS is set (unique topic per run), else the in-memory sink.
// Knobs: FW_BENCH_GW_CLIENTS (20), FW_BENCH_GW_MESSAGES (1000 per client), FW_BENCH_GW_WINDOW (16 in flight per client).
import { provisionTopics } from '@fleetwire/proto';
import { report } from './lib.js';
import { benchClients, type BenchBroker, startBareAedes, startBenchGateway, startMosquitto } from './lib-brokers.js';
import { runLoad, type LoadResult } from './lib-load.js';
import { benchPayload } from './lib-payload.js';

const load = (m: string): Promise<any> => import(m);

const CLIENTS = Number(process.env.FW_BENCH_GW_CLIENTS ?? 20);
const PER_CLIENT = Number(process.env.FW_BENCH_GW_MESSAGES ?? 1000);
const WINDOW = Number(process.env.FW_BENCH_GW_WINDOW ?? 16);

/** CLIENTS connections from a separate load process, each keeping WINDOW QoS 1 publishes in flight. */
async function drive(b: BenchBroker): Promise<LoadResult> {
  try {
    const r = await runLoad({ mode: 'publish', host: '127.0.0.1', port: b.port, clients: benchClients(b, CLIENTS, 'tp'), perClient: PER_CLIENT, window: WINDOW });
    if (r.connectFailures > 0 || r.acked !== CLIENTS * PER_CLIENT) throw new Error(`${b.name}: load run incomplete: ${JSON.stringify(r)}`);
    return r;
  } finally {
    await b.close();
  }
}

/** Baseline: the same messages produced straight to Kafka with kafkajs (idempotent, acks=all, 16 per send). */
async function rawKafka(): Promise<number | undefined> {
  const brokers = process.env.FW_KAFKA_BROKERS;
  if (!brokers) return undefined;
  const { Kafka, logLevel } = await load('kafkajs');
  const kafka = new Kafka({ brokers: brokers.split(','), clientId: 'fw-bench-raw', logLevel: logLevel.NOTHING });
  const topic = `fwbench.raw.${Date.now().toString(36)}`;
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(admin, [{ topic, numPartitions: 6 }]);
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const id = `raw-${c}`;
        for (let i = 0; i < PER_CLIENT; i += WINDOW) {
          const messages = Array.from({ length: Math.min(WINDOW, PER_CLIENT - i) }, (_, k) => ({ key: id, value: benchPayload(id, i + k + 1) }));
          await producer.send({ topic, acks: -1, messages });
        }
      }),
    );
    return (CLIENTS * PER_CLIENT * 1000) / (performance.now() - t0);
  } finally {
    await producer.disconnect();
  }
}

const base = await drive(await startBareAedes());
const mosqBroker = await startMosquitto();
const mosq = mosqBroker ? await drive(mosqBroker) : undefined;
const raw = await rawKafka();
const gwBroker = await startBenchGateway();
const sinkName = gwBroker.sink;
const r = await drive(gwBroker);
const note = `${CLIENTS} clients x ${PER_CLIENT} msgs, window ${WINDOW}, ~${benchPayload('x', 1).length} B DeviceBatch, load from a separate process, sink=${sinkName}`;
report({ bench: 'gateway-throughput', metric: `QoS1 msgs/s (PUBACK after ${sinkName} ack)`, unit: 'msg/s', value: r.rate, baseline: 'bare Aedes, PUBACK at once', baselineValue: base.rate, note });
if (mosq) {
  report({ bench: 'gateway-throughput', metric: `QoS1 msgs/s (PUBACK after ${sinkName} ack)`, unit: 'msg/s', value: r.rate, baseline: 'Mosquitto, PUBACK at once', baselineValue: mosq.rate, note });
  report({ bench: 'gateway-throughput', metric: 'publish->PUBACK p99', unit: 'ms', value: r.p99, baseline: 'Mosquitto', baselineValue: mosq.p99, lowerIsBetter: true, note });
} else process.stderr.write('mosquitto not installed (apt-get install mosquitto): Mosquitto baseline skipped\n');
if (raw !== undefined) report({ bench: 'gateway-throughput', metric: `QoS1 msgs/s (PUBACK after ${sinkName} ack)`, unit: 'msg/s', value: r.rate, baseline: 'kafkajs raw produce, same msgs', baselineValue: raw, note });
report({ bench: 'gateway-throughput', metric: 'publish->PUBACK p50', unit: 'ms', value: r.p50, baseline: 'bare Aedes', baselineValue: base.p50, lowerIsBetter: true, note });
report({ bench: 'gateway-throughput', metric: 'publish->PUBACK p99', unit: 'ms', value: r.p99, baseline: 'bare Aedes', baselineValue: base.p99, lowerIsBetter: true, note });
