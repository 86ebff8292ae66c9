// Manoeuvres made before the mount is known. A device without GPS learns its mount from its first turn; until
// then its harsh manoeuvres cannot be typed (braking and acceleration look alike along an unknown axis). The
// smoothed horizontal acceleration of the moments that could be harsh is kept (compact, bounded); once the
// mount is trusted they go through the same episode logic, in the vehicle frame, and come out as events with
// their own times. Pure.
import { type DetectConfig, G } from './config.js';
import { estimate, type ImuState } from './imu.js';

/** Per kept sample: t (ms), dt (ms), the smoothed horizontal acceleration (mm/s², device frame), handled (0/1). */
const STRIDE = 6;
/** At most this many samples (25 Hz: 48 s of over-threshold time, some 15-20 manoeuvres; ~40 KB of state at most), none older than 10 min. */
const MAX_SAMPLES = 1200;
const MAX_AGE_MS = 10 * 60_000;
const MIN_SPACING_MS = 40;
/** Samples closer than this belong to one stretch (an episode may continue across them). */
export const BACKFILL_GAP_MS = 100;

/** Keeps the sample when its horizontal acceleration could be part of a harsh episode of any type. */
export function keepUnresolved(buf: number[], st: ImuState, t: number, dtMs: number, cfg: DetectConfig): void {
  const h = st.hs;
  const mg = (Math.sqrt(h[0] * h[0] + h[1] * h[1] + h[2] * h[2]) / G) * 1000;
  if (mg < Math.min(cfg.harshBrakingMg, cfg.harshAccelerationMg, cfg.harshCorneringMg) * cfg.hysteresis) return;
  const since = buf.length >= STRIDE ? t - buf[buf.length - STRIDE]! : Infinity;
  if (since < MIN_SPACING_MS) return;
  const dt = since <= BACKFILL_GAP_MS ? since : dtMs;
  buf.push(t, Math.round(dt), Math.round(h[0] * 1000), Math.round(h[1] * 1000), Math.round(h[2] * 1000), t < st.handledUntil ? 1 : 0);
  let drop = 0;
  while (drop < buf.length && (buf.length - drop > MAX_SAMPLES * STRIDE || t - buf[drop]! > MAX_AGE_MS)) drop += STRIDE;
  if (drop > 0) buf.splice(0, drop);
}

/** The kept samples in the vehicle frame of the now-trusted mount, oldest first, for the episode logic. */
export function resolveKept(
  buf: readonly number[],
  st: ImuState,
  cfg: DetectConfig,
  visit: (t: number, dtS: number, forward: number, left: number, handled: boolean) => void,
): void {
  const e = estimate(st, cfg);
  if (!e.forward || !e.left) return;
  const [f, l] = [e.forward, e.left];
  for (let i = 0; i < buf.length; i += STRIDE) {
    const [h0, h1, h2] = [buf[i + 2]! / 1000, buf[i + 3]! / 1000, buf[i + 4]! / 1000];
    visit(buf[i]!, buf[i + 1]! / 1000, h0 * f[0] + h1 * f[1] + h2 * f[2], h0 * l[0] + h1 * l[1] + h2 * l[2], buf[i + 5] === 1);
  }
}
