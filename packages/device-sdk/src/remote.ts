// Downlink DeviceConfig: decode, validate and merge over the settings in effect.
import { fleetwire } from '@fleetwire/proto';
import { DEFAULT_DETECTION, type ResolvedOptions } from './core/config.js';
import { mergeRemoteConfig } from './core/remote-config.js';
import { ConfigError, LinkError } from './errors.js';
import type { AppliedConfig } from './types.js';

/** Settings from createClient options, before any remote config (version 0). */
export function initialConfig(o: ResolvedOptions): AppliedConfig {
  const d = o.detection ?? DEFAULT_DETECTION;
  return {
    version: 0,
    issuedAtMs: 0,
    batchIntervalMs: o.batch.intervalMs,
    batchMaxBytes: o.batch.maxBytes,
    gpsRateHz: o.sampleRates.gpsHz,
    accelRateHz: o.sampleRates.accelHz,
    harshBrakingMg: d.harshBrakingMg,
    harshAccelerationMg: d.harshAccelerationMg,
    harshCorneringMg: d.harshCorneringMg,
    speedLimitCms: Math.round(d.speedLimit * 100),
  };
}

export type RemoteResult = { ok: true; config: AppliedConfig | null } | { ok: false; error: LinkError };

/** Decodes and merges a DeviceConfig payload. `config` is null for a stale (not newer) version. */
export function applyRemoteConfig(current: AppliedConfig, payload: Uint8Array): RemoteResult {
  let cfg: fleetwire.v1.DeviceConfig;
  try {
    cfg = fleetwire.v1.DeviceConfig.decode(payload);
  } catch (e) {
    return {
      ok: false,
      error: new LinkError('remote_config_invalid', `downlink config is not a fleetwire.v1.DeviceConfig: ${(e as Error).message}`, { cause: e }),
    };
  }
  try {
    return { ok: true, config: mergeRemoteConfig(current, cfg) };
  } catch (e) {
    const msg = e instanceof ConfigError ? e.message : String(e);
    return { ok: false, error: new LinkError('remote_config_invalid', `downlink config rejected: ${msg}`, { cause: e }) };
  }
}

/** Re-applies the config persisted in the outbox at start; ignores it if it no longer validates. */
export function restoreConfig(current: AppliedConfig, saved: Uint8Array): AppliedConfig | null {
  const r = applyRemoteConfig(current, saved);
  return r.ok ? r.config : null;
}
