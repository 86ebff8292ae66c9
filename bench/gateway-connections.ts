// Concurrent connections: N authenticated devices (clients in a separate process) connect, publish one
// batch each and stay connected. Figures: connection set-up rate and broker memory per held connection,
// fleetwire gateway vs bare Aedes in the same run. Knob: FW_BENCH_CONN (10000).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { report } from './lib.js';
import { benchClients, type BenchBroker, startBareAedes, startBenchGateway } from './lib-brokers.js';
import { startLoad } from './lib-load.js';

const N = Number(process.env.FW_BENCH_CONN ?? 10_000);

async function hold(b: BenchBroker): Promise<{ perSec: number; kbPerConn: number }> {
  try {
    const clients = benchClients(b, N, 'conn');
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage().rss;
    const run = startLoad({ mode: 'hold', host: '127.0.0.1', port: b.port, clients, perClient: 1, window: 1, connectConcurrency: 500, keepaliveSec: 30 });
    const r = await run.ready;
    (globalThis as { gc?: () => void }).gc?.();
    const held = process.memoryUsage().rss;
    run.stop();
    const end = await run.done;
    if (r.connected !== N || r.acked !== N || end.stillOpen !== N)
      throw new Error(`${b.name}: ${r.connected} connected, ${r.acked} acked, ${end.stillOpen} still open of ${N}`);
    return { perSec: (N * 1000) / r.connectMs, kbPerConn: (held - before) / 1024 / N };
  } finally {
    await b.close();
  }
}

// Each broker runs in its own child process, so one's heap does not skew the other's RSS figure.
const which = process.argv[2];
if (which === 'bare' || which === 'gateway') {
  const b = which === 'bare' ? await startBareAedes() : await startBenchGateway();
  const r = await hold(b);
  process.stdout.write(`RESULT ${JSON.stringify({ ...r, sink: b.sink })}\n`);
  process.exit(0);
}
function child(name: string): { perSec: number; kbPerConn: number; sink?: string } {
  const out = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), name], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 5 * 60_000,
  });
  const line = (out.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`${name}: no result (exit ${out.status ?? out.signal})`);
  return JSON.parse(line.slice(7));
}
const bare = child('bare');
const gw = child('gateway');
const note = `${N} devices held, each logged in (token) and published one batch; sink=${gw.sink}; clients in a separate process, each broker in its own`;
report({
  bench: 'gateway-connections',
  metric: `connections set up per s (${N} held)`,
  unit: 'conn/s',
  value: gw.perSec,
  baseline: 'bare Aedes, no auth',
  baselineValue: bare.perSec,
  note,
});
report({
  bench: 'gateway-connections',
  metric: 'broker RSS per held connection',
  unit: 'KB',
  value: gw.kbPerConn,
  baseline: 'bare Aedes',
  baselineValue: bare.kbPerConn,
  lowerIsBetter: true,
  note,
});
