/** Bounds every decoder applies to untrusted input. All are overridable per call. */
export interface Limits {
  /** Largest accepted encoded payload. */
  maxPayloadBytes: number;
  /** Most samples in one GPS or accelerometer track. */
  maxSamplesPerTrack: number;
  /** Most edge events in one batch. */
  maxEvents: number;
  /** Earliest accepted sample time (epoch ms). */
  minTimeMs: number;
  /** How far past `nowMs` a sample may lie (device clock skew). */
  maxFutureSkewMs: number;
  /** Longest accepted identifier (device_id, boot_id). */
  maxIdLength: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxPayloadBytes: 512 * 1024,
  maxSamplesPerTrack: 20_000,
  maxEvents: 1_000,
  minTimeMs: Date.UTC(2000, 0, 1),
  maxFutureSkewMs: 24 * 3600 * 1000,
  maxIdLength: 128,
});

export function resolveLimits(overrides?: Partial<Limits>): Limits {
  return overrides ? { ...DEFAULT_LIMITS, ...overrides } : DEFAULT_LIMITS;
}
