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

/**
 * Largest accepted TelemetryRecord: its batch (at most maxPayloadBytes) plus this much of envelope (tenant,
 * ids, times, transport). One bound for every reader of records, the full decode and the one-pass scan alike.
 */
export const maxRecordBytes = (l: Limits): number => l.maxPayloadBytes + 4096;

const resolved = new WeakSet<object>();

/** Defaults with `overrides` applied. Passing a result back in returns it as is (no copy per call). */
export function resolveLimits(overrides?: Partial<Limits>): Limits {
  if (!overrides) return DEFAULT_LIMITS;
  if (resolved.has(overrides)) return overrides as Limits;
  const l = Object.freeze({ ...DEFAULT_LIMITS, ...overrides });
  resolved.add(l);
  return l;
}
