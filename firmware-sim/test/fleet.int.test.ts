// End to end through real sockets: runFleet -> real device SDK clients (SQLite outboxes) -> MQTT ->
// an in-process Aedes broker on a random loopback port that decodes every batch with decodeDeviceBatch.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeDeviceBatch } from '@fleetwire/proto';
import { runFleet, type FleetSummary } from '../src/index.js';
import { BatchCollector } from './helpers/collector.js';

let broker: Aedes;
let server: net.Server;
let url: string;
let collector: BatchCollector;
let dataDir: string;

beforeAll(async () => {
  broker = await Aedes.createBroker();
  broker.authorizePublish = (_client, packet, done) => {
    if (packet.topic.endsWith('/up/batch')) {
      const r = decodeDeviceBatch(packet.payload as Buffer);
      if (r.ok) collector.add(r.value);
      else collector.decodeErrors.push(`${r.error.code}: ${r.error.message}`);
    }
    done(null);
  };
  server = net.createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => broker.close(() => r()));
});

beforeEach(async () => {
  collector = new BatchCollector();
  dataDir = await mkdtemp(path.join(tmpdir(), 'fw-sim-int-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function expectEverySampleArrived(s: FleetSummary): void {
  expect(collector.decodeErrors).toEqual([]);
  expect(s.complete).toBe(true);
  expect(s.rejected).toBe(0);
  expect(s.droppedSamples).toBe(0);
  expect(s.unsent).toBe(0);
  expect(s.generated).toBeGreaterThan(0);
  expect(s.recorded).toBe(s.generated);
  expect(s.sentSamples).toBe(s.generated);
  for (const d of s.perDevice) {
    expect(collector.total(d.deviceId), d.deviceId).toBe(d.generated);
    const times = collector.gpsTimes.get(d.deviceId)!;
    expect(new Set(times).size, `${d.deviceId} gps fixes are unique`).toBe(times.length);
  }
}

describe('runFleet against an MQTT broker', () => {
  it('delivers every recorded sample of every device (high speedup)', async () => {
    const progress: number[] = [];
    const s = await runFleet({
      devices: 5,
      speedup: 1200,
      durationMs: 20 * 60_000, // 1 s of wall time
      gatewayUrl: url,
      tenant: 'int',
      dataDir,
      seed: 'int-basic',
      onProgress: (p) => progress.push(p.recorded),
      progressIntervalMs: 200,
    });
    expectEverySampleArrived(s);
    expect(s.devices).toBe(5);
    // 20 simulated minutes at 25 Hz + 1 Hz, minus parked time.
    expect(s.generatedAccel / s.devices).toBeGreaterThan(10_000);
    expect(s.generatedAccel / s.generatedGps).toBeCloseTo(25, 0);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress[progress.length - 1]).toBe(s.recorded);
    expect(s.wallMs).toBeGreaterThan(900);
  });

  it('survives connection churn and offline windows without losing data', async () => {
    const s = await runFleet({
      devices: 4,
      speedup: 600,
      durationMs: 30 * 60_000, // 3 s of wall time
      gatewayUrl: url,
      tenant: 'int',
      dataDir,
      seed: 'int-churn',
      churn: 40, // ~0.5 drops per device per second
      offlineMs: 1500,
      client: { batch: { intervalMs: 1000 }, reconnect: { initialDelayMs: 50, maxDelayMs: 300 } },
    });
    expectEverySampleArrived(s);
    expect(s.network!.cuts).toBeGreaterThan(2);
    expect(s.reconnects).toBeGreaterThan(2);
  });

  it('replays a GPX recording on every device', async () => {
    const { loadRecording } = await import('../src/load-recording.js');
    const track = await loadRecording(path.join(import.meta.dirname, '..', 'samples', 'berlin-normal.gpx'));
    const s = await runFleet({
      devices: 3,
      speedup: Infinity,
      durationMs: 5 * 60_000,
      gatewayUrl: url,
      tenant: 'int',
      dataDir,
      replay: track,
      seed: 'int-replay',
    });
    expectEverySampleArrived(s);
    // The recording spans 99 s and loops every 99 + 60 s: runs start at 0 s and 159 s within the 300 s.
    const span = track.gps[track.gps.length - 1]!.t - track.gps[0]!.t;
    const runs = Math.ceil((5 * 60_000) / (span + 60_000));
    expect(runs).toBe(2);
    expect(s.generatedGps).toBe(3 * runs * track.gps.length);
    expect(s.perDevice.every((d) => d.profile === 'replay')).toBe(true);
  });

  it('reports an unreachable gateway as incomplete instead of hanging or crashing', async () => {
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    const s = await runFleet({
      devices: 2,
      speedup: Infinity,
      durationMs: 60_000,
      gatewayUrl: `mqtt://127.0.0.1:${port}`,
      tenant: 'int',
      dataDir,
      drainTimeoutMs: 1000,
    });
    expect(s.complete).toBe(false);
    expect(s.recorded).toBe(s.generated);
    expect(s.sentSamples).toBe(0);
    expect(s.unsent).toBe(s.recorded);
    expect(s.errors.flush_timeout).toBe(2);
  });

  it('rejects bad options with clear errors', async () => {
    await expect(runFleet({ devices: 1, speedup: 1, durationMs: 1000, gatewayUrl: 'http://x', tenant: 't', dataDir })).rejects.toThrow(/scheme must be mqtt/);
    await expect(runFleet({ devices: 0, speedup: 1, durationMs: 1000, gatewayUrl: url, tenant: 't', dataDir })).rejects.toThrow(/devices/);
    await expect(runFleet({ devices: 1, speedup: 0, durationMs: 1000, gatewayUrl: url, tenant: 't', dataDir })).rejects.toThrow(/speedup/);
    await expect(runFleet({ devices: 1, speedup: 1, durationMs: 1000, gatewayUrl: url, tenant: 't', dataDir, churn: -1 })).rejects.toThrow(/churn/);
    // A tenant that is not a topic segment is refused before any device starts.
    await expect(runFleet({ devices: 3, speedup: 1, durationMs: 60_000, gatewayUrl: url, tenant: 'a/b', dataDir })).rejects.toThrow(
      /tenant "a\/b" may only contain/,
    );
    await expect(runFleet({ devices: 3, speedup: 1, durationMs: 60_000, gatewayUrl: url, tenant: 'a', tenants: ['a', 'a'], dataDir })).rejects.toThrow(
      /distinct/,
    );
  });
});
