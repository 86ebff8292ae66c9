// Gateway latency at a fixed offered load (open loop, load from a separate process): publish->PUBACK
// p50/p99 with PUBACK after the Kafka ack, against bare Aedes and Mosquitto at the same rate in the same run,
// and against the Kafka path alone (kafkajs + the Kafka broker at the same rate, the gateway's linger and batch
// size, no MQTT): the latency floor of any bridge that acknowledges after Kafka with kafkajs on this box.
// The first 3 s of load warm up (JIT, first Kafka requests) and are left out. p99 per second of the run is
// printed to stderr. A single 10 s p99 on a shared box moves by 2-3x from run to run, so the Kafka path alone
// and the gateway (a fresh one each time) run in alternation for several trials, and the figures are the
// medians of the trials (each trial's value in the note). Knobs: FW_BENCH_LAT_RATE (total msg/s, 5000),
// FW_BENCH_LAT_CLIENTS (500), FW_BENCH_LAT_SECS (10), FW_BENCH_LAT_TRIALS (3).
import { report } from './lib.js';
import { benchClients, type BenchBroker, startBareAedes, startBenchGateway, startMosquitto } from './lib-brokers.js';
import { kafkaAtRate } from './lib-kafka-rate.js';
import { mainThreadBusy } from './lib-cpu.js';
import { startLoad, type LoadResult } from './lib-load.js';

const RATE = Number(process.env.FW_BENCH_LAT_RATE ?? 5000);
const CLIENTS = Number(process.env.FW_BENCH_LAT_CLIENTS ?? 500);
const SECS = Number(process.env.FW_BENCH_LAT_SECS ?? 10);
const TRIALS = Math.max(1, Number(process.env.FW_BENCH_LAT_TRIALS ?? 3));
const perClientRate = RATE / CLIENTS;
const WARMUP = 3; // seconds of the same load first, left out of the figures (JIT, first Kafka requests)
const perClient = Math.max(1, Math.round(perClientRate * (SECS + WARMUP)));

/** The load's figures, and how busy this process's main thread was after the warm-up (in-process brokers). */
async function offer(b: BenchBroker): Promise<LoadResult & { busy?: number }> {
  try {
    const run = startLoad({
      mode: 'rate',
      ratePerClient: perClientRate,
      warmupSec: WARMUP,
      host: '127.0.0.1',
      port: b.port,
      clients: benchClients(b, CLIENTS, 'lat'),
      perClient,
      window: 1,
      connectConcurrency: 200,
    });
    let meter: ReturnType<typeof mainThreadBusy> | undefined;
    void run.measuring.then(() => (meter = mainThreadBusy()));
    const r = await run.done;
    const busy = b.pid === undefined ? meter?.stop() : undefined; // only a broker running in this process
    if (r.connectFailures > 0 || r.acked !== CLIENTS * perClient) throw new Error(`${b.name}: load run incomplete: ${JSON.stringify(r)}`);
    const busyNote = busy === undefined ? '' : `; main thread busy ${(busy * 100).toFixed(0)}%`;
    process.stderr.write(`${b.name}: p99 by second of the run (ms): ${r.p99BySecond?.join(' ')}${busyNote}\n`);
    return { ...r, busy };
  } finally {
    await b.close();
  }
}

const bare = await offer(await startBareAedes());
const mb = await startMosquitto();
const mosq = mb ? await offer(mb) : undefined;
const brokers = process.env.FW_KAFKA_BROKERS?.split(',');
const gwDefaults = (await import('@fleetwire/gateway')).defaultConfig();
const floors: Array<{ p50: number; p99: number }> = [];
const gws: Array<Awaited<ReturnType<typeof offer>>> = [];
let sink = '';
for (let t = 0; t < TRIALS; t++) {
  // Right before each gateway run, so both meet a Kafka broker equally warm.
  if (brokers) {
    const floor = await kafkaAtRate({
      brokers,
      rate: RATE,
      clients: CLIENTS,
      secs: SECS,
      warmupSec: WARMUP,
      lingerMs: gwDefaults.lingerMs,
      maxBatch: gwDefaults.maxBatch,
    });
    process.stderr.write(`Kafka path alone (trial ${t + 1}): p99 by second of the run (ms): ${floor.p99BySecond.join(' ')}\n`);
    floors.push(floor);
  }
  const gb = await startBenchGateway();
  sink = gb.sink ?? '';
  gws.push(await offer(gb));
}
const med = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
const gw = { p50: med(gws.map((r) => r.p50)), p99: med(gws.map((r) => r.p99)), rate: med(gws.map((r) => r.rate)) };
const trials = `median of ${TRIALS} trials (gateway p50 ${list(gws.map((r) => r.p50))}; p99 ${list(gws.map((r) => r.p99))} ms)`;
const note = `${RATE} msg/s offered for ${SECS} s (after ${WARMUP} s warm-up) by ${CLIENTS} clients (open loop), sink=${sink}; achieved ${Math.round(gw.rate)} msg/s; ${trials}`;
if (floors.length) {
  const floor = { p50: med(floors.map((r) => r.p50)), p99: med(floors.map((r) => r.p99)) };
  const fnote = `${note}; baseline: kafkajs idempotent producer alone at the same rate, linger ${gwDefaults.lingerMs} ms, up to ${gwDefaults.maxBatch} per request, no MQTT, run before each gateway trial (p99 ${list(floors.map((r) => r.p99))} ms)`;
  report({
    bench: 'gateway-latency',
    metric: `publish->PUBACK p50 @${RATE}/s`,
    unit: 'ms',
    value: gw.p50,
    baseline: 'Kafka path alone (kafkajs), same rate',
    baselineValue: floor.p50,
    lowerIsBetter: true,
    note: fnote,
  });
  report({
    bench: 'gateway-latency',
    metric: `publish->PUBACK p99 @${RATE}/s`,
    unit: 'ms',
    value: gw.p99,
    baseline: 'Kafka path alone (kafkajs), same rate',
    baselineValue: floor.p99,
    lowerIsBetter: true,
    note: fnote,
  });
}
// An event loop with little slack queues every burst (a slow Kafka ack, a GC pause): this is what the p99 reads.
const busy = gws.map((r) => r.busy).filter((b): b is number => b !== undefined);
if (busy.length === gws.length && bare.busy !== undefined) {
  report({
    bench: 'gateway-latency',
    metric: `main thread busy @${RATE}/s`,
    unit: '%',
    value: med(busy) * 100,
    baseline: 'bare Aedes, same rate',
    baselineValue: bare.busy * 100,
    lowerIsBetter: true,
    note: `${note}; share of wall time the broker's event-loop thread was on a CPU after the warm-up (/proc); gateway trials ${busy.map((b) => (b * 100).toFixed(0)).join(', ')}%`,
  });
}
for (const [name, base] of [
  ['bare Aedes', bare],
  ['Mosquitto', mosq],
] as const) {
  if (!base) continue;
  report({
    bench: 'gateway-latency',
    metric: `publish->PUBACK p50 @${RATE}/s`,
    unit: 'ms',
    value: gw.p50,
    baseline: `${name}, same rate`,
    baselineValue: base.p50,
    lowerIsBetter: true,
    note,
  });
  report({
    bench: 'gateway-latency',
    metric: `publish->PUBACK p99 @${RATE}/s`,
    unit: 'ms',
    value: gw.p99,
    baseline: `${name}, same rate`,
    baselineValue: base.p99,
    lowerIsBetter: true,
    note,
  });
}
