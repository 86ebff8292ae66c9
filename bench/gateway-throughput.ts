// Gateway throughput (load from a separate process, bench/mqtt-load.worker.ts): QoS 1 msgs/s and publish->PUBACK latency (p50/p99) through the fleetwire gateway
// (auth + validation + dedupe + PUBACK after the sink ack) against a bare Aedes broker (no auth, no
// validation, PUBACK straight away) measured in the same run with the same clients and payloads.
// Sink: Kafka when FW_KAFKA_BROKERS is set (unique topic per run), else the in-memory sink.
// Knobs: FW_BENCH_GW_CLIENTS (20), FW_BENCH_GW_MESSAGES (1000 per client), FW_BENCH_GW_WINDOW (16 in flight per client).
import { report } from './lib.js';
import { benchClients, type BenchBroker, startBareAedes, startBenchGateway, startMosquitto } from './lib-brokers.js';
import { cpuCeiling, cpuMeter, type CpuSplit } from './lib-cpu.js';
import { gatewayLikeProducer } from './lib-kafka.js';
import { runLoad, type LoadResult } from './lib-load.js';
import { benchPayload } from './lib-payload.js';

const CLIENTS = Number(process.env.FW_BENCH_GW_CLIENTS ?? 20);
const PER_CLIENT = Number(process.env.FW_BENCH_GW_MESSAGES ?? 1000);
const WINDOW = Number(process.env.FW_BENCH_GW_WINDOW ?? 16);

/** CLIENTS connections from a separate load process, each keeping WINDOW QoS 1 publishes in flight. */
async function drive(b: BenchBroker): Promise<LoadResult & { cpu: CpuSplit }> {
  try {
    const meter = cpuMeter(b.pid);
    const r = await runLoad({
      mode: 'publish',
      host: '127.0.0.1',
      port: b.port,
      clients: benchClients(b, CLIENTS, 'tp'),
      perClient: PER_CLIENT,
      window: WINDOW,
    });
    const cpu = meter.stop(r.acked, r.cpuUs);
    if (r.connectFailures > 0 || r.acked !== CLIENTS * PER_CLIENT) throw new Error(`${b.name}: load run incomplete: ${JSON.stringify(r)}`);
    const f = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1));
    process.stderr.write(
      `${b.name}: ${Math.round(r.rate)} msg/s; CPU µs per message: broker ${f(cpu.broker)}, load ${f(cpu.load)}, kafka ${f(cpu.kafka)}, redis ${f(cpu.redis)}\n`,
    );
    return { ...r, cpu };
  } finally {
    await b.close();
  }
}

/**
 * Baselines: the same messages (with the gateway's headers) produced straight to Kafka with kafkajs
 * (idempotent, acks=all, one request in flight, like the gateway). `window`: CLIENTS concurrent senders of
 * WINDOW messages each, as devices would be if each had its own producer. `ceiling`: one sender of
 * 500-message requests (the gateway's max batch), kafkajs' best case here, an upper bound for any kafkajs bridge.
 */
async function rawKafka(mode: 'window' | 'ceiling'): Promise<{ rate: number; cpu: CpuSplit } | undefined> {
  const brokers = process.env.FW_KAFKA_BROKERS;
  if (!brokers) return undefined;
  const { topic, producer } = await gatewayLikeProducer(brokers.split(','), 'fw-bench-raw', `fwbench.raw.${mode}`);
  const headers = { schema: 'fleetwire.v1.TelemetryRecord', tenant: 'bench' };
  const msgs = Array.from({ length: CLIENTS }, (_, c) =>
    Array.from({ length: PER_CLIENT }, (_, i) => ({ key: `raw-${c}`, value: benchPayload(`raw-${c}`, i + 1), headers })),
  );
  try {
    const t0 = performance.now();
    const meter = cpuMeter();
    if (mode === 'window') {
      await Promise.all(
        msgs.map(async (mine) => {
          for (let i = 0; i < PER_CLIENT; i += WINDOW) await producer.send({ topic, acks: -1, messages: mine.slice(i, i + WINDOW) });
        }),
      );
    } else {
      // Interleave devices the way the gateway's batches mix them.
      const all = Array.from({ length: CLIENTS * PER_CLIENT }, (_, k) => msgs[k % CLIENTS]![Math.floor(k / CLIENTS)]!);
      for (let i = 0; i < all.length; i += 500) await producer.send({ topic, acks: -1, messages: all.slice(i, i + 500) });
    }
    const rate = (CLIENTS * PER_CLIENT * 1000) / (performance.now() - t0);
    return { rate, cpu: meter.stop(CLIENTS * PER_CLIENT) };
  } finally {
    await producer.disconnect();
  }
}

const base = await drive(await startBareAedes());
const mosqBroker = await startMosquitto();
const mosq = mosqBroker ? await drive(mosqBroker) : undefined;
const raw = await rawKafka('window');
const ceiling = await rawKafka('ceiling');
const gwBroker = await startBenchGateway();
const sinkName = gwBroker.sink;
const r = await drive(gwBroker);
const note = `${CLIENTS} clients x ${PER_CLIENT} msgs, window ${WINDOW}, ~${benchPayload('x', 1).length} B DeviceBatch, load from a separate process, sink=${sinkName}`;
report({
  bench: 'gateway-throughput',
  metric: `QoS1 msgs/s (PUBACK after ${sinkName} ack)`,
  unit: 'msg/s',
  value: r.rate,
  baseline: 'bare Aedes, PUBACK at once',
  baselineValue: base.rate,
  note,
});
if (mosq) {
  report({
    bench: 'gateway-throughput',
    metric: `QoS1 msgs/s (PUBACK after ${sinkName} ack)`,
    unit: 'msg/s',
    value: r.rate,
    baseline: 'Mosquitto, PUBACK at once',
    baselineValue: mosq.rate,
    note,
  });
  report({
    bench: 'gateway-throughput',
    metric: 'publish->PUBACK p99',
    unit: 'ms',
    value: r.p99,
    baseline: 'Mosquitto',
    baselineValue: mosq.p99,
    lowerIsBetter: true,
    note,
  });
} else process.stderr.write('mosquitto not installed (apt-get install mosquitto): Mosquitto baseline skipped\n');
if (raw !== undefined)
  report({
    bench: 'gateway-throughput',
    metric: `QoS1 msgs/s (PUBACK after ${sinkName} ack)`,
    unit: 'msg/s',
    value: r.rate,
    baseline: `kafkajs raw produce, ${WINDOW} msgs per send`,
    baselineValue: raw.rate,
    note,
  });
if (ceiling !== undefined) {
  report({
    bench: 'gateway-throughput',
    metric: `QoS1 msgs/s (PUBACK after ${sinkName} ack)`,
    unit: 'msg/s',
    value: r.rate,
    baseline: 'kafkajs raw produce, 500 msgs per send',
    baselineValue: ceiling.rate,
    note,
  });
  report({
    bench: 'gateway-throughput',
    metric: 'kafkajs alone, 500 msgs per send (ceiling of a kafkajs bridge)',
    unit: 'msg/s',
    value: ceiling.rate,
    baseline: 'bare Aedes, PUBACK at once',
    baselineValue: base.rate,
    note: 'same messages and headers, idempotent, acks=all, nothing else in the process',
  });
}
// Where the CPU goes: every process on the box (broker, load generator, Kafka, Redis) per message.
report({
  bench: 'gateway-throughput',
  metric: 'CPU per message, broker process',
  unit: 'µs',
  value: r.cpu.broker,
  baseline: 'bare Aedes process',
  baselineValue: base.cpu.broker,
  lowerIsBetter: true,
  note,
});
report({
  bench: 'gateway-throughput',
  metric: 'CPU per message, whole box (broker+load+Kafka+Redis)',
  unit: 'µs',
  value: r.cpu.total,
  baseline: 'bare Aedes run, whole box',
  baselineValue: base.cpu.total,
  lowerIsBetter: true,
  note,
});
if (r.cpu.kafka !== undefined) {
  // What the cores allow a bridge that costs nothing beyond bare Aedes but still pays the Kafka broker's and
  // Redis' CPU per message measured in the gateway run: an upper bound for the ratio to bare Aedes on this box.
  const bound = cpuCeiling(base.cpu.broker + (base.cpu.load ?? 0) + r.cpu.kafka + (r.cpu.redis ?? 0));
  report({
    bench: 'gateway-throughput',
    metric: 'CPU bound of a zero-cost bridge on this box',
    unit: 'msg/s',
    value: Math.min(bound, cpuCeiling(base.cpu.total)),
    baseline: 'bare Aedes, PUBACK at once',
    baselineValue: base.rate,
    note: `${note}; cores x 1e6 / (bare Aedes + load + Kafka + Redis µs per message)`,
  });
  if (ceiling) {
    // The same, for a bridge whose only cost beyond bare Aedes is kafkajs itself (its CPU per message in the
    // 500-per-request run, where nothing else shares the process).
    const kjs = ceiling.cpu.broker;
    process.stderr.write(`kafkajs alone (500 per request): ${kjs.toFixed(1)} µs of CPU per message in the producing process\n`);
    report({
      bench: 'gateway-throughput',
      metric: 'CPU per message, kafkajs alone (500 per request)',
      unit: 'µs',
      value: kjs,
      baseline: 'bare Aedes process',
      baselineValue: base.cpu.broker,
      lowerIsBetter: true,
      note: 'CPU of the producing process only',
    });
    report({
      bench: 'gateway-throughput',
      metric: 'CPU bound of a kafkajs bridge on this box',
      unit: 'msg/s',
      value: Math.min(cpuCeiling(base.cpu.broker + (base.cpu.load ?? 0) + kjs + r.cpu.kafka + (r.cpu.redis ?? 0)), cpuCeiling(base.cpu.total)),
      baseline: 'bare Aedes, PUBACK at once',
      baselineValue: base.rate,
      note: `${note}; cores x 1e6 / (bare Aedes + load + kafkajs + Kafka + Redis µs per message)`,
    });
  }
}
report({
  bench: 'gateway-throughput',
  metric: 'publish->PUBACK p50',
  unit: 'ms',
  value: r.p50,
  baseline: 'bare Aedes',
  baselineValue: base.p50,
  lowerIsBetter: true,
  note,
});
report({
  bench: 'gateway-throughput',
  metric: 'publish->PUBACK p99',
  unit: 'ms',
  value: r.p99,
  baseline: 'bare Aedes',
  baselineValue: base.p99,
  lowerIsBetter: true,
  note,
});
