import { describe, expect, it } from 'vitest';
import { mergeProgress, mergeSummaries } from '../src/merge-summaries.js';
import { runFleet } from '../src/runner.js';
import type { DeviceSummary, FleetProgress, FleetSummary } from '../src/summary.js';

const dev = (deviceId: string, n: number): DeviceSummary => ({
  tenant: 'demo',
  deviceId,
  profile: 'calm',
  generated: n,
  recorded: n,
  sentSamples: n,
  sentBatches: 1,
  droppedSamples: 0,
  pendingSamples: 0,
  sealedUnacked: 0,
  rejected: 0,
  reconnects: 0,
  errors: { flush_timeout: 1 },
  truth: { harsh_braking: 2 },
});

function summary(devices: DeviceSummary[], over: Partial<FleetSummary> = {}): FleetSummary {
  const n = devices.reduce((a, d) => a + d.generated, 0);
  return {
    devices: devices.length,
    simulatedMs: 600_000,
    wallMs: 1000,
    virtualStartMs: 5000,
    generated: n,
    generatedGps: 1,
    generatedAccel: n - 1,
    recorded: n,
    sentSamples: n,
    sentBatches: devices.length,
    droppedSamples: 0,
    rejected: 0,
    unsent: 0,
    reconnects: 0,
    complete: true,
    aborted: false,
    network: null,
    errors: { flush_timeout: devices.length },
    truth: { harsh_braking: 2 * devices.length },
    perDevice: devices,
    ...over,
  };
}

describe('mergeSummaries', () => {
  it('sums the shards, orders devices by id, and merges error and event counts', () => {
    const m = mergeSummaries([
      summary([dev('sim-0002', 10), dev('sim-0004', 20)], { wallMs: 1500, reconnects: 3, network: { cuts: 1, refused: 0, connections: 4 } }),
      summary([dev('sim-0001', 5), dev('sim-0003', 7), dev('sim-0005', 1)], { virtualStartMs: 4000, network: { cuts: 2, refused: 1, connections: 5 } }),
    ]);
    expect(m.devices).toBe(5);
    expect(m.generated).toBe(43);
    expect(m.sentSamples).toBe(43);
    expect(m.generatedGps).toBe(2);
    expect(m.reconnects).toBe(3);
    expect(m.wallMs).toBe(1500);
    expect(m.virtualStartMs).toBe(4000);
    expect(m.perDevice.map((d) => d.deviceId)).toEqual(['sim-0001', 'sim-0002', 'sim-0003', 'sim-0004', 'sim-0005']);
    expect(m.errors).toEqual({ flush_timeout: 5 });
    expect(m.truth).toEqual({ harsh_braking: 10 });
    expect(m.network).toEqual({ cuts: 3, refused: 1, connections: 9 });
    expect(m.complete).toBe(true);
    expect(m.aborted).toBe(false);
  });

  it('is complete only if every shard is, aborted if any is; no network stats when no shard had a shaper', () => {
    const m = mergeSummaries([summary([dev('a', 1)]), summary([dev('b', 1)], { complete: false, aborted: true })]);
    expect(m.complete).toBe(false);
    expect(m.aborted).toBe(true);
    expect(m.network).toBeNull();
  });

  it('needs at least one summary', () => {
    expect(() => mergeSummaries([])).toThrow(RangeError);
  });
});

describe('mergeProgress', () => {
  const p = (devices: number, simulatedMs: number, elapsedMs: number): FleetProgress => ({
    generated: 10 * devices,
    recorded: 10 * devices,
    sentSamples: 8 * devices,
    sentBatches: devices,
    droppedSamples: 0,
    pendingSamples: 2 * devices,
    rejected: 0,
    reconnects: 1,
    devices,
    connected: devices,
    finished: 0,
    elapsedMs,
    simulatedMs,
  });
  it('sums counts, takes the longest elapsed time and the device-weighted simulated time', () => {
    const m = mergeProgress([p(3, 60_000, 1000), p(1, 20_000, 1200)]);
    expect(m.devices).toBe(4);
    expect(m.sentSamples).toBe(32);
    expect(m.reconnects).toBe(2);
    expect(m.elapsedMs).toBe(1200);
    expect(m.simulatedMs).toBe(50_000);
  });
});

describe('runFleet shard option', () => {
  it('rejects a shard outside its count before touching anything', async () => {
    const base = { devices: 2, speedup: 60, durationMs: 60_000, gatewayUrl: 'mqtt://127.0.0.1:1', tenant: 't', dataDir: '/nonexistent/never-created' };
    await expect(runFleet({ ...base, shard: { index: 2, count: 2 } })).rejects.toThrow(/bad shard 2\/2/);
    await expect(runFleet({ ...base, shard: { index: 0, count: 0 } })).rejects.toThrow(RangeError);
  });
});
