// The simulator against the real fleetwire gateway (in-process, in-memory sink instead of Kafka) with
// per-device HMAC tokens: every sample recorded by the SDK clients ends up in accepted telemetry records.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTelemetryRecord } from '@fleetwire/proto';
import { MemorySink, mintDeviceToken, startGateway, type Gateway } from '@fleetwire/gateway';
import { runFleet } from '../src/index.js';
import { BatchCollector } from './helpers/collector.js';

const SECRET = 'firmware-sim-int-secret-0123456789';
let gw: Gateway;
let sink: MemorySink;
let dataDir: string;

beforeAll(async () => {
  sink = new MemorySink();
  gw = await startGateway({ host: '127.0.0.1', mqttPort: 0, tlsPort: null, httpPort: null, tokenSecrets: [SECRET], sink, logLevel: 'warn' });
  dataDir = await mkdtemp(path.join(tmpdir(), 'fw-sim-gw-'));
});

afterAll(async () => {
  await gw?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('firmware-sim -> gateway', () => {
  it('authenticates with minted tokens and every sample reaches the sink', async () => {
    const tenant = `simint${Date.now()}`;
    const s = await runFleet({
      devices: 4,
      speedup: 1200,
      durationMs: 15 * 60_000,
      gatewayUrl: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
      tenant,
      dataDir: path.join(dataDir, 'ok'),
      credentialsFor: (id) => ({ username: id, password: mintDeviceToken({ tenant, deviceId: id, secret: SECRET, ttlSec: 600 }) }),
      seed: 'gw-int',
    });
    expect(s.complete).toBe(true);
    const c = new BatchCollector();
    for (const r of sink.telemetry) {
      const rec = decodeTelemetryRecord(r.value);
      expect(rec.ok).toBe(true);
      if (rec.ok && rec.value.tenant === tenant) c.add(rec.value.batch!);
    }
    expect(sink.deadLetters).toEqual([]);
    for (const d of s.perDevice) expect(c.total(d.deviceId), d.deviceId).toBe(d.generated);
    expect(s.sentSamples).toBe(s.generated);
  });

  it('devices with a wrong token are refused and the run reports it as incomplete', async () => {
    const s = await runFleet({
      devices: 2,
      speedup: Infinity,
      durationMs: 60_000,
      gatewayUrl: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
      tenant: 'simint',
      dataDir: path.join(dataDir, 'bad'),
      credentialsFor: (id) => ({
        username: id,
        password: mintDeviceToken({ tenant: 'simint', deviceId: id, secret: 'a-different-secret-0123456789', ttlSec: 600 }),
      }),
      drainTimeoutMs: 1500,
    });
    expect(s.complete).toBe(false);
    expect(s.sentSamples).toBe(0);
    expect(s.unsent).toBe(s.generated);
    expect(s.errors.connect_failed).toBeGreaterThan(0);
  });
});
