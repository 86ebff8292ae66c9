import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/config.js';
import { mergeRemoteConfig } from '../src/core/remote-config.js';
import { ConfigError, createClient, type ClientOptions } from '../src/index.js';

const base: ClientOptions = { deviceId: 'dev-1', tenant: 'acme', url: 'mqtt://127.0.0.1:1', storage: { memory: true } };

function rejects(patch: Record<string, unknown>, option: string): void {
  let err: unknown;
  try {
    resolveOptions({ ...base, ...patch } as ClientOptions);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).option).toBe(option);
  expect((err as ConfigError).message).toContain(option);
}

describe('option validation', () => {
  it('fills defaults', () => {
    const r = resolveOptions(base);
    expect(r.batch).toEqual({ intervalMs: 5000, maxBytes: 65536, maxSamples: 10_000 });
    expect(r.durability).toBe('fsync-per-batch');
    expect(r.inFlight).toBe(8);
    expect(r.detection).toBeNull();
    expect(r.clientId).toBe('dev-1');
    expect(resolveOptions({ ...base, detection: true }).detection?.harshBrakingMg).toBe(350);
    expect(resolveOptions({ ...base, detection: true }).detection?.gyroHandedness).toBe('learn');
    expect(resolveOptions({ ...base, detection: { gyroHandedness: 'left' } }).detection?.gyroHandedness).toBe('left');
  });

  it('rejects bad values naming the option and the value', () => {
    rejects({ deviceId: 'bad id/with slash' }, 'deviceId');
    rejects({ tenant: '' }, 'tenant');
    rejects({ url: 'http://x' }, 'url');
    rejects({ url: 'not a url' }, 'url');
    rejects({ storage: undefined }, 'storage');
    rejects({ batch: { intervalMs: 500 } }, 'batch.intervalMs');
    rejects({ batch: { intervalMs: 60_001 } }, 'batch.intervalMs');
    rejects({ batch: { maxSamples: 1.5 } }, 'batch.maxSamples');
    rejects({ batch: { maxBytes: Number.NaN } }, 'batch.maxBytes');
    rejects({ retention: { maxBytes: 1000 } }, 'retention.maxBytes');
    rejects({ retention: { maxBytes: 100_000 }, batch: { maxBytes: 60_000 } }, 'retention.maxBytes');
    rejects({ durability: 'sometimes' }, 'durability');
    rejects({ inFlight: 0 }, 'inFlight');
    rejects({ reconnect: { jitter: 2 } }, 'reconnect.jitter');
    rejects({ reconnect: { initialDelayMs: 1000, maxDelayMs: 100 } }, 'reconnect.maxDelayMs');
    rejects({ detection: { harshBrakingMg: 10 } }, 'detection.harshBrakingMg');
    rejects({ detection: { tripStartSpeed: 1, tripStopSpeed: 2 } }, 'detection.tripStopSpeed');
    rejects({ detection: { gyroHandedness: 'lefty' } }, 'detection.gyroHandedness');
    rejects({ credentials: { username: 'u' } }, 'credentials.password');
    rejects({ sampleRates: { accelHz: -1 } }, 'sampleRates.accelHz');
    expect(() => resolveOptions({ ...base, batch: { intervalMs: 500 } })).toThrow('invalid option batch.intervalMs=500: must be in [1000, 60000]');
  });

  it('createClient rejects with ConfigError before any I/O', async () => {
    await expect(createClient({ ...base, batch: { intervalMs: 0 } })).rejects.toBeInstanceOf(ConfigError);
    await expect(createClient({ ...base, storage: { nope: 1 } as never })).rejects.toMatchObject({ option: 'storage' });
  });
});

describe('remote config merge', () => {
  const cur = {
    version: 2,
    issuedAtMs: 0,
    batchIntervalMs: 5000,
    batchMaxBytes: 65536,
    gpsRateHz: 1,
    accelRateHz: 100,
    harshBrakingMg: 350,
    harshAccelerationMg: 300,
    harshCorneringMg: 400,
    speedLimitCms: 0,
  };
  it('applies newer versions, zero fields keep the current value', () => {
    expect(mergeRemoteConfig(cur, { version: 3, batchIntervalMs: 10_000 })).toEqual({ ...cur, version: 3, batchIntervalMs: 10_000 });
  });
  it('ignores stale versions', () => {
    expect(mergeRemoteConfig(cur, { version: 2, batchIntervalMs: 10_000 })).toBeNull();
    expect(mergeRemoteConfig(cur, { version: 1 })).toBeNull();
  });
  it('rejects out-of-range fields', () => {
    expect(() => mergeRemoteConfig(cur, { version: 5, batchIntervalMs: 100 })).toThrow(/batch_interval_ms/);
    expect(() => mergeRemoteConfig(cur, { version: 5, harshBrakingMg: 99_999 })).toThrow(/harsh_braking_mg/);
    expect(() => mergeRemoteConfig(cur, { version: 0 })).toThrow(/version/);
  });
});
