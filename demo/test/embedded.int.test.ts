// `npm start` path without servers: simulator -> SDK -> MQTT -> gateway -> embedded log -> scorer -> PGlite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintDeviceToken } from '@fleetwire/gateway';
import { KAFKA_TOPICS, batchKey, decodeTelemetryRecord } from '@fleetwire/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStack, type EmbeddedStack } from '../src/embedded-stack.js';
import { renderReport } from '../src/report.js';
import { driverSummary, eventCounts, scoreValues, tripPoints } from '../src/summary.js';
import { runFleet } from '@fleetwire/firmware-sim';

let stack: EmbeddedStack;
const dataDir = mkdtempSync(join(tmpdir(), 'fw-demo-test-'));

beforeAll(async () => {
  stack = await startEmbeddedStack({ env: {}, idleEndMs: 3 * 60_000 });
});
afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded demo stack', () => {
  it('scores simulated drives end to end and renders the report', async () => {
    expect(stack.mode).toBe('embedded');
    const tenant = 'demo';
    const summary = await runFleet({
      devices: 3,
      speedup: 400,
      durationMs: 12 * 60_000,
      gatewayUrl: stack.mqttUrl,
      tenant,
      dataDir,
      seed: 'demo-test',
      credentialsFor: (deviceId) => ({ username: deviceId, password: mintDeviceToken({ tenant, deviceId, secret: stack.tokenSecret, ttlSec: 3600 }) }),
      client: { batch: { intervalMs: 5000 } },
    });
    expect(summary.sentSamples).toBe(summary.recorded);
    expect(summary.droppedSamples).toBe(0);

    // Every acknowledged sample is in the embedded log exactly once per (device, boot, seq).
    const keys = new Set<string>();
    let samples = 0;
    for (const e of stack.log!.read(KAFKA_TOPICS.telemetry)) {
      const r = decodeTelemetryRecord(e.value!);
      if (!r.ok) throw r.error;
      const b = r.value.batch!;
      const k = batchKey(r.value.tenant, b.deviceId ?? '', b.bootId ?? '', String(b.seq));
      if (keys.has(k)) continue;
      keys.add(k);
      samples += (b.gps?.tDeltaMs?.length ?? 0) + (b.accel?.tDeltaMs?.length ?? 0);
    }
    expect(samples).toBe(summary.sentSamples);

    await stack.settle();
    const drivers = await driverSummary(stack.db);
    expect(drivers.map((d) => d.driverId).sort()).toHaveLength(3);
    for (const d of drivers) {
      expect(d.trips).toBeGreaterThan(0);
      expect(d.lastScore).not.toBeNull();
      expect(d.lastScore!).toBeGreaterThanOrEqual(0);
      expect(d.lastScore!).toBeLessThanOrEqual(100);
    }
    const [trips, events, scores] = await Promise.all([tripPoints(stack.db), eventCounts(stack.db), scoreValues(stack.db)]);
    expect(scores.length).toBe(trips.length);
    const html = renderReport({ title: 't', generatedAt: 'now', mode: stack.mode, facts: [['devices', '3']], drivers, trips, events, scores });
    expect(html).toContain('<svg');
    expect(html).toContain(drivers[0]!.driverId);
  }, 120_000);
});
