// Harsh-event and speeding episode tracking. Pure: mutates only the DeviceState passed in.
import { type CoreConfig, G } from './config.js';
import { headingDiffDeg } from './geo.js';
import { eventId } from './ids.js';
import { type DetectedEvent, type DeviceState, type Episode, EV, type LastSample, type Severity } from './types.js';

export function severity(peak: number, threshold: number): Severity {
  const r = threshold > 0 ? peak / threshold : 1;
  return r < 1.25 ? 'low' : r < 1.6 ? 'medium' : 'high';
}

function thresholdOf(type: number, cfg: CoreConfig): number {
  if (type === EV.HARSH_BRAKING) return cfg.harshBrakingMg;
  if (type === EV.HARSH_ACCELERATION) return cfg.harshAccelerationMg;
  if (type === EV.HARSH_CORNERING) return cfg.harshCorneringMg;
  return cfg.speedLimitMs * 100;
}

export function episodeToEvent(st: DeviceState, ep: Episode, tripId: string | null, cfg: CoreConfig): DetectedEvent {
  const th = ep.type === EV.SPEEDING ? cfg.speedLimitMs * 100 : thresholdOf(ep.type, cfg);
  const sevBase = ep.type === EV.SPEEDING ? ep.peak + th : ep.peak;
  return {
    eventId: eventId(st.tenant, st.deviceId, ep.type, ep.startT),
    tripId,
    deviceId: st.deviceId,
    type: ep.type,
    tMs: ep.startT,
    durationMs: Math.max(0, ep.lastT - ep.startT),
    peak: Math.round(ep.peak),
    latE7: ep.latE7,
    lonE7: ep.lonE7,
    speedCms: ep.speedCms,
    severity: severity(sevBase, th),
  };
}

/** Accelerometer peaks: horizontal (gravity-removed) magnitude in milli-g, max per second. */
export type AccelPeaks = Map<number, number>;

export function accelPeakNear(peaks: AccelPeaks, t0: number, t1: number): number {
  let m = 0;
  for (let s = Math.floor(t0 / 1000) - 1; s <= Math.floor(t1 / 1000); s++) m = Math.max(m, peaks.get(s) ?? 0);
  return m;
}

/**
 * Removes gravity with an exponential low-pass filter per axis (time constant gravityTauMs) and keeps the
 * component of the residual orthogonal to gravity: the vehicle's horizontal acceleration, orientation-free.
 */
export function accelHorizontalPeaks(st: DeviceState, t: Float64Array, x: Int32Array, y: Int32Array, z: Int32Array, cfg: CoreConfig): AccelPeaks {
  const peaks: AccelPeaks = new Map();
  let g = st.gravity;
  for (let i = 0; i < t.length; i++) {
    const ti = t[i]!;
    const xi = x[i]!;
    const yi = y[i]!;
    const zi = z[i]!;
    if (!g || ti <= g.t) {
      if (!g) g = { t: ti, x: xi, y: yi, z: zi };
      continue;
    }
    const a = 1 - Math.exp(-(ti - g.t) / Math.max(1, cfg.gravityTauMs));
    g = { t: ti, x: g.x + a * (xi - g.x), y: g.y + a * (yi - g.y), z: g.z + a * (zi - g.z) };
    const gn = Math.hypot(g.x, g.y, g.z);
    if (gn < 100) continue; // no usable gravity estimate (free fall or garbage)
    const dx = xi - g.x;
    const dy = yi - g.y;
    const dz = zi - g.z;
    const along = (dx * g.x + dy * g.y + dz * g.z) / gn;
    const h = Math.sqrt(Math.max(0, dx * dx + dy * dy + dz * dz - along * along));
    const sec = Math.floor(ti / 1000);
    if (h > (peaks.get(sec) ?? 0)) peaks.set(sec, h);
  }
  st.gravity = g;
  return peaks;
}

/** Feeds one episode slot; returns a finished episode when the condition stops or changes type. */
function feed(cur: Episode | null, type: number | 0, t: number, prevT: number, peak: number, s: LastSample): { ep: Episode | null; done: Episode | null } {
  if (type === 0) return { ep: null, done: cur };
  if (cur && cur.type === type) {
    cur.lastT = t;
    if (peak > cur.peak) cur.peak = peak;
    return { ep: cur, done: null };
  }
  const ep: Episode = { type, startT: prevT, lastT: t, peak, latE7: s.latE7, lonE7: s.lonE7, speedCms: Math.round(s.speed * 100) };
  return { ep, done: cur };
}

/**
 * Examines the interval prev -> cur (inside a trip) and returns episodes that just finished.
 * Longitudinal: GPS speed derivative. Lateral: speed x yaw rate. Peaks take the accelerometer into account.
 */
export function detectInterval(st: DeviceState, prev: LastSample, cur: LastSample, peaks: AccelPeaks, cfg: CoreConfig): Episode[] {
  const done: Episode[] = [];
  const dt = (cur.t - prev.t) / 1000;
  const accPeak = peaks.size > 0 ? accelPeakNear(peaks, prev.t, cur.t) : 0;
  let longType: number | 0 = 0;
  let longMg = 0;
  let latType: number | 0 = 0;
  let latMg = 0;
  if (dt > 0 && dt * 1000 <= cfg.maxDerivativeDtMs) {
    const aMg = ((cur.speed - prev.speed) / dt / G) * 1000;
    if (aMg <= -cfg.harshBrakingMg) longType = EV.HARSH_BRAKING;
    else if (aMg >= cfg.harshAccelerationMg) longType = EV.HARSH_ACCELERATION;
    longMg = Math.max(Math.abs(aMg), accPeak);
    const v = (cur.speed + prev.speed) / 2;
    if (prev.heading >= 0 && cur.heading >= 0 && v >= cfg.minCorneringSpeedMs) {
      const yaw = (headingDiffDeg(prev.heading, cur.heading) * Math.PI) / 180 / dt;
      latMg = Math.abs((v * yaw) / G) * 1000;
      if (latMg >= cfg.harshCorneringMg) {
        latType = EV.HARSH_CORNERING;
        latMg = Math.max(latMg, accPeak);
      }
    }
  }
  const l = feed(st.longEp, longType, cur.t, prev.t, longMg, cur);
  st.longEp = l.ep;
  if (l.done) done.push(l.done);
  const c = feed(st.latEp, latType, cur.t, prev.t, latMg, cur);
  st.latEp = c.ep;
  if (c.done) done.push(c.done);

  const over = cur.speed - cfg.speedLimitMs;
  const s = feed(st.speedEp, over > 0 ? EV.SPEEDING : 0, cur.t, prev.t, Math.max(0, over * 100), cur);
  st.speedEp = s.ep;
  if (s.done && s.done.lastT - s.done.startT >= cfg.minSpeedingEventMs) done.push(s.done);
  return done;
}

/** Closes every open episode (trip end or data gap). */
export function closeEpisodes(st: DeviceState, cfg: CoreConfig): Episode[] {
  const out: Episode[] = [];
  if (st.longEp) out.push(st.longEp);
  if (st.latEp) out.push(st.latEp);
  if (st.speedEp && st.speedEp.lastT - st.speedEp.startT >= cfg.minSpeedingEventMs) out.push(st.speedEp);
  st.longEp = null;
  st.latEp = null;
  st.speedEp = null;
  return out;
}
