// GPS cleaning and kinematics. A fix is judged once the next one has arrived (one fix of delay), so a
// single-fix spike in speed or course can be recognised as one: the neighbours agree, the fix does not.
import { type DetectConfig, G } from './config.js';

/** A GPS fix in wire units (what the proto columns carry). -1 = unknown speed/heading, 0 = unknown hdop. */
export interface Fix {
  t: number;
  latE7: number;
  lonE7: number;
  speedCms: number;
  headingCdeg: number;
  hdopC: number;
  /** Posted speed limit (cm/s), 0 = unknown. */
  limitCms: number;
  /** The limit is a road-type default (the source knew the road type, not the posted limit). */
  limitDefault?: boolean;
}

/** A fix as the detector keeps it (plain JSON). v m/s, h degrees, -1 = unknown or not usable. */
export interface CleanFix {
  t: number;
  latE7: number;
  lonE7: number;
  v: number;
  h: number;
  limitCms: number;
  limitDefault: boolean;
}

/** Kinematics of the interval ending at a judged fix. NaN = not measurable. m/s², lateral left positive. */
export interface Kinematics {
  t0: number;
  t1: number;
  /** Longitudinal acceleration over the interval (speed derivative), NaN when not measurable. */
  aLong: number;
  /** True when aLong was measurable but beyond what a car can do: an artefact, never an event. */
  aLongImplausible: boolean;
  /** Lateral acceleration from the course over courseWindowMs (NaN below minCourseSpeed or across gaps). */
  aLat: number;
  /** Course turned at least minTurnDeg in the window (a real turn, not heading noise). */
  turning: boolean;
  /** Lateral acceleration over this interval alone (no window: noisier, but in step with the IMU). */
  aLatStep: number;
  fix: CleanFix;
}

export interface GpsState {
  /** Judged fixes, newest last, covering at least courseWindowMs. */
  win: CleanFix[];
  /** The newest fix, not yet judged. */
  pending: CleanFix | null;
  /** Counters of what the cleaning changed (for diagnostics and the evaluation). */
  speedSpikes: number;
  courseSpikes: number;
  poorHdop: number;
}

export const newGpsState = (): GpsState => ({ win: [], pending: null, speedSpikes: 0, courseSpikes: 0, poorHdop: 0 });

/** Signed smallest difference b - a between two headings in degrees, in (-180, 180]. */
export function headingDiffDeg(a: number, b: number): number {
  let d = (b - a) % 360;
  if (d > 180) d -= 360;
  if (d <= -180) d += 360;
  return d;
}

const RAD = Math.PI / 180;

function toClean(f: Fix, cfg: DetectConfig, st: GpsState): CleanFix {
  const poor = cfg.maxHdop > 0 && f.hdopC > 0 && f.hdopC / 100 > cfg.maxHdop;
  if (poor) st.poorHdop++;
  return {
    t: f.t,
    latE7: f.latE7,
    lonE7: f.lonE7,
    v: poor || f.speedCms < 0 ? -1 : f.speedCms / 100,
    h: poor || f.headingCdeg < 0 ? -1 : f.headingCdeg / 100,
    limitCms: f.limitCms > 0 ? f.limitCms : 0,
    limitDefault: f.limitCms > 0 && f.limitDefault === true,
  };
}

/** Corrects a single-fix spike of p between its judged predecessor a and the raw successor n. */
function despike(a: CleanFix | undefined, p: CleanFix, n: CleanFix, cfg: DetectConfig, st: GpsState): void {
  if (!a || p.t - a.t > cfg.maxFixGapMs || n.t - p.t > cfg.maxFixGapMs) return;
  if (a.v >= 0 && p.v >= 0 && n.v >= 0) {
    const d1 = (p.v - a.v) / ((p.t - a.t) / 1000);
    const d2 = (n.v - p.v) / ((n.t - p.t) / 1000);
    const lim = (cfg.maxAccelerationMg / 1000) * G;
    // Up then down (or down then up), each step beyond what a car can do: the fix is wrong, not the car.
    if (Math.abs(d1) > lim && Math.abs(d2) > lim && Math.sign(d1) !== Math.sign(d2)) {
      const w = (p.t - a.t) / (n.t - a.t);
      p.v = a.v + (n.v - a.v) * w;
      st.speedSpikes++;
    }
  }
  if (a.h >= 0 && p.h >= 0 && n.h >= 0 && p.v >= cfg.minCourseSpeedMs) {
    const an = headingDiffDeg(a.h, n.h);
    if (
      Math.abs(an) < cfg.courseSpikeDeg / 3 &&
      Math.abs(headingDiffDeg(a.h, p.h)) > cfg.courseSpikeDeg &&
      Math.abs(headingDiffDeg(n.h, p.h)) > cfg.courseSpikeDeg
    ) {
      p.h = (a.h + an * ((p.t - a.t) / (n.t - a.t)) + 360) % 360;
      st.courseSpikes++;
    }
  }
}

function kinematics(win: CleanFix[], cfg: DetectConfig): Kinematics | null {
  const p = win[win.length - 1]!;
  const a = win[win.length - 2];
  if (!a) return null;
  const dt = (p.t - a.t) / 1000;
  const k: Kinematics = { t0: a.t, t1: p.t, aLong: NaN, aLongImplausible: false, aLat: NaN, turning: false, aLatStep: NaN, fix: p };
  if (dt <= 0 || dt * 1000 > cfg.maxFixGapMs) return k;
  if (a.v >= 0 && p.v >= 0) {
    const acc = (p.v - a.v) / dt;
    const mg = (acc / G) * 1000;
    if (mg > cfg.maxAccelerationMg || -mg > cfg.maxBrakingMg) k.aLongImplausible = true;
    else k.aLong = acc;
  }
  if (a.h >= 0 && p.h >= 0 && a.v >= cfg.minCourseSpeedMs && p.v >= cfg.minCourseSpeedMs) {
    k.aLatStep = -((a.v + p.v) / 2) * ((headingDiffDeg(a.h, p.h) * RAD) / dt);
  }
  // Course over the window: walk back over contiguous fixes with usable course at speed.
  let turn = 0;
  let vSum = 0;
  let n = 0;
  let t0 = p.t;
  for (let i = win.length - 1; i > 0; i--) {
    const x = win[i]!;
    const y = win[i - 1]!;
    if (x.t - y.t > cfg.maxFixGapMs || x.h < 0 || y.h < 0 || x.v < cfg.minCourseSpeedMs || y.v < cfg.minCourseSpeedMs) break;
    if (p.t - y.t > cfg.courseWindowMs) break;
    turn += headingDiffDeg(y.h, x.h);
    vSum += (x.v + y.v) / 2;
    n++;
    t0 = y.t;
  }
  if (n > 0 && p.t > t0) {
    const yawRad = (turn * RAD) / ((p.t - t0) / 1000);
    const lat = -(vSum / n) * yawRad; // heading is clockwise: a right turn accelerates to the right (negative left)
    if (Math.abs((lat / G) * 1000) <= cfg.maxCorneringMg) {
      k.aLat = lat;
      k.turning = Math.abs(turn) >= cfg.minTurnDeg;
    }
  }
  return k;
}

/**
 * Feeds one raw fix. Returns the kinematics of the interval that ends at the previous fix (now judged),
 * or null. Fixes not newer than the last one are ignored (returns null).
 */
export function pushFix(st: GpsState, f: Fix, cfg: DetectConfig): Kinematics | null {
  const last = st.pending ?? st.win[st.win.length - 1];
  if (last && f.t <= last.t) return null;
  const n = toClean(f, cfg, st);
  const p = st.pending;
  st.pending = n;
  if (!p) return null;
  return judge(st, p, n, cfg);
}

function judge(st: GpsState, p: CleanFix, n: CleanFix | null, cfg: DetectConfig): Kinematics | null {
  const a = st.win[st.win.length - 1];
  if (n) despike(a, p, n, cfg, st);
  if (a && p.t - a.t > cfg.maxFixGapMs) st.win.length = 0;
  st.win.push(p);
  // Keep what the course window needs (plus the interval's start).
  while (st.win.length > 2 && p.t - st.win[1]!.t > cfg.courseWindowMs) st.win.shift();
  return kinematics(st.win, cfg);
}

/** Judges the pending fix without a successor (end of data / trip): no spike check is possible for it. */
export function flushFix(st: GpsState, cfg: DetectConfig): Kinematics | null {
  const p = st.pending;
  st.pending = null;
  return p ? judge(st, p, null, cfg) : null;
}
