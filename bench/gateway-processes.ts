// The gateway CLI with 1 vs 2 worker processes (serve --processes N) on the same box: QoS 1 msg/s with
// PUBACK after the Kafka ack, the same load (separate load process, bench/mqtt-load.worker.ts) against each,
// interleaved FW_BENCH_GWP_TRIALS times (default 3), medians reported with every trial in the note. The
// baseline is the 1-process run. Needs FW_KAFKA_BROKERS (skipped otherwise).
// Knobs: FW_BENCH_GW_CLIENTS (40), FW_BENCH_GW_MESSAGES (1000 per client), FW_BENCH_GW_WINDOW (16).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@fleetwire/test-kit';
import { report } from './lib.js';
import { BENCH_SECRET, benchClients, type BenchBroker } from './lib-brokers.js';
import { runLoad } from './lib-load.js';
import { median, spread } from './lib-scoring-rt.js';

const CLI = fileURLToPath(new URL('../../packages/gateway/dist/cli.js', import.meta.url));
const CLIENTS = Number(process.env.FW_BENCH_GW_CLIENTS ?? 40);
const PER_CLIENT = Number(process.env.FW_BENCH_GW_MESSAGES ?? 1000);
const WINDOW = Number(process.env.FW_BENCH_GW_WINDOW ?? 16);
const TRIALS = Number(process.env.FW_BENCH_GWP_TRIALS ?? 3);

async function cliGateway(processes: number): Promise<BenchBroker> {
  const { mintDeviceToken } = await import('@fleetwire/gateway');
  const port = await freePort();
  const suffix = `${Date.now().toString(36)}p${processes}`;
  const child = spawn(process.execPath, [CLI, 'serve', '--processes', String(processes)], {
    env: {
      PATH: process.env.PATH,
      FW_KAFKA_BROKERS: process.env.FW_KAFKA_BROKERS!,
      FW_REDIS_URL: process.env.FW_REDIS_URL ?? '',
      FW_GATEWAY_TOKEN_SECRET: BENCH_SECRET,
      FW_GATEWAY_HOST: '127.0.0.1',
      FW_GATEWAY_MQTT_PORT: String(port),
      FW_GATEWAY_HTTP_PORT: 'off',
      FW_GATEWAY_TLS_PORT: 'off',
      FW_GATEWAY_TOPIC_TELEMETRY: `fwbench.gwp.${suffix}.tel`,
      FW_GATEWAY_TOPIC_DEADLETTER: `fwbench.gwp.${suffix}.dl`,
      FW_KAFKA_PARTITIONS: '6',
      FW_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let listening = 0;
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      if (buf.slice(0, i).includes('"gateway listening"')) listening++;
      buf = buf.slice(i + 1);
    }
  });
  const t0 = Date.now();
  while (listening < processes) {
    if (Date.now() - t0 > 60_000 || child.exitCode !== null) throw new Error(`gateway --processes ${processes} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: `gateway --processes ${processes}`,
    port,
    pid: child.pid,
    creds: (id) => ({ username: id, password: mintDeviceToken({ tenant: 'bench', deviceId: id, secret: BENCH_SECRET, ttlSec: 3600 }) }),
    close: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function trial(processes: number): Promise<number> {
  const b = await cliGateway(processes);
  try {
    const r = await runLoad({
      mode: 'publish',
      host: '127.0.0.1',
      port: b.port,
      clients: benchClients(b, CLIENTS, `gp${processes}`),
      perClient: PER_CLIENT,
      window: WINDOW,
    });
    if (r.acked !== CLIENTS * PER_CLIENT) throw new Error(`${b.name}: ${r.acked}/${CLIENTS * PER_CLIENT} acked`);
    return r.rate;
  } finally {
    await b.close();
  }
}

if (!process.env.FW_KAFKA_BROKERS) {
  process.stderr.write('gateway-processes: FW_KAFKA_BROKERS not set, skipped\n');
} else {
  const one: number[] = [];
  const two: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    // Alternate which goes first, so neither always meets a warmer Kafka.
    if (t % 2 === 0) {
      one.push(await trial(1));
      two.push(await trial(2));
    } else {
      two.push(await trial(2));
      one.push(await trial(1));
    }
    process.stderr.write(`trial ${t + 1}: 1 process ${one[t]!.toFixed(0)} msg/s, 2 processes ${two[t]!.toFixed(0)} msg/s\n`);
  }
  const note = `${CLIENTS} clients x ${PER_CLIENT} msgs, window ${WINDOW}, Kafka sink, Redis dedupe; ${TRIALS} interleaved trials; 1 process: ${spread(one)}; 2 processes: ${spread(two)}`;
  report({
    bench: 'gateway-processes',
    metric: 'QoS1 msgs/s, serve --processes 2',
    unit: 'msg/s',
    value: median(two),
    baseline: 'serve --processes 1, same run',
    baselineValue: median(one),
    note,
  });
}
