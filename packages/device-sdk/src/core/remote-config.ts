// Validation and merge of a downlink DeviceConfig. Pure. Zero fields mean "leave unchanged".
import { ConfigError } from '../errors.js';
import type { AppliedConfig } from '../types.js';
import { LIMITS } from './config.js';

export interface RemoteConfigFields {
  version?: number | null;
  batchIntervalMs?: number | null;
  batchMaxBytes?: number | null;
  gpsRateHz?: number | null;
  accelRateHz?: number | null;
  harshBrakingMg?: number | null;
  harshAccelerationMg?: number | null;
  harshCorneringMg?: number | null;
  speedLimitCms?: number | null;
  issuedAtMs?: number | null;
}

type Range = readonly number[];

function field(name: string, v: number | null | undefined, range: Range, current: number): number {
  const x = Number(v ?? 0);
  if (x === 0) return current;
  if (!Number.isFinite(x) || x < range[0]! || x > range[1]!)
    throw new ConfigError(`DeviceConfig.${name}`, x, `must be 0 (unchanged) or in [${range[0]}, ${range[1]}]`);
  return x;
}

/**
 * Merges `cfg` over `current`. Returns null when the version is not newer than the applied one
 * (stale or replayed downlink). Throws ConfigError naming the bad field.
 */
export function mergeRemoteConfig(current: AppliedConfig, cfg: RemoteConfigFields): AppliedConfig | null {
  const version = Number(cfg.version ?? 0);
  if (!Number.isSafeInteger(version) || version <= 0) throw new ConfigError('DeviceConfig.version', cfg.version, 'must be a positive integer');
  if (version <= current.version) return null;
  const mg = LIMITS.thresholdMg;
  return {
    version,
    issuedAtMs: Number(cfg.issuedAtMs ?? 0),
    batchIntervalMs: field('batch_interval_ms', cfg.batchIntervalMs, LIMITS.batchIntervalMs, current.batchIntervalMs),
    batchMaxBytes: field('batch_max_bytes', cfg.batchMaxBytes, LIMITS.batchMaxBytes, current.batchMaxBytes),
    gpsRateHz: field('gps_rate_hz', cfg.gpsRateHz, LIMITS.sampleRateHz, current.gpsRateHz),
    accelRateHz: field('accel_rate_hz', cfg.accelRateHz, LIMITS.sampleRateHz, current.accelRateHz),
    harshBrakingMg: field('harsh_braking_mg', cfg.harshBrakingMg, mg, current.harshBrakingMg),
    harshAccelerationMg: field('harsh_acceleration_mg', cfg.harshAccelerationMg, mg, current.harshAccelerationMg),
    harshCorneringMg: field('harsh_cornering_mg', cfg.harshCorneringMg, mg, current.harshCorneringMg),
    speedLimitCms: field('speed_limit_cms', cfg.speedLimitCms, [0, 20_000], current.speedLimitCms),
  };
}
