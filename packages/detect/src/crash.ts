// Crash detection: a high-g horizontal impact pulse followed by the vehicle coming to a stop. Guards: the
// vehicle must have been moving (GPS) before; a pulse must last and change speed (a pothole or a knock is
// a short spike); a pulse right after free fall is a dropped phone unless the stop follows within seconds
// (a crash decelerates faster than any braking); no stop within the window = the vehicle drove on (drop,
// pothole, phone thrown on the seat). Pure; state is plain JSON.
import { type DetectConfig, G } from './config.js';

type V3 = [number, number, number];

export interface CrashPulse {
  startT: number;
  lastT: number;
  aboveMs: number;
  peakMg: number;
  /** Integral of |horizontal acceleration| over the pulse (m/s) and of its vector (device frame). */
  dv: number;
  dir: V3;
}

export interface CrashCandidate {
  impactT: number;
  pulseMs: number;
  peakMg: number;
  dvMs: number;
  /** Mean force direction of the pulse, device frame (unit). */
  dir: V3;
  preSpeedMs: number;
  afterFreeFall: boolean;
}

export interface CrashState {
  /** Since when |a| is below the free-fall level (-1 not falling); last time a free fall was complete. */
  ffSince: number;
  freeFallT: number;
  pulse: CrashPulse | null;
  cand: CrashCandidate | null;
  /** Candidates rejected: no motion before, too short / too little delta-V, drop, no stop. */
  rejected: { stationary: number; pulse: number; drop: number; noStop: number };
  confirmed: number;
}

export const newCrashState = (): CrashState => ({
  ffSince: -1,
  freeFallT: -1,
  pulse: null,
  cand: null,
  rejected: { stationary: 0, pulse: 0, drop: 0, noStop: 0 },
  confirmed: 0,
});

/** A confirmed crash. */
export interface CrashFinding extends CrashCandidate {
  confirmT: number;
  postSpeedMs: number;
}

/** The last GPS speed the detector knows: m/s (-1 unknown) and its time. */
export interface SpeedNow {
  v: number;
  t: number;
}

const dot = (a: V3, b: V3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const norm = (a: V3) => Math.hypot(a[0], a[1], a[2]);

function endPulse(cs: CrashState, speed: SpeedNow, cfg: DetectConfig): void {
  const p = cs.pulse;
  cs.pulse = null;
  if (!p) return;
  if (p.aboveMs < cfg.crashMinPulseMs || p.dv * 3.6 < cfg.crashMinDeltaVKmh) {
    cs.rejected.pulse++;
    return;
  }
  const moving = speed.v >= cfg.crashMinSpeedKmh / 3.6 && p.startT - speed.t <= 3000;
  if (!moving) {
    cs.rejected.stationary++;
    return;
  }
  const m = norm(p.dir) || 1;
  const cand: CrashCandidate = {
    impactT: p.startT,
    pulseMs: Math.round(p.lastT - p.startT),
    peakMg: Math.round(p.peakMg),
    dvMs: p.dv,
    dir: [p.dir[0] / m, p.dir[1] / m, p.dir[2] / m],
    preSpeedMs: speed.v,
    afterFreeFall: cs.freeFallT >= 0 && p.startT - cs.freeFallT <= 1500,
  };
  // A later, stronger impact of the same event replaces the first (secondary collisions).
  if (!cs.cand || cand.dvMs > cs.cand.dvMs) cs.cand = { ...cand, preSpeedMs: cs.cand ? cs.cand.preSpeedMs : cand.preSpeedMs };
}

/**
 * One accelerometer sample: a (m/s², device frame, gravity included), g the gravity estimate before this
 * sample (m/s², device frame), dtMs since the previous sample.
 */
export function crashAccel(cs: CrashState, t: number, dtMs: number, a: V3, g: V3, speed: SpeedNow, cfg: DetectConfig): void {
  const mag = norm(a);
  if (mag < (cfg.crashFreeFallMg / 1000) * G) {
    if (cs.ffSince < 0) cs.ffSince = t - dtMs;
    if (t - cs.ffSince >= cfg.crashFreeFallMs) cs.freeFallT = t;
  } else cs.ffSince = -1;
  const gn = norm(g) || 1;
  const up: V3 = [g[0] / gn, g[1] / gn, g[2] / gn];
  const d: V3 = [a[0] - g[0], a[1] - g[1], a[2] - g[2]];
  const k = dot(d, up);
  const h: V3 = [d[0] - k * up[0], d[1] - k * up[1], d[2] - k * up[2]];
  const hMg = (norm(h) / G) * 1000;
  const dt = Math.min(dtMs, 25) / 1000;
  const p = cs.pulse;
  if (hMg >= cfg.crashImpactMg || (p && hMg >= cfg.crashImpactMg * 0.5)) {
    const q = p ?? (cs.pulse = { startT: t - Math.min(dtMs, 25), lastT: t, aboveMs: 0, peakMg: 0, dv: 0, dir: [0, 0, 0] });
    q.lastT = t;
    if (hMg >= cfg.crashImpactMg) q.aboveMs += dt * 1000;
    if (hMg > q.peakMg) q.peakMg = hMg;
    q.dv += norm(h) * dt;
    q.dir = [q.dir[0] + h[0] * dt, q.dir[1] + h[1] * dt, q.dir[2] + h[2] * dt];
  } else if (p) endPulse(cs, speed, cfg);
}

/**
 * A GPS speed (m/s, -1 unknown) at t: confirms a candidate when the vehicle stopped in time, drops it when the
 * window passed without a stop. Returns the confirmed crash, if any.
 */
export function crashFix(cs: CrashState, t: number, v: number, speed: SpeedNow, cfg: DetectConfig): CrashFinding | null {
  if (cs.pulse && t - cs.pulse.lastT > 100) endPulse(cs, speed, cfg);
  const c = cs.cand;
  if (!c || t <= c.impactT) return null;
  const since = t - c.impactT;
  const stopped = v >= 0 && v <= cfg.crashStopSpeedKmh / 3.6;
  if (stopped) {
    cs.cand = null;
    if (c.afterFreeFall && since > cfg.crashDropStopMs) {
      cs.rejected.drop++;
      return null;
    }
    cs.confirmed++;
    return { ...c, confirmT: t, postSpeedMs: v };
  }
  if (since > cfg.crashStopWithinMs) {
    cs.cand = null;
    if (c.afterFreeFall) cs.rejected.drop++;
    else cs.rejected.noStop++;
  }
  return null;
}

/** Impact direction in the vehicle frame (deg, 0 forward, 90 left), or -1 without a trusted mount. */
export function impactDirectionDeg(dir: V3, forward: V3 | null, left: V3 | null): number {
  if (!forward || !left) return -1;
  const f = dot(dir, forward);
  const l = dot(dir, left);
  if (Math.hypot(f, l) < 1e-6) return -1;
  return Math.round(((Math.atan2(l, f) * 180) / Math.PI + 360) % 360) % 360;
}
