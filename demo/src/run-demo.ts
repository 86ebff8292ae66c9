// `npm start` (fleetwire-demo): the whole fleetwire path on one machine with zero servers — simulated devices using
// the real SDK -> real MQTT sockets -> gateway -> embedded log -> real-time scorer -> PGlite + an
// in-memory cache. With FW_KAFKA_BROKERS and FW_DATABASE_URL (and FW_REDIS_URL) set, the same
// command uses the real servers. Shows a live table and writes an HTML report at the end.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runFleet } from '@fleetwire/firmware-sim';
import { mintDeviceToken } from '@fleetwire/runtime';
import { gpsPaths, startEmbeddedStack } from './embedded-stack.js';
import { renderReport } from './report.js';
import { driverSummary, eventCounts, renderTable, scoreValues, tripPoints } from './summary.js';

export interface DemoOptions {
  devices: number;
  speedup: number;
  /** Simulated driving per device, ms. */
  durationMs: number;
  reportPath: string;
  seed: string;
  dataDir?: string;
}

/** Runs the demo; resolves with the number of trips scored. */
export async function runDemo(o: DemoOptions): Promise<number> {
  const { devices, speedup, durationMs } = o;
  const reportPath = resolve(o.reportPath);
  const tty = process.stdout.isTTY;
  console.log(`fleetwire demo: ${devices} devices, ${(durationMs / 60_000).toFixed(0)} min of driving each at ${speedup}x`);
  const stack = await startEmbeddedStack({ idleEndMs: 3 * 60_000 });
  console.log(
    `backend: ${stack.mode === 'embedded' ? 'embedded (log + PGlite + in-memory cache)' : 'real Kafka/Postgres/Redis from FW_*'}; gateway ${stack.mqttUrl}`,
  );
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'fw-demo-'));
  const tenant = 'demo';
  let progressLine = '';
  let refreshing = false;
  const refresh = async () => {
    if (refreshing) return;
    refreshing = true;
    try {
      const rows = await driverSummary(stack.db);
      const table = renderTable(rows, progressLine);
      if (tty) process.stdout.write(`\x1b[H\x1b[2J${table}\n`);
      else if (rows.length) console.log(table);
    } finally {
      refreshing = false;
    }
  };
  const timer = setInterval(() => void refresh().catch(() => {}), tty ? 1000 : 10_000);
  const started = Date.now();
  try {
    const summary = await runFleet({
      devices,
      speedup,
      durationMs,
      gatewayUrl: stack.mqttUrl,
      tenant,
      dataDir,
      seed: o.seed,
      credentialsFor: (deviceId) => ({ username: deviceId, password: mintDeviceToken({ tenant, deviceId, secret: stack.tokenSecret, ttlSec: 86_400 }) }),
      client: { batch: { intervalMs: 5000 } },
      onProgress: (p) => {
        progressLine = `simulated ${(p.simulatedMs / 60_000).toFixed(1)} min | devices ${p.connected}/${p.devices} connected | samples recorded ${p.recorded} acked ${p.sentSamples} | ${((Date.now() - started) / 1000).toFixed(0)} s`;
      },
    });
    clearInterval(timer);
    console.log('\nsimulation done; scoring the last trips…');
    if (!(await stack.settle())) console.warn('the scorer had not caught up with the log after 60 s: the report may miss the last batches');
    const [drivers, trips, events, scores] = await Promise.all([driverSummary(stack.db), tripPoints(stack.db), eventCounts(stack.db), scoreValues(stack.db)]);
    console.log(renderTable(drivers, 'final'));
    const facts: Array<[string, string]> = [
      ['devices', String(summary.devices)],
      ['simulated driving per device', `${(summary.simulatedMs / 60_000).toFixed(1)} min`],
      ['wall time', `${((Date.now() - started) / 1000).toFixed(1)} s`],
      ['samples generated / recorded / acknowledged', `${summary.generated} / ${summary.recorded} / ${summary.sentSamples}`],
      ['samples dropped / unsent', `${summary.droppedSamples} / ${summary.unsent}`],
      ['trips scored', String(trips.length)],
      ['model', stack.model.version],
    ];
    const paths = stack.log ? gpsPaths(stack.log) : undefined;
    writeFileSync(
      reportPath,
      renderReport({ title: 'fleetwire demo report', generatedAt: new Date().toISOString(), mode: stack.mode, facts, drivers, trips, events, scores, paths }),
    );
    console.log(`\nreport written to ${reportPath}`);
    return trips.length;
  } finally {
    clearInterval(timer);
    await stack.close();
    if (!o.dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}
