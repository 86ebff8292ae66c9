// Accelerometer in any mount -> vehicle-frame acceleration. Gravity ("up") from a low-pass filter; the
// forward axis from the horizontal acceleration correlated with GPS acceleration (speed change and course
// rate); re-estimated when the mount moves (gravity direction jumps) or turns (new evidence disagrees).
import { type DetectConfig, G } from './config.js';
import type { Kinematics } from './gps.js';
import { cosineOf, smoother } from './memo.js';

export type V3 = [number, number, number];

const dot = (a: V3, b: V3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
// Math.sqrt of the sum of squares, not Math.hypot: for these magnitudes (m/s², never near overflow) it
// differs at most in the last bits (hypot rounds once), at a fraction of the cost; norm() runs several times per accelerometer sample (scorer hot path).
const norm = (a: V3) => Math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
const fastGravityGain = smoother();
const gravityGain = smoother();
const smoothGain = smoother();
const mountChangeCos = cosineOf();
const cross = (a: V3, b: V3): V3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const scale = (a: V3, s: number): V3 => [a[0] * s, a[1] * s, a[2] * s];
const unit = (a: V3): V3 => scale(a, 1 / (norm(a) || 1));
/** Component of a perpendicular to the unit vector u. */
const horiz = (a: V3, u: V3): V3 => {
  const k = dot(a, u);
  return [a[0] - k * u[0], a[1] - k * u[1], a[2] - k * u[2]];
};

/** Orientation evidence, accumulated with forgetting proportional to new excitation. */
export interface Orientation {
  /** Sum of h*aLong - (up x h)*aLat (device frame): points forward. */
  s: V3;
  /** Sum of |h||A| dt (normaliser of the quality) and of |A|^2 dt (excitation). */
  n: number;
  e: number;
  /** Sum over contributions of (their part across the forward estimate x dt)^2: the estimate's noise. */
  q: number;
}

export interface ImuState {
  /** Time of the last sample (-1 none). */
  t: number;
  /** Gravity estimate (specific force at rest, m/s², device frame) and a fast one for mount changes. */
  g: V3 | null;
  gf: V3 | null;
  movedSince: number;
  /** Since when gravity is held (a manoeuvre is under way), -1 not held. */
  heldSince: number;
  /** Smoothed horizontal acceleration (device frame, m/s²). */
  hs: V3;
  /** Integral of the horizontal acceleration since the last GPS fix, and its duration (s). */
  iv: [number, number, number, number];
  /** Mean horizontal acceleration over the last closed GPS interval: [x, y, z, t0, t1]. */
  ivLast: [number, number, number, number, number] | null;
  o: Orientation;
  /** Until this time the phone is being handled (magnitude far from 1 g): no IMU events. */
  handledUntil: number;
  mountChanges: number;
  /** Data time of the first confident estimate since the last (re)start of the estimate, -1 not yet. */
  confidentSince: number;
  startedAt: number;
  /**
   * GPS-less evidence from a gyroscope: the horizontal acceleration that goes with the yaw rate is lateral
   * (a_lat = v * yaw rate), so forward = (lateral x up). Used when it is trusted and clearer than the GPS
   * evidence (higher z), or the only trusted one.
   */
  oy?: Orientation;
  /** The open yaw window: sum of hs * V0 * yaw * dt (device frame), of (V0 * yaw)^2 dt, of |hs| |V0 yaw| dt, its start and duration (s). */
  yw?: [number, number, number, number, number, number, number];
  /**
   * -1 when the gyroscope turns the other way than a right-handed frame with the accelerometer's axes says
   * (a recorder whose axes are left-handed): learnt once GPS and gyroscope evidence are both trusted. A device
   * property, kept across mount changes.
   */
  yawSign?: 1 | -1;
  /** The handedness was checked against GPS evidence (until then a device with GPS does not use the gyro's). */
  yawChecked?: boolean;
}

export const newImuState = (): ImuState => ({
  t: -1,
  g: null,
  gf: null,
  movedSince: -1,
  heldSince: -1,
  hs: [0, 0, 0],
  iv: [0, 0, 0, 0],
  ivLast: null,
  o: { s: [0, 0, 0], n: 0, e: 0, q: 0 },
  handledUntil: -1,
  mountChanges: 0,
  confidentSince: -1,
  startedAt: -1,
});

/** What the estimate says now. yawDeg: angle of forward in the horizontal plane, from the device axis least aligned with up. */
export interface OrientationEstimate {
  confident: boolean;
  quality: number;
  /** |evidence| / its noise spread: the estimate's signal-to-noise ratio (1-sigma angle ~ 1/z rad). */
  z: number;
  excitation: number;
  /** Forward and left unit vectors in the device frame (null before any evidence). */
  forward: V3 | null;
  left: V3 | null;
  up: V3 | null;
  /** The evidence it rests on: GPS speed and course changes, or (without trusted GPS evidence) the gyroscope's yaw rate. */
  source?: 'gps' | 'gyro';
}

export function estimate(st: ImuState, cfg: DetectConfig): OrientationEstimate {
  if (!st.g) return { confident: false, quality: 0, z: 0, excitation: 0, forward: null, left: null, up: null };
  const up = unit(st.g);
  const fromGps = estimateFrom(st.o, up, cfg, 'gps');
  if (!st.oy || !yawUsable(st)) return fromGps;
  const fromGyro = estimateFrom(st.oy, up, cfg, 'gyro');
  // Both trusted: the one with the clearer evidence (higher z) wins, as in pushAccel.
  if (fromGps.confident && fromGyro.confident) return fromGyro.z > fromGps.z ? fromGyro : fromGps;
  if (fromGps.confident) return fromGps;
  return fromGyro.confident || fromGyro.excitation > fromGps.excitation ? fromGyro : fromGps;
}

/**
 * The gyroscope's evidence may stand in for GPS's: once its handedness is checked against GPS, or on a device
 * that never gave GPS evidence (its axes are then taken as documented: right-handed).
 */
const yawUsable = (st: ImuState): boolean => st.oy !== undefined && (st.yawChecked === true || st.o.e === 0);

function estimateFrom(o: Orientation, up: V3, cfg: DetectConfig, source: 'gps' | 'gyro'): OrientationEstimate {
  const sh = horiz(o.s, up);
  const m = norm(sh);
  const quality = o.n > 0 ? m / o.n : 0;
  const forward = m > 0 ? scale(sh, 1 / m) : null;
  const z = m > 0 ? m / Math.sqrt(o.q + 1e-6) : 0;
  return {
    confident: forward !== null && o.e >= cfg.orientMinExcitation && quality >= cfg.orientMinQuality && z >= cfg.orientMinZ,
    quality,
    z,
    excitation: o.e,
    forward,
    left: forward ? cross(up, forward) : null,
    up,
    source,
  };
}

/**
 * The gyroscope's handedness declared by the integrator (1: right-handed with the accelerometer's axes, -1: the
 * other way) instead of learnt against GPS: trusted from the first sample, never re-checked.
 */
export function declareGyroHandedness(st: ImuState, sign: 1 | -1): void {
  st.yawSign = sign;
  st.yawChecked = true;
}

export function resetOrientation(st: ImuState, t: number): void {
  st.o = { s: [0, 0, 0], n: 0, e: 0, q: 0 };
  if (st.oy) st.oy = { s: [0, 0, 0], n: 0, e: 0, q: 0 };
  if (st.yw) st.yw = [0, 0, 0, 0, 0, -1, 0];
  st.confidentSince = -1;
  st.startedAt = t;
}

/** Vehicle-frame smoothed acceleration of one sample (m/s²), or null while the orientation is not trusted. */
export interface VehicleAccel {
  t: number;
  dt: number;
  forward: number;
  left: number;
  handled: boolean;
}

/** Feeds one accelerometer sample (milli-g, device frame). */
export function pushAccel(st: ImuState, t: number, xMg: number, yMg: number, zMg: number, cfg: DetectConfig): VehicleAccel | null {
  if (st.t >= 0 && t <= st.t) return null;
  // The sample in m/s² as scalars (an array only when it becomes the gravity estimate).
  const a0 = (xMg / 1000) * G;
  const a1 = (yMg / 1000) * G;
  const a2 = (zMg / 1000) * G;
  const dtMs = st.t < 0 ? Infinity : t - st.t;
  st.t = t;
  if (st.startedAt < 0) st.startedAt = t;
  if (!st.g || !st.gf || dtMs > 5000) {
    // Start, or a gap: gravity restarts from this sample; the forward estimate is kept (same mount).
    st.g = [a0, a1, a2];
    st.gf = [a0, a1, a2];
    st.hs = [0, 0, 0];
    st.iv = [0, 0, 0, 0];
    return null;
  }
  // The filters below update st.g, st.gf, st.hs and st.iv in place (no arrays allocated per sample: this
  // runs for every accelerometer sample of every device); st.g and st.gf are never the same array.
  const dt = dtMs / 1000;
  const mag = Math.sqrt(a0 * a0 + a1 * a1 + a2 * a2);
  if (Math.abs(mag - G) > 0.6 * G) st.handledUntil = t + 3000;
  // Mount change: the fast gravity leaves the slow one for longer than a manoeuvre could explain.
  const af = fastGravityGain(dtMs, 500);
  const gf = st.gf;
  gf[0] += af * (a0 - gf[0]);
  gf[1] += af * (a1 - gf[1]);
  gf[2] += af * (a2 - gf[2]);
  const gfNorm = norm(gf);
  const cosAng = dot(gf, st.g) / ((gfNorm || 1) * (norm(st.g) || 1));
  // Only a rotation, not a manoeuvre: the fast estimate is still ~1 g (a 0.47 g manoeuvre tilts it 25°
  // but also makes it 1.1 g long).
  const still = Math.abs(gfNorm - G) < 0.05 * G;
  if (still && cosAng < mountChangeCos(cfg.mountChangeDeg)) {
    if (st.movedSince < 0) st.movedSince = t;
    if (t - st.movedSince >= cfg.mountChangeHoldMs) {
      st.g = [gf[0], gf[1], gf[2]];
      st.movedSince = -1;
      st.mountChanges++;
      resetOrientation(st, t);
    }
  } else st.movedSince = -1;
  // From here on in scalars (the same operations, in the same order, as unit/horiz/estimate/cross: the
  // results are identical), so a sample allocates nothing.
  const g = st.g;
  const gi = 1 / (norm(g) || 1);
  const u0 = g[0] * gi;
  const u1 = g[1] * gi;
  const u2 = g[2] * gi;
  const d0 = a0 - g[0];
  const d1 = a1 - g[1];
  const d2 = a2 - g[2];
  const k = d0 * u0 + d1 * u1 + d2 * u2;
  const h0 = d0 - k * u0;
  const h1 = d1 - k * u1;
  const h2 = d2 - k * u2;
  // Gravity follows slow changes (slopes, the mount settling) but holds while the car clearly manoeuvres,
  // so a long brake or turn is not absorbed into "gravity" (and then seen reversed afterwards). A hold
  // longer than 20 s is not a manoeuvre: adaptation resumes, ten times slower.
  let ag = gravityGain(dtMs, Math.max(1, cfg.gravityTauMs));
  if (Math.sqrt(h0 * h0 + h1 * h1 + h2 * h2) > 0.1 * G) {
    if (st.heldSince < 0) st.heldSince = t;
    ag = t - st.heldSince > 20_000 ? ag / 10 : 0;
  } else st.heldSince = -1;
  g[0] += ag * (a0 - g[0]);
  g[1] += ag * (a1 - g[1]);
  g[2] += ag * (a2 - g[2]);
  const as = smoothGain(dtMs, Math.max(1, cfg.smoothTauMs));
  const hs = st.hs;
  hs[0] += as * (h0 - hs[0]);
  hs[1] += as * (h1 - hs[1]);
  hs[2] += as * (h2 - hs[2]);
  const iv = st.iv;
  iv[0] += h0 * dt;
  iv[1] += h1 * dt;
  iv[2] += h2 * dt;
  iv[3] += dt;
  // estimate(st, cfg), then the smoothed horizontal acceleration along its forward and left axes.
  const ni = 1 / (norm(g) || 1);
  const v0 = g[0] * ni;
  const v1 = g[1] * ni;
  const v2 = g[2] * ni;
  let o = st.o;
  const zGps = trustedZ(o, v0, v1, v2, cfg);
  // The gyroscope's evidence when it is the clearer one (or the only trusted one).
  if (st.oy && yawUsable(st) && trustedZ(st.oy, v0, v1, v2, cfg) > zGps) o = st.oy;
  else if (zGps === 0) return null;
  const ks = o.s[0] * v0 + o.s[1] * v1 + o.s[2] * v2;
  const s0 = o.s[0] - ks * v0;
  const s1 = o.s[1] - ks * v1;
  const s2 = o.s[2] - ks * v2;
  const mi = 1 / Math.sqrt(s0 * s0 + s1 * s1 + s2 * s2);
  const f0 = s0 * mi;
  const f1 = s1 * mi;
  const f2 = s2 * mi;
  const l0 = v1 * f2 - v2 * f1;
  const l1 = v2 * f0 - v0 * f2;
  const l2 = v0 * f1 - v1 * f0;
  if (st.confidentSince < 0) st.confidentSince = t;
  return { t, dt, forward: hs[0] * f0 + hs[1] * f1 + hs[2] * f2, left: hs[0] * l0 + hs[1] * l1 + hs[2] * l2, handled: t < st.handledUntil };
}

/** The z of the evidence `o` seen with up = (v0, v1, v2) when it is enough to trust (the thresholds of estimate(), in scalars), else 0. */
function trustedZ(o: Orientation, v0: number, v1: number, v2: number, cfg: DetectConfig): number {
  const ks = o.s[0] * v0 + o.s[1] * v1 + o.s[2] * v2;
  const s0 = o.s[0] - ks * v0;
  const s1 = o.s[1] - ks * v1;
  const s2 = o.s[2] - ks * v2;
  const m = Math.sqrt(s0 * s0 + s1 * s1 + s2 * s2);
  if (!(m > 0)) return 0;
  const quality = o.n > 0 ? m / o.n : 0;
  const z = m / Math.sqrt(o.q + 1e-6);
  return o.e >= cfg.orientMinExcitation && quality >= cfg.orientMinQuality && z >= cfg.orientMinZ ? z : 0;
}

/** A GPS fix arrived at t: closes the IMU integral of the interval that ends there. */
export function closeInterval(st: ImuState, t0: number, t1: number): void {
  const [x, y, z, d] = st.iv;
  st.ivLast = d > 0 ? [x / d, y / d, z / d, t0, t1] : null;
  st.iv = [0, 0, 0, 0];
}

/** Minimum GPS acceleration (m/s²) for an interval to count as orientation evidence. */
const MIN_SIGNAL = 0.3;

/** Uses one judged GPS interval, with the IMU mean over the same interval, as orientation evidence. */
export function learn(st: ImuState, k: Kinematics, h: readonly [number, number, number, number, number] | null, cfg: DetectConfig): void {
  if (!st.g || !h || h[3] !== k.t0 || h[4] !== k.t1 || !Number.isFinite(k.aLong)) return;
  const aLat = Number.isFinite(k.aLatStep) && Math.abs(k.aLatStep) < G ? k.aLatStep : 0;
  const a2 = k.aLong * k.aLong + aLat * aLat;
  if (a2 < MIN_SIGNAL * MIN_SIGNAL) return;
  const dt = (k.t1 - k.t0) / 1000;
  const up = unit(st.g);
  const hv: V3 = horiz([h[0], h[1], h[2]], up);
  const uh = cross(up, hv);
  const c: V3 = [hv[0] * k.aLong - uh[0] * aLat, hv[1] * k.aLong - uh[1] * aLat, hv[2] * k.aLong - uh[2] * aLat];
  addEvidence(st.o, c, horiz(c, up), up, a2, norm(hv) * Math.sqrt(a2), dt, cfg);
  checkHandedness(st, up, cfg);
}

/**
 * Adds one contribution `c` (its horizontal part `ch`) of signal a2 ((m/s²)²) and agreement weight `n` over
 * `dt` s to the evidence `o`, fading what is there by the evidence memory. Shared by the GPS and yaw evidence.
 */
function addEvidence(o: Orientation, c: V3, ch: V3, up: V3, a2: number, n: number, dt: number, cfg: DetectConfig): void {
  const lam = Math.exp(-(a2 * dt) / Math.max(1e-9, cfg.orientMemory));
  o.s = [o.s[0] * lam + c[0] * dt, o.s[1] * lam + c[1] * dt, o.s[2] * lam + c[2] * dt];
  o.n = o.n * lam + n * dt;
  o.e = o.e * lam + a2 * dt;
  // Spread: the part of each contribution across the current forward estimate (all of it at first).
  const sh = horiz(o.s, up);
  const m = norm(sh);
  const across = m > 0 ? norm(horiz(ch, scale(sh, 1 / m))) : norm(ch);
  o.q = o.q * lam * lam + (across * dt) ** 2;
}

/**
 * GPS and gyroscope evidence both trusted: they must agree on forward. Opposite means the gyroscope's sense of
 * rotation is the other one than the accelerometer's axes imply; its evidence so far is turned round and so is
 * every later yaw rate. Checked once per device.
 */
function checkHandedness(st: ImuState, up: V3, cfg: DetectConfig): void {
  if (st.yawChecked || !st.oy) return;
  const a = estimateFrom(st.o, up, cfg, 'gps');
  const b = estimateFrom(st.oy, up, cfg, 'gyro');
  // A wrong answer here would turn every later event round: ask for twice the evidence an estimate needs.
  const strong = (e: OrientationEstimate) => e.confident && e.z >= 2 * cfg.orientMinZ && e.excitation >= 2 * cfg.orientMinExcitation;
  if (!strong(a) || !strong(b)) return;
  const cos = dot(a.forward!, b.forward!);
  if (Math.abs(cos) < 0.7) return; // no clear answer yet (one of them still moving)
  st.yawChecked = true;
  if (cos < 0) {
    st.yawSign = st.yawSign === -1 ? 1 : -1;
    st.oy.s = [-st.oy.s[0], -st.oy.s[1], -st.oy.s[2]];
  }
}

/**
 * Nominal speed (m/s) that turns a yaw rate into a lateral acceleration for the yaw evidence's weights, so that
 * its excitation reads in the same units as the GPS evidence's (m²/s⁴ s). Only weights and thresholds depend on it.
 */
const YAW_V0 = 10;
/** Length (ms) of one yaw evidence window: about the smoothing's correlation time, so windows are ~independent. */
const YAW_WINDOW_MS = 1000;

/**
 * Feeds the gyroscope's smoothed yaw rate (rad/s about up, counter-clockwise from above) at the time of the last
 * accelerometer sample: the smoothed horizontal acceleration that goes with it is lateral (a turn to the left
 * accelerates to the left), which gives the forward axis without GPS. Evidence is taken per 1 s window, and a
 * window with little turning (|V0 * yaw| < 0.3 m/s²) or while the phone is handled is skipped.
 */
export function learnYaw(st: ImuState, dtMs: number, yawRadS: number, cfg: DetectConfig): void {
  if (!st.g || !(dtMs > 0) || dtMs > 5000) return;
  const w = (st.yw ??= [0, 0, 0, 0, 0, -1, 0]);
  const t = st.t;
  if (w[5] < 0) w[5] = t;
  const dt = dtMs / 1000;
  const r = YAW_V0 * yawRadS * (st.yawSign ?? 1);
  const hs = st.hs;
  w[0] += hs[0] * r * dt;
  w[1] += hs[1] * r * dt;
  w[2] += hs[2] * r * dt;
  w[3] += r * r * dt;
  w[4] += Math.sqrt(hs[0] * hs[0] + hs[1] * hs[1] + hs[2] * hs[2]) * Math.abs(r) * dt;
  w[6] += dt;
  if (t - w[5] < YAW_WINDOW_MS) return;
  const T = w[6];
  const lateral: V3 = [w[0] / T, w[1] / T, w[2] / T];
  const a2 = w[3] / T;
  const spread = w[4] / T;
  st.yw = [0, 0, 0, 0, 0, t, 0];
  if (a2 < MIN_SIGNAL * MIN_SIGNAL || t < st.handledUntil) return;
  const up = unit(st.g);
  // lateral x up points forward (left x up = forward for x forward, y left, z up).
  const c = horiz(cross(lateral, up), up);
  addEvidence((st.oy ??= { s: [0, 0, 0], n: 0, e: 0, q: 0 }), c, c, up, a2, spread, T, cfg);
  checkHandedness(st, up, cfg);
}
