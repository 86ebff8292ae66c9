import { type DetectOverrides, resolveDetectConfig } from '@fleetwire/detect';
import { ConfigError } from '@fleetwire/runtime';

/** Tunables of the pure scoring core. Every value has a default; see README "Options". */
export interface CoreConfig {
  /** A sample is "moving" above this speed (m/s); the first moving sample starts a trip. */
  startSpeedMs: number;
  /** A trip ends after this long without a moving sample (ms). */
  idleEndMs: number;
  /** A gap in the data longer than this ends the open trip at its last sample (ms). */
  gapMs: number;
  /** Trips shorter than this are dropped as noise (m). */
  minTripDistanceM: number;
  /** Harsh braking / acceleration / cornering thresholds (milli-g). */
  harshBrakingMg: number;
  harshAccelerationMg: number;
  harshCorneringMg: number;
  /** Longest interval between GPS samples used for a speed derivative (ms). */
  maxDerivativeDtMs: number;
  /** Minimum speed for lateral acceleration from speed x yaw rate (heading is noisy when slow) (m/s). */
  minCorneringSpeedMs: number;
  /** Limit (m/s) for speeding where neither the data nor a speed-limit source knows the posted one. */
  speedLimitMs: number;
  /** A speeding episode becomes a SPEEDING event once it lasts this long (ms). */
  minSpeedingEventMs: number;
  /** Local solar hours counted as night: [nightStartHour, 24) and [0, nightEndHour). */
  nightStartHour: number;
  nightEndHour: number;
  /** Time constant of the accelerometer gravity low-pass filter (ms). */
  gravityTauMs: number;
  /** How many recent (boot, seq) keys each device state remembers for de-duplication. */
  recentKeys: number;
  /** Further detector tunables (@fleetwire/detect DetectConfig); the fields above take precedence. */
  detect?: DetectOverrides;
}

export const DEFAULT_CORE_CONFIG: Readonly<CoreConfig> = Object.freeze({
  startSpeedMs: 2,
  idleEndMs: 5 * 60_000,
  gapMs: 10 * 60_000,
  minTripDistanceM: 100,
  harshBrakingMg: 320,
  harshAccelerationMg: 280,
  harshCorneringMg: 350,
  maxDerivativeDtMs: 3_000,
  minCorneringSpeedMs: 5,
  speedLimitMs: 120 / 3.6,
  minSpeedingEventMs: 10_000,
  nightStartHour: 22,
  nightEndHour: 5,
  gravityTauMs: 4_000,
  recentKeys: 64,
});

/** Merges overrides over the defaults and rejects nonsense with a message naming the bad value. */
export function resolveCoreConfig(overrides: Partial<CoreConfig> = {}): CoreConfig {
  const cfg: CoreConfig = { ...DEFAULT_CORE_CONFIG, ...overrides };
  for (const [k, v] of Object.entries(cfg)) {
    if (k === 'detect') continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ConfigError(`core config ${k}=${String(v)} must be a finite number >= 0`);
  }
  if (cfg.nightStartHour > 24 || cfg.nightEndHour > 24) throw new ConfigError('night hours must be within [0, 24]');
  if (cfg.recentKeys < 1) throw new ConfigError('recentKeys must be >= 1');
  if (cfg.detect !== undefined && (typeof cfg.detect !== 'object' || cfg.detect === null)) throw new ConfigError('core config detect must be an object');
  try {
    resolveDetectConfig(cfg.detect);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  return cfg;
}

export const G = 9.80665;
