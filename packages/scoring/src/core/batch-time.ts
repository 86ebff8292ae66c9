// The time a telemetry batch is filed under (batch_summaries.time, its month partition). Pure.
//
// A batch's range spans everything it holds: GPS and accelerometer samples and edge events. A batch that
// holds none of them (the SDK may seal one that carries only its sequence number) is filed at the first
// plausible time of: the device's sent_at_ms, the gateway's received_at_ms, the log's own record time, and
// finally the scorer's clock. "Plausible" is the codec's time window: not before 2000-01-01 and not more
// than the codec's clock skew (24 h) past the scorer's clock.
import { DEFAULT_LIMITS } from '@fleetwire/proto';

export type BatchTimeSource = 'samples' | 'sent_at' | 'received_at' | 'log_time' | 'scorer_clock';

export interface BatchTimeRange {
  startMs: number;
  endMs: number;
  source: BatchTimeSource;
}

export interface BatchTimes {
  gpsT: ArrayLike<number>;
  accelT?: ArrayLike<number> | null;
  eventT?: ArrayLike<number> | null;
}

export interface FallbackTimes {
  sentAtMs?: number;
  receivedAtMs?: number;
  logTimeMs?: number;
  nowMs: number;
}

const plausible = (t: number | undefined, nowMs: number): t is number =>
  t !== undefined && Number.isFinite(t) && t >= DEFAULT_LIMITS.minTimeMs && t <= nowMs + DEFAULT_LIMITS.maxFutureSkewMs;

/** The fallback time of a batch without samples or events, and where it came from. */
export function fallbackTime(f: FallbackTimes): { t: number; source: BatchTimeSource } {
  if (plausible(f.sentAtMs, f.nowMs)) return { t: f.sentAtMs, source: 'sent_at' };
  if (plausible(f.receivedAtMs, f.nowMs)) return { t: f.receivedAtMs, source: 'received_at' };
  if (plausible(f.logTimeMs, f.nowMs)) return { t: f.logTimeMs, source: 'log_time' };
  return { t: f.nowMs, source: 'scorer_clock' };
}

function extend(r: { lo: number; hi: number }, ts: ArrayLike<number> | null | undefined, sorted: boolean): void {
  if (!ts || ts.length === 0) return;
  if (sorted) {
    r.lo = Math.min(r.lo, ts[0]!);
    r.hi = Math.max(r.hi, ts[ts.length - 1]!);
    return;
  }
  for (let i = 0; i < ts.length; i++) {
    r.lo = Math.min(r.lo, ts[i]!);
    r.hi = Math.max(r.hi, ts[i]!);
  }
}

/**
 * Range of the batch's own data (tracks are time-ordered on the wire; events need not be), else the
 * fallback time (start = end). `fallbackMs` undefined and no data times: null.
 */
export function batchTimeRange(b: BatchTimes, fallback?: { t: number; source: BatchTimeSource }): BatchTimeRange | null {
  const r = { lo: Infinity, hi: -Infinity };
  extend(r, b.gpsT, true);
  extend(r, b.accelT, true);
  extend(r, b.eventT, false);
  if (r.lo <= r.hi) return { startMs: r.lo, endMs: r.hi, source: 'samples' };
  return fallback ? { startMs: fallback.t, endMs: fallback.t, source: fallback.source } : null;
}
