// End-to-end simulator throughput: runFleet at speedup "max" (unpaced) against an in-process Aedes
// broker on loopback — generation + device SDK record() + SQLite outbox + MQTT QoS 1 until every
// batch is acknowledged. Then the same fleet split over 1 and 2 worker threads (`run --workers`, needs
// `npm run build`): Aedes stays on the main thread, the devices run in the workers.
// Prints `BENCH {json}` lines. Run: npx vite-node firmware-sim/bench/fleet-throughput.ts
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import { parseCli, type RunArgs } from '../src/cli-args.js';
import { runFleetInWorkers } from '../src/fleet-workers.js';
import { runFleet } from '../src/runner.js';

const report = (fig: Record<string, unknown>) => process.stdout.write(`BENCH ${JSON.stringify(fig)}\n`);
const devices = Number(process.env.FW_BENCH_DEVICES ?? 200);
const durationMs = Number(process.env.FW_BENCH_SIM_MINUTES ?? 10) * 60_000;

const broker = await Aedes.createBroker();
const server = net.createServer(broker.handle);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const dataDir = await mkdtemp(path.join(tmpdir(), 'fw-sim-bench-'));
try {
  const s = await runFleet({
    devices,
    speedup: Infinity,
    durationMs,
    gatewayUrl: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    tenant: 'bench',
    dataDir,
    rampUpMs: 0,
  });
  if (!s.complete) throw new Error(`run incomplete: ${JSON.stringify(s.errors)}`);
  const perSec = s.sentSamples / (s.wallMs / 1000);
  report({
    bench: 'firmware-sim',
    metric: 'fleet end-to-end (record -> SQLite -> MQTT ack)',
    unit: 'samples/s',
    value: perSec,
    baseline: '1000 devices at speedup 60',
    baselineValue: 1000 * 60 * 26,
    note: `${devices} devices x ${durationMs / 60_000} simulated min, ${s.sentBatches} batches, one process, Aedes in-process`,
  });
  report({ bench: 'firmware-sim', metric: 'max device count at speedup 60 (extrapolated)', unit: 'devices', value: perSec / (60 * 26) });
  // The same fleet in worker threads (the built dist/fleet-worker.js).
  // The flags of `run` (so every other option keeps the CLI's default), as the worker threads receive them.
  const url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const args = parseCli(
    ['run', '--devices', String(devices), '--speedup', 'max', '--duration', `${durationMs}ms`, '--gateway', url, '--tenant', 'bench'],
    {},
  ) as RunArgs;
  const rates: number[] = [];
  for (const workers of [1, 2]) {
    const w = await runFleetInWorkers(
      { ...args, workers, dataDir: path.join(dataDir, `w${workers}`) },
      { workers, workerUrl: new URL('../dist/fleet-worker.js', import.meta.url) },
    );
    if (!w.complete) throw new Error(`workers=${workers}: run incomplete: ${JSON.stringify(w.errors)}`);
    rates.push(w.sentSamples / (w.wallMs / 1000));
  }
  report({
    bench: 'firmware-sim',
    metric: 'fleet end-to-end, 2 worker threads',
    unit: 'samples/s',
    value: rates[1]!,
    baseline: '1 worker thread (Aedes on the main thread)',
    baselineValue: rates[0]!,
    note: `${devices} devices x ${durationMs / 60_000} simulated min; cores: ${(await import('node:os')).cpus().length}`,
  });
} finally {
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => broker.close(() => r()));
  await rm(dataDir, { recursive: true, force: true });
}
