// Validation of createClient options into fully resolved settings. Pure: throws ConfigError, no I/O.
import { ConfigError } from '../errors.js';
import type { ClientOptions, Durability } from '../types.js';

const ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
const URL_PROTOCOLS = ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:', 'tls:'];

export interface ResolvedDetection {
  harshBrakingMg: number;
  harshAccelerationMg: number;
  harshCorneringMg: number;
  minDurationMs: number;
  gravityTimeConstantMs: number;
  tripStartSpeed: number;
  tripStartHoldMs: number;
  tripStopSpeed: number;
  tripStopHoldMs: number;
  speedLimit: number;
  speedingHoldMs: number;
  /** The gyroscope's sense of rotation: learnt against GPS, or declared. */
  gyroHandedness: 'learn' | 'right' | 'left';
  /** null = off. */
  crash: ResolvedCrash | null;
  phoneUse: { minSpeedMs: number; minUseMs: number } | null;
}

export interface ResolvedCrash {
  sensitivity: 'low' | 'normal' | 'high';
  /** milli-g */
  impactMg: number;
  minSpeedKmh: number;
  stopWithinMs: number;
  windowBeforeMs: number;
}

export const DEFAULT_CRASH: Readonly<ResolvedCrash> = Object.freeze({
  sensitivity: 'normal',
  impactMg: 2500,
  minSpeedKmh: 15,
  stopWithinMs: 10_000,
  windowBeforeMs: 10_000,
});
const IMPACT_MG = { low: 4000, normal: 2500, high: 2000 } as const;

function resolveCrash(v: unknown): ResolvedCrash | null {
  if (v === false) return null;
  if (v === undefined || v === true) return { ...DEFAULT_CRASH };
  const c = section('detection.crash', v);
  const sens = c.sensitivity ?? 'normal';
  if (sens !== 'low' && sens !== 'normal' && sens !== 'high') throw new ConfigError('detection.crash.sensitivity', sens, "must be 'low', 'normal' or 'high'");
  const impactG = num('detection.crash.impactG', c.impactG, IMPACT_MG[sens] / 1000, 1, 20, false);
  const r: ResolvedCrash = {
    sensitivity: sens,
    impactMg: Math.round(impactG * 1000),
    minSpeedKmh: num('detection.crash.minSpeedKmh', c.minSpeedKmh, DEFAULT_CRASH.minSpeedKmh, 6, 100, false),
    stopWithinMs: num('detection.crash.stopWithinMs', c.stopWithinMs, DEFAULT_CRASH.stopWithinMs, 1000, 60_000),
    windowBeforeMs: num('detection.crash.windowBeforeMs', c.windowBeforeMs, DEFAULT_CRASH.windowBeforeMs, 0, 20_000),
  };
  return r;
}

function resolvePhoneUse(v: unknown): ResolvedDetection['phoneUse'] {
  if (v === false) return null;
  if (v === undefined || v === true) return { minSpeedMs: 3, minUseMs: 3000 };
  const p = section('detection.phoneUse', v);
  return {
    minSpeedMs: num('detection.phoneUse.minSpeedMs', p.minSpeedMs, 3, 0, 50, false),
    minUseMs: num('detection.phoneUse.minUseMs', p.minUseMs, 3000, 0, 600_000),
  };
}

export interface ResolvedOptions {
  deviceId: string;
  tenant: string;
  url: string;
  batch: { intervalMs: number; maxBytes: number; maxSamples: number };
  retention: { maxBytes: number; maxAgeMs: number };
  durability: Durability;
  detection: ResolvedDetection | null;
  reconnect: { initialDelayMs: number; maxDelayMs: number; multiplier: number; jitter: number };
  inFlight: number;
  sampleRates: { gpsHz: number; accelHz: number; gyroHz: number };
  clientId: string;
  connectTimeoutMs: number;
  keepaliveSec: number;
  agent: string;
}

export const LIMITS = Object.freeze({
  batchIntervalMs: [1000, 60_000],
  batchMaxBytes: [1024, 512 * 1024],
  batchMaxSamples: [1, 20_000],
  retentionMaxBytes: [64 * 1024, Number.MAX_SAFE_INTEGER],
  thresholdMg: [50, 5000],
  sampleRateHz: [0, 1000],
});

export const DEFAULT_DETECTION: Readonly<ResolvedDetection> = Object.freeze({
  harshBrakingMg: 350,
  harshAccelerationMg: 300,
  harshCorneringMg: 400,
  minDurationMs: 200,
  gravityTimeConstantMs: 2000,
  tripStartSpeed: 3,
  tripStartHoldMs: 5000,
  tripStopSpeed: 1,
  tripStopHoldMs: 180_000,
  speedLimit: 0,
  speedingHoldMs: 5000,
  gyroHandedness: 'learn',
  crash: DEFAULT_CRASH,
  phoneUse: Object.freeze({ minSpeedMs: 3, minUseMs: 3000 }),
});

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function num(name: string, v: unknown, def: number, min: number, max: number, integer = true): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(name, v, 'must be a finite number');
  if (integer && !Number.isInteger(v)) throw new ConfigError(name, v, 'must be an integer');
  if (v < min || v > max) throw new ConfigError(name, v, `must be in [${min}, ${max}]`);
  return v;
}

function str(name: string, v: unknown, re?: RegExp, reason?: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new ConfigError(name, v, 'must be a non-empty string');
  if (re && !re.test(v)) throw new ConfigError(name, v, reason ?? `must match ${re}`);
  return v;
}

function section(name: string, v: unknown): Obj {
  if (v === undefined) return {};
  if (!isObj(v)) throw new ConfigError(name, v, name === 'credentials' ? 'must be { username, password } or a function returning them' : 'must be an object');
  return v;
}

function validateUrl(v: unknown): string {
  const s = str('url', v);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new ConfigError('url', v, 'is not a URL');
  }
  if (!URL_PROTOCOLS.includes(u.protocol)) throw new ConfigError('url', v, 'scheme must be mqtt://, mqtts://, ws:// or wss://');
  return s;
}

function handedness(v: unknown): ResolvedDetection['gyroHandedness'] {
  if (v === undefined) return 'learn';
  if (v !== 'learn' && v !== 'right' && v !== 'left') throw new ConfigError('detection.gyroHandedness', v, "must be 'learn', 'right' or 'left'");
  return v;
}

function resolveDetection(v: unknown): ResolvedDetection | null {
  if (v === undefined || v === false) return null;
  if (v === true) return { ...DEFAULT_DETECTION, crash: { ...DEFAULT_CRASH }, phoneUse: { minSpeedMs: 3, minUseMs: 3000 } };
  const d = section('detection', v);
  const D = DEFAULT_DETECTION;
  const [tmin, tmax] = LIMITS.thresholdMg;
  const r: ResolvedDetection = {
    harshBrakingMg: num('detection.harshBrakingMg', d.harshBrakingMg, D.harshBrakingMg, tmin!, tmax!),
    harshAccelerationMg: num('detection.harshAccelerationMg', d.harshAccelerationMg, D.harshAccelerationMg, tmin!, tmax!),
    harshCorneringMg: num('detection.harshCorneringMg', d.harshCorneringMg, D.harshCorneringMg, tmin!, tmax!),
    minDurationMs: num('detection.minDurationMs', d.minDurationMs, D.minDurationMs, 0, 10_000),
    gravityTimeConstantMs: num('detection.gravityTimeConstantMs', d.gravityTimeConstantMs, D.gravityTimeConstantMs, 100, 60_000),
    tripStartSpeed: num('detection.tripStartSpeed', d.tripStartSpeed, D.tripStartSpeed, 0.1, 50, false),
    tripStartHoldMs: num('detection.tripStartHoldMs', d.tripStartHoldMs, D.tripStartHoldMs, 0, 600_000),
    tripStopSpeed: num('detection.tripStopSpeed', d.tripStopSpeed, D.tripStopSpeed, 0, 50, false),
    tripStopHoldMs: num('detection.tripStopHoldMs', d.tripStopHoldMs, D.tripStopHoldMs, 0, 3_600_000),
    speedLimit: num('detection.speedLimit', d.speedLimit, D.speedLimit, 0, 200, false),
    speedingHoldMs: num('detection.speedingHoldMs', d.speedingHoldMs, D.speedingHoldMs, 0, 600_000),
    gyroHandedness: handedness(d.gyroHandedness),
    crash: resolveCrash(d.crash),
    phoneUse: resolvePhoneUse(d.phoneUse),
  };
  if (r.tripStopSpeed >= r.tripStartSpeed) {
    throw new ConfigError('detection.tripStopSpeed', r.tripStopSpeed, `must be below detection.tripStartSpeed (${r.tripStartSpeed})`);
  }
  return r;
}

/** Validates user options (storage, tls and credentials are checked by their adapters) and fills defaults. */
export function resolveOptions(o: ClientOptions): ResolvedOptions {
  if (!isObj(o)) throw new ConfigError('options', o, 'must be an object');
  const deviceId = str('deviceId', o.deviceId, ID_RE, 'must be 1-128 characters of [A-Za-z0-9._:-]');
  const tenant = str('tenant', o.tenant, ID_RE, 'must be 1-128 characters of [A-Za-z0-9._:-]');
  const url = validateUrl(o.url);
  if (o.storage === undefined || o.storage === null || typeof o.storage !== 'object') {
    throw new ConfigError('storage', o.storage, 'must be { path }, { memory: true }, an OutboxStorage or a promise of one');
  }
  if (o.credentials !== undefined && typeof o.credentials !== 'function') {
    const c = section('credentials', o.credentials);
    if (typeof c.username !== 'string') throw new ConfigError('credentials.username', c.username, 'must be a string');
    if (typeof c.password !== 'string') throw new ConfigError('credentials.password', '<redacted>', 'must be a string');
  }
  const b = section('batch', o.batch);
  const batch = {
    intervalMs: num('batch.intervalMs', b.intervalMs, 5000, ...(LIMITS.batchIntervalMs as [number, number])),
    maxBytes: num('batch.maxBytes', b.maxBytes, 64 * 1024, ...(LIMITS.batchMaxBytes as [number, number])),
    maxSamples: num('batch.maxSamples', b.maxSamples, 10_000, ...(LIMITS.batchMaxSamples as [number, number])),
  };
  const r = section('retention', o.retention);
  const retention = {
    maxBytes: num('retention.maxBytes', r.maxBytes, 256 * 1024 * 1024, ...(LIMITS.retentionMaxBytes as [number, number])),
    maxAgeMs: num('retention.maxAgeMs', r.maxAgeMs, 7 * 24 * 3600 * 1000, 1000, Number.MAX_SAFE_INTEGER),
  };
  if (retention.maxBytes < 2 * batch.maxBytes) {
    throw new ConfigError('retention.maxBytes', retention.maxBytes, `must be at least 2 x batch.maxBytes (${2 * batch.maxBytes})`);
  }
  const durability = o.durability ?? 'fsync-per-batch';
  if (durability !== 'fsync-per-batch' && durability !== 'normal') {
    throw new ConfigError('durability', durability, "must be 'fsync-per-batch' or 'normal'");
  }
  const rc = section('reconnect', o.reconnect);
  const reconnect = {
    initialDelayMs: num('reconnect.initialDelayMs', rc.initialDelayMs, 500, 10, 600_000),
    maxDelayMs: num('reconnect.maxDelayMs', rc.maxDelayMs, 30_000, 10, 3_600_000),
    multiplier: num('reconnect.multiplier', rc.multiplier, 2, 1, 10, false),
    jitter: num('reconnect.jitter', rc.jitter, 0.5, 0, 1, false),
  };
  if (reconnect.maxDelayMs < reconnect.initialDelayMs) {
    throw new ConfigError('reconnect.maxDelayMs', reconnect.maxDelayMs, `must be >= reconnect.initialDelayMs (${reconnect.initialDelayMs})`);
  }
  const sr = section('sampleRates', o.sampleRates);
  const [rmin, rmax] = LIMITS.sampleRateHz as [number, number];
  if (o.tls !== undefined && !isObj(o.tls)) throw new ConfigError('tls', o.tls, 'must be an object');
  if (o.agent !== undefined && typeof o.agent !== 'string') throw new ConfigError('agent', o.agent, 'must be a string');
  return {
    deviceId,
    tenant,
    url,
    batch,
    retention,
    durability,
    detection: resolveDetection(o.detection),
    reconnect,
    inFlight: num('inFlight', o.inFlight, 8, 1, 256),
    sampleRates: {
      gpsHz: num('sampleRates.gpsHz', sr.gpsHz, 0, rmin, rmax, false),
      accelHz: num('sampleRates.accelHz', sr.accelHz, 0, rmin, rmax, false),
      gyroHz: num('sampleRates.gyroHz', sr.gyroHz, 0, rmin, rmax, false),
    },
    clientId: o.clientId === undefined ? deviceId : str('clientId', o.clientId, /^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable ASCII characters'),
    connectTimeoutMs: num('connectTimeoutMs', o.connectTimeoutMs, 10_000, 100, 600_000),
    keepaliveSec: num('keepaliveSec', o.keepaliveSec, 30, 0, 65_535),
    agent: o.agent ?? 'fleetwire-device-sdk/0.1.0',
  };
}
