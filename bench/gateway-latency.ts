// Gateway latency at a fixed offered load (open loop, load from a separate process): publish->PUBACK
// p50/p99 with PUBACK after the Kafka ack, against bare Aedes and Mosquitto at the same rate in the same run,
// and against the Kafka path alone (kafkajs + the Kafka broker at the same rate, the gateway's linger and batch
// size, no MQTT): the latency floor of any bridge that acknowledges after Kafka with kafkajs on this box.
// The first 3 s of load warm up (JIT, first Kafka requests) and are left out. p99 per second of the run is
// printed to stderr. Knobs: FW_BENCH_LAT_RATE (total msg/s, 5000), FW_BENCH_LAT_CLIENTS (500), FW_BENCH_LAT_SECS (10).
import { report } from './lib.js';
import { benchClients, type BenchBroker, startBareAedes, startBenchGateway, startMosquitto } from './lib-brokers.js';
import { kafkaAtRate } from './lib-kafka-rate.js';
import { mainThreadBusy } from './lib-cpu.js';
import { startLoad, type LoadResult } from './lib-load.js';

const RATE = Number(process.env.FW_BENCH_LAT_RATE ?? 5000);
const CLIENTS = Number(process.env.FW_BENCH_LAT_CLIENTS ?? 500);
const SECS = Number(process.env.FW_BENCH_LAT_SECS ?? 10);
const perClientRate = RATE / CLIENTS;
const WARMUP = 3; // seconds of the same load first, left out of the figures (JIT, first Kafka requests)
const perClient = Math.max(1, Math.round(perClientRate * (SECS + WARMUP)));

/** The load's figures, and how busy this process's main thread was after the warm-up (in-process brokers). */
async function offer(b: BenchBroker): Promise<LoadResult & { busy?: number }> {
  try {
    const run = startLoad({ mode: 'rate', ratePerClient: perClientRate, warmupSec: WARMUP, host: '127.0.0.1', port: b.port, clients: benchClients(b, CLIENTS, 'lat'), perClient, window: 1, connectConcurrency: 200 });
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
// Right before the gateway run, so both meet a Kafka broker equally warm.
const floor = brokers ? await kafkaAtRate({ brokers, rate: RATE, clients: CLIENTS, secs: SECS, warmupSec: WARMUP, lingerMs: gwDefaults.lingerMs, maxBatch: gwDefaults.maxBatch }) : undefined;
if (floor) process.stderr.write(`Kafka path alone: p99 by second of the run (ms): ${floor.p99BySecond.join(' ')}\n`);
const gb = await startBenchGateway();
const gw = await offer(gb);
const note = `${RATE} msg/s offered for ${SECS} s (after ${WARMUP} s warm-up) by ${CLIENTS} clients (open loop), sink=${gb.sink}; achieved ${Math.round(gw.rate)} msg/s`;
if (floor) {
  const fnote = `${note}; baseline: kafkajs idempotent producer alone at the same rate, linger ${gwDefaults.lingerMs} ms, up to ${gwDefaults.maxBatch} per request, no MQTT`;
  report({ bench: 'gateway-latency', metric: `publish->PUBACK p50 @${RATE}/s`, unit: 'ms', value: gw.p50, baseline: 'Kafka path alone (kafkajs), same rate', baselineValue: floor.p50, lowerIsBetter: true, note: fnote });
  report({ bench: 'gateway-latency', metric: `publish->PUBACK p99 @${RATE}/s`, unit: 'ms', value: gw.p99, baseline: 'Kafka path alone (kafkajs), same rate', baselineValue: floor.p99, lowerIsBetter: true, note: fnote });
}
// An event loop with little slack queues every burst (a slow Kafka ack, a GC pause): this is what the p99 reads.
if (gw.busy !== undefined && bare.busy !== undefined) {
  report({ bench: 'gateway-latency', metric: `main thread busy @${RATE}/s`, unit: '%', value: gw.busy * 100, baseline: 'bare Aedes, same rate', baselineValue: bare.busy * 100, lowerIsBetter: true, note: `${note}; share of wall time the broker's event-loop thread was on a CPU after the warm-up (/proc)` });
}
for (const [name, base] of [['bare Aedes', bare], ['Mosquitto', mosq]] as const) {
  if (!base) continue;
  report({ bench: 'gateway-latency', metric: `publish->PUBACK p50 @${RATE}/s`, unit: 'ms', value: gw.p50, baseline: `${name}, same rate`, baselineValue: base.p50, lowerIsBetter: true, note });
  report({ bench: 'gateway-latency', metric: `publish->PUBACK p99 @${RATE}/s`, unit: 'ms', value: gw.p99, baseline: `${name}, same rate`, baselineValue: base.p99, lowerIsBetter: true, note });
}
