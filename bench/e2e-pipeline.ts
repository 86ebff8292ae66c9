// End to end: simulated devices -> device SDK (SQLite outbox) -> MQTT QoS 1 -> fleetwire gateway
// (auth, validation, PUBACK after the log ack) -> embedded log -> real-time scorer -> PGlite commit,
// run unpaced. Baseline in the same run: the same fleet into a bare Aedes broker (SDK + MQTT only).
// Figures: samples/s from SDK to a committed scorer transaction, and batch latency from sealing on
// the device to the scorer's commit (p50/p99). The SDK's batch interval adds up to its length on top.
// Knobs: FW_BENCH_E2E_DEVICES (40), FW_BENCH_E2E_MINUTES (10 simulated minutes per device).
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { startEmbeddedStack } from '@fleetwire/demo';
import { runFleet } from '@fleetwire/firmware-sim';
import { mintDeviceToken } from '@fleetwire/gateway';
import { decodeTelemetryRecord, KAFKA_TOPICS } from '@fleetwire/proto';
import { percentile, report } from './lib.js';

const devices = Number(process.env.FW_BENCH_E2E_DEVICES ?? 40);
const durationMs = Number(process.env.FW_BENCH_E2E_MINUTES ?? 10) * 60_000;
const fleet = { devices, speedup: Infinity, durationMs, tenant: 'bench', seed: 'e2e-bench', rampUpMs: 0, client: { batch: { intervalMs: 5000 } } };

async function bareAedes(): Promise<number> {
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const dataDir = mkdtempSync(join(tmpdir(), 'fw-e2e-bench-'));
  try {
    const s = await runFleet({ ...fleet, gatewayUrl: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`, dataDir });
    if (!s.complete) throw new Error('baseline run incomplete');
    return s.sentSamples / (s.wallMs / 1000);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => broker.close(() => r()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function pipeline(): Promise<{ rate: number; p50: number; p99: number; batches: number }> {
  const stack = await startEmbeddedStack({ env: {}, idleEndMs: 3 * 60_000 });
  const dataDir = mkdtempSync(join(tmpdir(), 'fw-e2e-bench-'));
  try {
    const t0 = performance.now();
    const s = await runFleet({
      ...fleet,
      gatewayUrl: stack.mqttUrl,
      dataDir,
      credentialsFor: (id) => ({ username: id, password: mintDeviceToken({ tenant: 'bench', deviceId: id, secret: stack.tokenSecret, ttlSec: 3600 }) }),
    });
    if (!s.complete) throw new Error('pipeline run incomplete');
    await stack.settle();
    const wallS = (performance.now() - t0) / 1000;
    const sealed = new Map<string, number>();
    for (const e of stack.log!.read(KAFKA_TOPICS.telemetry)) {
      const r = decodeTelemetryRecord(e.value!);
      if (r.ok) sealed.set(`${r.value.batch!.deviceId}/${r.value.batch!.bootId}/${r.value.batch!.seq}`, Number(r.value.batch!.sentAtMs));
    }
    const { rows } = await stack.db.query<{ k: string; at: string }>(
      "SELECT device_id || '/' || boot_id || '/' || seq AS k, (extract(epoch from processed_at) * 1000)::text AS at FROM processed_batches",
    );
    const lat = rows
      .map((r) => Number(r.at) - (sealed.get(r.k) ?? NaN))
      .filter((v) => Number.isFinite(v))
      .sort((a, b) => a - b);
    return { rate: s.sentSamples / wallS, p50: percentile(lat, 50), p99: percentile(lat, 99), batches: rows.length };
  } finally {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const base = await bareAedes();
const e2e = await pipeline();
const note = `${devices} devices x ${durationMs / 60_000} simulated min, unpaced, one process, embedded log + PGlite`;
report({
  bench: 'e2e',
  metric: 'samples/s SDK -> committed score',
  unit: 'samples/s',
  value: e2e.rate,
  baseline: 'same fleet into bare Aedes',
  baselineValue: base,
  note,
});
report({ bench: 'e2e', metric: `batch seal -> scorer commit p50 (${e2e.batches} batches)`, unit: 'ms', value: e2e.p50, note: 'under full unpaced load' });
report({ bench: 'e2e', metric: 'batch seal -> scorer commit p99', unit: 'ms', value: e2e.p99 });
