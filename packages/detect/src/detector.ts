// The detector: GPS fixes and accelerometer samples in (time order per stream), finished events out.
// Harsh events come from the vehicle-frame accelerometer once the mount orientation is trusted, from GPS
// speed and course before that (or without an IMU). State is plain JSON (the scorer persists it).
import { type DetectConfig, G } from './config.js';
import { EVENT, finish, type MotionEvent, type OpenEpisode, plausibleMaxOf, thresholdOf } from './episode.js';
import { type Fix, flushFix, type GpsState, type Kinematics, newGpsState, pushFix } from './gps.js';
import { BACKFILL_GAP_MS, keepUnresolved, resolveKept } from './backfill.js';
import { closeInterval, estimate, type ImuState, learn, learnYaw, newImuState, pushAccel, type VehicleAccel } from './imu.js';
import { applicableLimit, type SpeedingSample } from './speed-limit.js';
import {
  advancePhone,
  flushPhone,
  newPhoneUseState,
  notePhoneHandling,
  PHONE_TICK_MS,
  type PhoneContext,
  type PhoneUseEvent,
  type PhoneUseState,
  pushPhoneState,
  skipIdleTicks,
} from './phone.js';
import { cosineOf } from './memo.js';
import { crashAccel, crashFix, type CrashState, impactDirectionDeg, newCrashState } from './crash.js';

/** Gyroscope path: smoothed yaw rate (deg/s, about "up") and rotation about horizontal axes (deg/s). */
export interface GyroState {
  t: number;
  yawDps: number;
  tiltDps: number;
  /** The yaw rate's slow bias (deg/s about up) and the seconds of evidence behind it (capped: it keeps following). */
  biasDps?: number;
  biasS?: number;
}

/** Yaw rates this far from the bias estimate are turning, not bias: they do not move it. */
const BIAS_GATE_DPS = 8;
/** The bias estimate's memory (s) once full, and the least weight it starts with (s). */
const BIAS_MEMORY_S = 60;
const BIAS_MIN_S = 10;
/** Only while the smoothed horizontal acceleration is below this (m/s², ~50 mg): the car is not manoeuvring. */
const BIAS_CALM_MS2 = 0.5;

export interface MotionState {
  v: 1;
  gps: GpsState;
  imu: ImuState;
  /** Open harsh episodes: longitudinal and lateral; open speeding episode. */
  long: OpenEpisode | null;
  lat: OpenEpisode | null;
  speed: OpenEpisode | null;
  /** Last judged fix (position and speed tag events; speed gates IMU events). */
  lastFix: { t: number; latE7: number; lonE7: number; v: number } | null;
  /** Episodes dropped as physically implausible, by source. */
  rejected: { imu: number; gps: number };
  /** Added with issue 17 (absent in states persisted before; created on first use). */
  gyro?: GyroState;
  phone?: PhoneUseState;
  crash?: CrashState;
  /** Longitudinal acceleration of the last judged GPS interval (m/s²): the car, not the phone, when large. */
  aLong?: number;
  /** Samples that could be harsh, kept while a device without GPS has no mount yet (backfill.ts). */
  pre?: number[];
  /** Last raw GPS speed (m/s) and its time, for crash detection. */
  crashSpeed?: { v: number; t: number };
}

export const newMotionState = (): MotionState => ({
  v: 1,
  gps: newGpsState(),
  imu: newImuState(),
  long: null,
  lat: null,
  speed: null,
  lastFix: null,
  rejected: { imu: 0, gps: 0 },
});

/** What one judged fix contributed: its interval's kinematics and speeding (for exposure sums). */
export interface FixResult {
  k: Kinematics | null;
  speeding: SpeedingSample | null;
}

const gyroActive = (st: MotionState, t: number, cfg: DetectConfig): boolean => st.gyro !== undefined && st.gyro.t >= 0 && t - st.gyro.t <= cfg.gyroMaxGapMs;
/** A GPS speed within the last 5 s: the gyroscope's yaw rate can be turned into lateral acceleration. */
const gpsSpeedRecent = (st: MotionState, t: number): boolean => st.lastFix !== null && st.lastFix.v >= 0 && t - st.lastFix.t < 5000;
/** Cornering comes from yaw rate x GPS speed (detectGyro); otherwise from the IMU's lateral acceleration. */
const gyroCornering = (st: MotionState, t: number, cfg: DetectConfig): boolean => gyroActive(st, t, cfg) && gpsSpeedRecent(st, t);

function phoneCtx(st: MotionState, t: number, cfg: DetectConfig): PhoneContext {
  const f = st.lastFix;
  const moving = f !== null && f.v >= cfg.phoneMinSpeedMs && t - f.t <= 5000;
  return { moving, ...tag(st) };
}

function phoneEvents(evs: PhoneUseEvent[], out: MotionEvent[]): void {
  for (const e of evs) {
    out.push({
      type: EVENT.PHONE_USE,
      startT: e.startT,
      endT: e.endT,
      peak: e.bits,
      severity: e.movingMs >= 30_000 ? 'high' : e.movingMs >= 10_000 ? 'medium' : 'low',
      source: e.bits & 4 ? 'imu' : 'app',
      latE7: e.latE7,
      lonE7: e.lonE7,
      speedCms: e.speedCms,
      phone: { movingMs: e.movingMs, bits: e.bits },
    });
  }
  evs.length = 0;
}

const phoneEvs: PhoneUseEvent[] = [];
function advance(st: MotionState, t: number, cfg: DetectConfig, out: MotionEvent[]): void {
  const ph = (st.phone ??= newPhoneUseState());
  // No 250 ms tick passed since the last input (most accelerometer samples): advancePhone would do nothing,
  // so skip building its context (it runs for every sample of every device in the scorer).
  if (ph.tickT >= 0 && ph.tickT + PHONE_TICK_MS > t) return;
  // Nor when the phone is idle over the ticks passed (skipIdleTicks moves them on and checks its own limits).
  if (skipIdleTicks(ph, t, cfg)) return;
  advancePhone(ph, t, phoneCtx(st, t, cfg), cfg, phoneEvs);
  phoneEvents(phoneEvs, out);
}

/** IMU events need motion: a known recent speed above this (m/s), or no GPS at all. */
const IMU_MIN_SPEED = 2;

function tag(st: MotionState): { latE7: number; lonE7: number; speedCms: number } {
  const f = st.lastFix;
  return f ? { latE7: f.latE7, lonE7: f.lonE7, speedCms: Math.max(0, Math.round(f.v * 100)) } : { latE7: 0, lonE7: 0, speedCms: 0 };
}

/** One slot: continue, start or end an episode. `value` in milli-g (>= 0), type 0 = below threshold. */
function feed(
  st: MotionState,
  slot: 'long' | 'lat',
  type: number,
  source: 'imu' | 'gps',
  t0: number,
  t1: number,
  value: number,
  cfg: DetectConfig,
  out: MotionEvent[],
): void {
  const cur = st[slot];
  // Same type continues the episode even when the evidence switches source (the mount estimate became trusted).
  if (cur && cur.type === type && value >= thresholdOf(type, cfg) * cfg.hysteresis) {
    if (source === 'imu') cur.source = 'imu';
    cur.lastT = t1;
    if (value > cur.peak) cur.peak = value;
    return;
  }
  if (cur) close(st, slot, cfg, out);
  if (type !== 0 && value >= thresholdOf(type, cfg)) st[slot] = { type, source, startT: t0, lastT: t1, peak: value, ...tag(st) };
}

function close(st: MotionState, slot: 'long' | 'lat', cfg: DetectConfig, out: MotionEvent[]): void {
  const ep = st[slot];
  st[slot] = null;
  if (!ep) return;
  if (ep.peak > plausibleMaxOf(ep.type, cfg)) {
    st.rejected[ep.source]++;
    return;
  }
  if (ep.source === 'imu' && ep.lastT - ep.startT < cfg.minImuEventMs) return;
  out.push(finish(ep, cfg));
}

function imuEvents(st: MotionState, va: VehicleAccel, cfg: DetectConfig, out: MotionEvent[]): void {
  const f = st.lastFix;
  const moving = !f || (f.v >= IMU_MIN_SPEED && va.t - f.t < 5000);
  if (!moving || va.handled) {
    feed(st, 'long', 0, 'imu', va.t, va.t, 0, cfg, out);
    feed(st, 'lat', 0, 'imu', va.t, va.t, 0, cfg, out);
    return;
  }
  const fwd = (va.forward / G) * 1000;
  const lat = (va.left / G) * 1000;
  // lastT is the end of the sample's period, so a 1 Hz IMU's single sample has a duration.
  const t0 = va.t - va.dt * 1000;
  feed(st, 'long', fwd < 0 ? EVENT.HARSH_BRAKING : EVENT.HARSH_ACCELERATION, 'imu', t0, va.t, Math.abs(fwd), cfg, out);
  // With a gyroscope and a GPS speed, cornering comes from its yaw rate (detectGyro).
  if (!gyroCornering(st, va.t, cfg)) feed(st, 'lat', EVENT.HARSH_CORNERING, 'imu', t0, va.t, Math.abs(lat), cfg, out);
}

function gpsEvents(st: MotionState, k: Kinematics, cfg: DetectConfig, out: MotionEvent[]): void {
  if (k.aLongImplausible) {
    // An impossible speed step (start of data, a receiver glitch): no event, and it ends any episode.
    st.rejected.gps++;
    feed(st, 'long', 0, 'gps', k.t0, k.t1, 0, cfg, out);
  } else if (Number.isFinite(k.aLong)) {
    const mg = (k.aLong / G) * 1000;
    feed(st, 'long', mg < 0 ? EVENT.HARSH_BRAKING : EVENT.HARSH_ACCELERATION, 'gps', k.t0, k.t1, Math.abs(mg), cfg, out);
  } else feed(st, 'long', 0, 'gps', k.t0, k.t1, 0, cfg, out);
  const latMg = k.turning && Number.isFinite(k.aLat) ? Math.abs((k.aLat / G) * 1000) : 0;
  if (!gyroActive(st, k.t1, cfg)) feed(st, 'lat', latMg > 0 ? EVENT.HARSH_CORNERING : 0, 'gps', k.t0, k.t1, latMg, cfg, out);
}

function speeding(st: MotionState, k: Kinematics, cfg: DetectConfig, out: MotionEvent[]): SpeedingSample | null {
  const s = applicableLimit(k.fix, cfg);
  if (!s) return null;
  const cur = st.speed;
  if (s.over) {
    const overCms = Math.round((k.fix.v - s.limitCms / 100) * 100);
    if (cur) {
      cur.lastT = k.t1;
      cur.peak = Math.max(cur.peak, overCms);
    } else st.speed = { type: EVENT.SPEEDING, source: 'gps', startT: k.t0, lastT: k.t1, peak: overCms, ...tag(st), limitCms: s.limitCms, limitKind: s.kind };
  } else closeSpeeding(st, cfg, out);
  return s;
}

function closeSpeeding(st: MotionState, cfg: DetectConfig, out: MotionEvent[]): void {
  const ep = st.speed;
  st.speed = null;
  if (ep && ep.lastT - ep.startT >= cfg.minSpeedingEventMs) out.push(finish(ep, cfg));
}

function useKinematics(st: MotionState, k: Kinematics | null, cfg: DetectConfig, out: MotionEvent[]): FixResult {
  if (!k) return { k: null, speeding: null };
  st.lastFix = { t: k.fix.t, latE7: k.fix.latE7, lonE7: k.fix.lonE7, v: k.fix.v };
  st.aLong = Number.isFinite(k.aLong) ? k.aLong : 0;
  learn(st.imu, k, st.imu.ivLast, cfg);
  if (!estimate(st.imu, cfg).confident) gpsEvents(st, k, cfg, out);
  return { k, speeding: speeding(st, k, cfg, out) };
}

/** Feeds one GPS fix; appends finished events to `out`. */
export function detectFix(st: MotionState, f: Fix, cfg: DetectConfig, out: MotionEvent[]): FixResult {
  const prev = st.gps.pending;
  if (prev && f.t <= prev.t) return { k: null, speeding: null };
  advance(st, f.t, cfg, out);
  // GPS from now on: its events cover what is to come, and the kept moments before it are not replayed.
  if (st.pre) delete st.pre;
  if (cfg.crashDetection) crashOnFix(st, f, cfg, out);
  // The IMU integral since the previous raw fix belongs to the interval (prev, f].
  const pendingIv = st.imu.ivLast;
  closeInterval(st.imu, prev?.t ?? f.t, f.t);
  const thisIv = st.imu.ivLast;
  st.imu.ivLast = pendingIv;
  const k = pushFix(st.gps, f, cfg);
  const r = useKinematics(st, k, cfg, out);
  st.imu.ivLast = thisIv;
  return r;
}

/** The raw (not yet judged) fix decides a crash: the stop must be seen as soon as it happens. */
function crashOnFix(st: MotionState, f: Fix, cfg: DetectConfig, out: MotionEvent[]): void {
  const cs = (st.crash ??= newCrashState());
  const v = f.speedCms >= 0 ? f.speedCms / 100 : -1;
  const before = st.crashSpeed ?? { v: -1, t: -1 };
  const hit = crashFix(cs, f.t, v, before, cfg);
  if (v >= 0) st.crashSpeed = { v, t: f.t };
  if (!hit) return;
  const o = estimate(st.imu, cfg);
  out.push({
    type: EVENT.CRASH,
    startT: hit.impactT,
    endT: hit.impactT + hit.pulseMs,
    peak: hit.peakMg,
    severity: 'high',
    source: 'imu',
    latE7: f.latE7,
    lonE7: f.lonE7,
    speedCms: Math.max(0, Math.round(hit.preSpeedMs * 100)),
    crash: {
      peakMg: hit.peakMg,
      deltaVCms: Math.round(hit.dvMs * 100),
      directionDeg: o.confident ? impactDirectionDeg(hit.dir, o.forward, o.left) : -1,
      preSpeedCms: Math.round(hit.preSpeedMs * 100),
      postSpeedCms: Math.round(hit.postSpeedMs * 100),
      pulseMs: hit.pulseMs,
      confirmT: hit.confirmT,
    },
  });
}

/** Feeds one accelerometer sample (milli-g, device frame); appends finished events to `out`. */
export function detectAccel(st: MotionState, t: number, xMg: number, yMg: number, zMg: number, cfg: DetectConfig, out: MotionEvent[]): void {
  const before = st.imu.t;
  const g0 = st.imu.g;
  const va = pushAccel(st.imu, t, xMg, yMg, zMg, cfg);
  if (st.imu.t === before) return; // late sample
  advance(st, t, cfg, out);
  if (g0 && before >= 0) {
    if (cfg.crashDetection) {
      const a: [number, number, number] = [(xMg / 1000) * G, (yMg / 1000) * G, (zMg / 1000) * G];
      crashAccel((st.crash ??= newCrashState()), t, t - before, a, g0, st.crashSpeed ?? { v: -1, t: -1 }, cfg);
    }
    if (handlingEvidence(st, t, cfg)) notePhoneHandling((st.phone ??= newPhoneUseState()), t);
  }
  // Without GPS the gyroscope's yaw rate is the mount's evidence (learnYaw).
  if (st.gyro && gyroActive(st, t, cfg) && before >= 0) learnYaw(st.imu, t - before, (st.gyro.yawDps * Math.PI) / 180, cfg);
  if (va) {
    if (st.pre) backfill(st, t, cfg, out);
    imuEvents(st, va, cfg, out);
  } else {
    // No GPS and no mount yet: what could be a manoeuvre is kept, to be typed once the mount is known.
    if (!st.lastFix && !st.gps.pending && before >= 0 && st.imu.g) keepUnresolved((st.pre ??= []), st.imu, t, t - before, cfg);
    // Not trusted (yet): any IMU episode in progress ends here.
    if (st.long?.source === 'imu') close(st, 'long', cfg, out);
    if (st.lat?.source === 'imu' && !gyroCornering(st, t, cfg)) close(st, 'lat', cfg, out);
  }
}

/**
 * The mount just became trusted: the kept samples go through the episode logic in the vehicle frame. A
 * stretch that runs up to now (the turn that gave the mount) stays open for the live samples to continue.
 */
function backfill(st: MotionState, t: number, cfg: DetectConfig, out: MotionEvent[]): void {
  const buf = st.pre!;
  delete st.pre;
  let prev = -Infinity;
  const closeBoth = () => {
    close(st, 'long', cfg, out);
    close(st, 'lat', cfg, out);
  };
  resolveKept(buf, st.imu, cfg, (at, dt, forward, left, handled) => {
    if (at - prev > BACKFILL_GAP_MS) closeBoth();
    prev = at;
    imuEvents(st, { t: at, dt, forward, left, handled }, cfg, out);
  });
  if (t - prev > BACKFILL_GAP_MS) closeBoth();
}

const handlingTiltCos = cosineOf();
/** The phone is being handled: tilted away from its mount, or turned about a horizontal axis (gyro). */
function handlingEvidence(st: MotionState, t: number, cfg: DetectConfig): boolean {
  const im = st.imu;
  // (A shake alone, |a| far from 1 g, is also what a pothole does: it suppresses harsh events, it is no phone use.)
  if (st.gyro && t - st.gyro.t <= cfg.gyroMaxGapMs && st.gyro.tiltDps >= cfg.phoneHandlingRateDps) return true;
  // A harsh episode in progress is the car, not the phone (checked first: it needs no arithmetic).
  if (!im.g || !im.gf || st.long !== null || st.lat !== null || Math.abs(st.aLong ?? 0) > 1.5) return false;
  // Norms as Math.sqrt of the sum of squares (not Math.hypot over a spread array): this runs for every
  // accelerometer sample in the scorer; for m/s² magnitudes the two differ at most in the last bits.
  const gf = im.gf;
  const f0 = gf[0];
  const f1 = gf[1];
  const f2 = gf[2];
  const nf = Math.sqrt(f0 * f0 + f1 * f1 + f2 * f2);
  // A manoeuvre tilts the fast gravity too, but also lengthens it (0.36 g: 20 deg and 1.06 g).
  if (Math.abs(nf - G) > 0.05 * G) return false;
  const g = im.g;
  const g0 = g[0];
  const g1 = g[1];
  const g2 = g[2];
  const ng = Math.sqrt(g0 * g0 + g1 * g1 + g2 * g2);
  const cos = (g0 * f0 + g1 * f1 + g2 * f2) / ((ng || 1) * (nf || 1));
  return cos < handlingTiltCos(cfg.phoneHandlingTiltDeg);
}

/**
 * Feeds one gyroscope sample (milli-degrees/s, device frame, right-handed). The yaw rate about "up" (the mount
 * estimate's gravity) times the GPS speed is the lateral acceleration: cornering while gyro samples arrive.
 * Rotation about horizontal axes beyond phoneHandlingRateDps is the phone being handled.
 */
export function detectGyro(st: MotionState, t: number, xMdps: number, yMdps: number, zMdps: number, cfg: DetectConfig, out: MotionEvent[]): void {
  const gy = (st.gyro ??= { t: -1, yawDps: 0, tiltDps: 0 });
  if (gy.t >= 0 && t <= gy.t) return;
  const dtMs = gy.t < 0 || t - gy.t > cfg.gyroMaxGapMs ? 0 : t - gy.t;
  gy.t = t;
  advance(st, t, cfg, out);
  const g = st.imu.g;
  if (!g) return;
  const n = Math.hypot(g[0], g[1], g[2]) || 1;
  const w: [number, number, number] = [xMdps / 1000, yMdps / 1000, zMdps / 1000];
  const rawYaw = (w[0] * g[0] + w[1] * g[1] + w[2] * g[2]) / n;
  const tilt = Math.hypot(w[0] - (rawYaw * g[0]) / n, w[1] - (rawYaw * g[1]) / n, w[2] - (rawYaw * g[2]) / n);
  // An uncalibrated gyroscope reads a constant rate when nothing turns: a slow mean of the yaw rate outside turns
  // (the car goes straight most of the time) is taken off, so the bias is not read as a turn.
  const bias = gy.biasDps ?? 0;
  const hs = st.imu.hs;
  const calm = hs[0] * hs[0] + hs[1] * hs[1] + hs[2] * hs[2] < BIAS_CALM_MS2 * BIAS_CALM_MS2; // no manoeuvre: a turn at speed is lateral acceleration
  if (dtMs > 0 && calm && Math.abs(rawYaw - bias) < BIAS_GATE_DPS) {
    const s = Math.min(BIAS_MEMORY_S, (gy.biasS ?? 0) + dtMs / 1000);
    gy.biasS = s;
    gy.biasDps = bias + (dtMs / 1000 / Math.max(BIAS_MIN_S, s)) * (rawYaw - bias);
  }
  const yaw = rawYaw - (gy.biasDps ?? 0);
  const al = dtMs > 0 ? 1 - Math.exp(-dtMs / Math.max(1, cfg.gyroSmoothTauMs)) : 1;
  gy.yawDps += al * (yaw - gy.yawDps);
  gy.tiltDps += al * (tilt - gy.tiltDps);
  if (gy.tiltDps >= cfg.phoneHandlingRateDps) {
    notePhoneHandling((st.phone ??= newPhoneUseState()), t);
    st.imu.handledUntil = Math.max(st.imu.handledUntil, t + 1000);
  }
  const f = st.lastFix;
  // No GPS speed: cornering is the IMU's lateral acceleration (imuEvents), the yaw rate only its mount evidence.
  if (!gpsSpeedRecent(st, t) || f === null) return;
  const moving = f.v >= IMU_MIN_SPEED;
  if (!moving || t < st.imu.handledUntil || dtMs === 0) {
    feed(st, 'lat', 0, 'imu', t, t, 0, cfg, out);
    return;
  }
  // Yaw about up, counter-clockwise seen from above (a left turn) accelerates to the left. The speed: the lower
  // of the last judged fix and the newest raw one (judging waits for the next fix, so the judged speed lags a
  // fix behind; braking into a turn it would overstate the lateral acceleration, and min() keeps a raw spike out).
  const raw = st.gps.pending;
  const v = raw && raw.v >= 0 && raw.t > f.t ? Math.min(f.v, raw.v) : f.v;
  const latMg = ((v * ((gy.yawDps * Math.PI) / 180)) / G) * 1000;
  feed(st, 'lat', EVENT.HARSH_CORNERING, 'imu', t - dtMs, t, Math.abs(latMg), cfg, out);
}

/** An app-reported phone state (fleetwire.v1.PhoneState number) at t. */
export function detectPhone(st: MotionState, t: number, state: number, cfg: DetectConfig, out: MotionEvent[]): void {
  const ph = (st.phone ??= newPhoneUseState());
  pushPhoneState(ph, t, state, phoneCtx(st, t, cfg), cfg, phoneEvs);
  phoneEvents(phoneEvs, out);
}

/** End of data or of a trip: judges the last fix and closes every open episode. */
export function flushMotion(st: MotionState, cfg: DetectConfig, out: MotionEvent[]): FixResult {
  const pendingIv = st.imu.ivLast;
  const r = useKinematics(st, flushFix(st.gps, cfg), cfg, out);
  st.imu.ivLast = pendingIv;
  close(st, 'long', cfg, out);
  close(st, 'lat', cfg, out);
  closeSpeeding(st, cfg, out);
  if (st.phone) {
    const t = Math.max(st.phone.tickT, st.lastFix?.t ?? -1);
    flushPhone(st.phone, t, phoneCtx(st, t, cfg), cfg, phoneEvs);
    phoneEvents(phoneEvs, out);
  }
  return r;
}

/** Orientation estimate for reports: forward/left in the device frame, quality, excitation, mount changes. */
export function orientationOf(st: MotionState, cfg: DetectConfig) {
  return { ...estimate(st.imu, cfg), mountChanges: st.imu.mountChanges, confidentSince: st.imu.confidentSince, startedAt: st.imu.startedAt };
}
