// Per-device stream processing: idempotency, trip segmentation, accumulation, event detection. Pure.
import { detectAccel, detectFix, detectGyro, detectPhone, type FixResult, flushMotion, type MotionEvent } from '@fleetwire/detect';
import type { EdgeEventValues, fleetwire } from '@fleetwire/proto';
import type { CoreConfig } from './config.js';
import { detectConfigOf, toDetectedEvent } from './detect.js';
import { emptySums, featuresFromSums } from './features.js';
import { batchTimeRange } from './batch-time.js';
import { haversineE7, isNight } from './geo.js';
import { hasSeen, markSeen } from './seen-batches.js';
import { eventId, tripId } from './ids.js';
import { type CompletedTrip, type DetectedEvent, type DeviceState, EV, type LastSample, type StepOutput, upgradeState } from './types.js';

/** Absolute columns of one telemetry batch (what gpsColumns/accelColumns return). */
export interface TelemetryInput {
  deviceId: string;
  bootId: string;
  seq: number;
  gps: {
    t: Float64Array;
    latE7: Int32Array;
    lonE7: Int32Array;
    speedCms: Int32Array;
    headingCdeg: Int32Array;
    /** hdop x100, 0 unknown (optional column). */
    hdopC?: Int32Array;
    /** Posted speed limit per fix (cm/s), 0 unknown (optional column; a SpeedLimitSource may fill it). */
    speedLimitCms?: Int32Array;
    /** 1 where speedLimitCms is a road-type default rather than a posted limit. */
    limitDefault?: Uint8Array;
  };
  accel?: { t: Float64Array; xMg: Int32Array; yMg: Int32Array; zMg: Int32Array } | null;
  /** Gyroscope (milli-deg/s) and app-reported phone states (fleetwire.v1.PhoneState), when the batch has them. */
  gyro?: { t: Float64Array; xMdps: Int32Array; yMdps: Int32Array; zMdps: Int32Array } | null;
  phone?: { t: Float64Array; state: Uint8Array } | null;
  /** Edge events the backend forwards as they are (CRASH: detected on the device, at a rate the backend may not get). */
  edgeEvents?: (EdgeEventValues & { crash?: fleetwire.v1.ICrashInfo | null })[] | null;
  /** Times (ms) of the batch's edge events: part of the batch's time range. */
  eventT?: ArrayLike<number> | null;
  /** Where a batch without samples or events is filed (the scorer passes core/batch-time fallbackTime()). */
  fallbackTimeMs?: number;
}

export const isDuplicate = (st: DeviceState, bootId: string, seq: number): boolean => hasSeen(st.seen, bootId, seq);

class Collector {
  trips: CompletedTrip[] = [];
  events: DetectedEvent[] = [];
}

/** Harsh types the detector can give from the IMU alone (no GPS): braking, acceleration, cornering. */
const gpsLess = (st: DeviceState, e: MotionEvent, cfg: CoreConfig): boolean =>
  e.source === 'imu' &&
  (e.type === EV.HARSH_BRAKING || e.type === EV.HARSH_ACCELERATION || e.type === EV.HARSH_CORNERING) &&
  (!st.last || e.startT - st.last.t > cfg.gapMs);

function countEvents(st: DeviceState, evs: MotionEvent[], out: Collector, cfg: CoreConfig): void {
  if (evs.length === 0) return; // called once per sample; almost always nothing to count
  const trip = st.trip;
  for (const e of evs) {
    // Events count inside trips only (the detector runs throughout, to keep learning the mount): outside one a
    // GPS device is parking or standing. A device with no GPS (none yet, or none for longer than a trip gap) has
    // no trips; its IMU harsh events are kept without a trip (no distance to score them against).
    if (!trip) {
      if (gpsLess(st, e, cfg)) out.events.push(toDetectedEvent(st, e, null));
      continue;
    }
    if (e.type === EV.HARSH_BRAKING) trip.sums.harsh_braking++;
    else if (e.type === EV.HARSH_ACCELERATION) trip.sums.harsh_acceleration++;
    else if (e.type === EV.HARSH_CORNERING) trip.sums.harsh_cornering++;
    else if (e.type === EV.PHONE_USE) {
      // Phone use counts as time while moving (the episode's moving part) and as a number of episodes.
      trip.sums.phone_use_s = (trip.sums.phone_use_s ?? 0) + (e.phone?.movingMs ?? 0) / 1000;
      trip.sums.phone_use_events = (trip.sums.phone_use_events ?? 0) + 1;
    }
    trip.events++;
    out.events.push(toDetectedEvent(st, e, trip.id));
  }
  evs.length = 0;
}

/** Edge CRASH events become the backend's events (and alerts) as the device sent them. */
function forwardEdgeEvents(st: DeviceState, input: TelemetryInput, out: Collector): void {
  for (const e of input.edgeEvents ?? []) {
    if (e.type !== EV.CRASH) continue;
    const d: DetectedEvent = {
      eventId: eventId(st.tenant, st.deviceId, e.type, e.tMs),
      tripId: st.trip?.id ?? null,
      deviceId: st.deviceId,
      type: e.type,
      tMs: e.tMs,
      durationMs: e.durationMs,
      peak: e.peak,
      latE7: e.latE7,
      lonE7: e.lonE7,
      speedCms: e.speedCms,
      severity: 'high',
      source: 'edge',
    };
    if (e.crash) d.crash = e.crash;
    if (st.trip) st.trip.events++;
    out.events.push(d);
  }
}

/** Speeding exposure of one judged GPS interval (the detector judges a fix when the next one arrives). */
function addSpeeding(st: DeviceState, r: FixResult, cfg: CoreConfig): void {
  const trip = st.trip;
  if (!trip || !r.k || !r.speeding) return;
  const dt = (r.k.t1 - r.k.t0) / 1000;
  if (dt <= 0 || dt * 1000 > cfg.maxDerivativeDtMs || r.k.fix.v <= cfg.startSpeedMs) return;
  const s = trip.sums;
  if (r.speeding.kind === 'posted') s.posted_limit_s = (s.posted_limit_s ?? 0) + dt;
  if (r.speeding.over) {
    s.speeding_s += dt;
    if (r.speeding.kind === 'posted') s.speeding_posted_s = (s.speeding_posted_s ?? 0) + dt;
  }
}

function endTrip(st: DeviceState, cfg: CoreConfig, out: Collector): void {
  const evs: MotionEvent[] = [];
  addSpeeding(st, flushMotion(st.motion, detectConfigOf(cfg), evs), cfg);
  countEvents(st, evs, out, cfg);
  const trip = st.trip;
  st.trip = null;
  if (!trip) return;
  const sums = { ...trip.sums, trips: 1, duration_s: (trip.lastActiveT - trip.startMs) / 1000 };
  // Noise (GPS drift, a car moved in a car park): the trip is dropped; events already emitted stand.
  if (sums.distance_m < cfg.minTripDistanceM) return;
  out.trips.push({
    tripId: trip.id,
    deviceId: st.deviceId,
    startMs: trip.startMs,
    endMs: trip.lastActiveT,
    startLatE7: trip.startLatE7,
    startLonE7: trip.startLonE7,
    endLatE7: trip.lastActiveLatE7,
    endLonE7: trip.lastActiveLonE7,
    sums,
    features: featuresFromSums(sums),
  });
}

function startTrip(st: DeviceState, at: LastSample): void {
  st.trip = {
    id: tripId(st.tenant, st.deviceId, at.t),
    startMs: at.t,
    startLatE7: at.latE7,
    startLonE7: at.lonE7,
    lastActiveT: at.t,
    lastActiveLatE7: at.latE7,
    lastActiveLonE7: at.lonE7,
    sums: emptySums(),
    pendingNightS: 0,
    events: 0,
  };
}

/** One GPS sample: trip segmentation and exposure sums. */
function step(st: DeviceState, cur: LastSample, cfg: CoreConfig, out: Collector): number {
  const prev = st.last;
  st.last = cur;
  let dist = 0;
  if (!prev) {
    if (cur.speed > cfg.startSpeedMs) startTrip(st, cur);
    return 0;
  }
  const dtMs = cur.t - prev.t;
  if (dtMs > cfg.gapMs) {
    if (st.trip) endTrip(st, cfg, out);
    if (cur.speed > cfg.startSpeedMs) startTrip(st, cur);
    return 0;
  }
  const moving = cur.speed > cfg.startSpeedMs || prev.speed > cfg.startSpeedMs;
  if (!st.trip) {
    if (!moving) return 0;
    startTrip(st, prev); // the trip starts at departure: the last standstill sample before motion
  }
  const trip = st.trip!;
  const dt = dtMs / 1000;
  const night = isNight(prev.t, prev.lonE7, cfg.nightStartHour, cfg.nightEndHour) ? dt : 0;
  if (moving) {
    const s = trip.sums;
    dist = haversineE7(prev.latE7, prev.lonE7, cur.latE7, cur.lonE7);
    s.distance_m += dist;
    s.moving_s += dt;
    s.sum_v_dt += ((prev.speed + cur.speed) / 2) * dt;
    s.sum_v2_dt += ((prev.speed * prev.speed + cur.speed * cur.speed) / 2) * dt;
    s.max_speed_ms = Math.max(s.max_speed_ms, prev.speed, cur.speed);
    s.night_s += night + trip.pendingNightS;
    trip.pendingNightS = 0;
    trip.lastActiveT = cur.t;
    trip.lastActiveLatE7 = cur.latE7;
    trip.lastActiveLonE7 = cur.lonE7;
  } else {
    trip.pendingNightS += night;
  }
  if (!moving && cur.t - trip.lastActiveT >= cfg.idleEndMs) endTrip(st, cfg, out);
  return dist;
}

/**
 * Processes one telemetry batch for its device. Returns duplicate=true (and changes nothing) when
 * (boot, seq) was seen recently. Samples not newer than the last one seen are counted as late and skipped.
 */
export function processTelemetry(st: DeviceState, input: TelemetryInput, cfg: CoreConfig): StepOutput {
  upgradeState(st, cfg.recentKeys);
  if (isDuplicate(st, input.bootId, input.seq)) return { duplicate: true, trips: [], events: [], summary: null };
  const a = input.accel;
  const range = batchTimeRange(
    { gpsT: input.gps.t, accelT: a?.t.length ? a.t : input.gyro?.t, eventT: input.eventT },
    input.fallbackTimeMs === undefined ? undefined : { t: input.fallbackTimeMs, source: 'sent_at' },
  );
  if (!range) throw new Error(`batch ${input.bootId}/${input.seq} holds no samples or events and no fallback time was given`);
  markSeen(st.seen, input.bootId, input.seq, cfg.recentKeys);
  const out = new Collector();
  const dcfg = detectConfigOf(cfg);
  const evs: MotionEvent[] = [];
  const na = a?.t.length ?? 0;
  const y = input.gyro;
  const ny = y?.t.length ?? 0;
  const p = input.phone;
  const np = p?.t.length ?? 0;
  const g = input.gps;
  let late = 0;
  let distance = 0;
  let maxSpeed = 0;
  let j = 0;
  let jy = 0;
  let jp = 0;
  // Accelerometer, gyroscope, phone states and GPS in one time order (in that order on a tie), so any split into
  // batches gives the same result.
  for (let i = 0; i <= g.t.length; i++) {
    const t = i < g.t.length ? g.t[i]! : Infinity;
    for (;;) {
      const ta = j < na && a!.t[j]! <= t ? a!.t[j]! : Infinity;
      const ty = jy < ny && y!.t[jy]! <= t ? y!.t[jy]! : Infinity;
      const tp = jp < np && p!.t[jp]! <= t ? p!.t[jp]! : Infinity;
      if (ta === Infinity && ty === Infinity && tp === Infinity) break;
      if (ta <= ty && ta <= tp) {
        detectAccel(st.motion, ta, a!.xMg[j]!, a!.yMg[j]!, a!.zMg[j]!, dcfg, evs);
        j++;
      } else if (ty <= tp) {
        detectGyro(st.motion, ty, y!.xMdps[jy]!, y!.yMdps[jy]!, y!.zMdps[jy]!, dcfg, evs);
        jy++;
      } else {
        detectPhone(st.motion, tp, p!.state[jp]!, dcfg, evs);
        jp++;
      }
      countEvents(st, evs, out, cfg);
    }
    if (i === g.t.length) break;
    if (st.last && t <= st.last.t) {
      late++;
      continue;
    }
    const latE7 = g.latE7[i]!;
    const lonE7 = g.lonE7[i]!;
    const sc = g.speedCms[i] ?? -1;
    let speed: number;
    if (sc >= 0) speed = sc / 100;
    else if (st.last && t - st.last.t <= cfg.maxDerivativeDtMs) speed = haversineE7(st.last.latE7, st.last.lonE7, latE7, lonE7) / ((t - st.last.t) / 1000);
    else speed = 0;
    const hc = g.headingCdeg[i] ?? -1;
    const fix = {
      t,
      latE7,
      lonE7,
      speedCms: Math.round(speed * 100),
      headingCdeg: hc,
      hdopC: g.hdopC?.[i] ?? 0,
      limitCms: g.speedLimitCms?.[i] ?? 0,
      limitDefault: (g.limitDefault?.[i] ?? 0) === 1,
    };
    addSpeeding(st, detectFix(st.motion, fix, dcfg, evs), cfg);
    countEvents(st, evs, out, cfg);
    const cur: LastSample = { t, latE7, lonE7, speed, heading: hc >= 0 ? hc / 100 : -1 };
    distance += step(st, cur, cfg, out);
    if (speed > maxSpeed) maxSpeed = speed;
  }
  forwardEdgeEvents(st, input, out);
  const n = g.t.length;
  return {
    duplicate: false,
    trips: out.trips,
    events: out.events,
    summary: {
      deviceId: input.deviceId,
      bootId: input.bootId,
      seq: input.seq,
      tStartMs: range.startMs,
      tEndMs: range.endMs,
      gpsSamples: n,
      accelSamples: a?.t.length ?? 0,
      distanceM: distance,
      maxSpeedMs: maxSpeed,
      lateSamples: late,
    },
  };
}

/**
 * Ends an open trip when the device has been silent: nothing newer than `gapMs` before `nowMs`.
 * Used by the periodic sweep, since a device that stops sending never delivers the idle samples.
 */
export function flushIdle(st: DeviceState, nowMs: number, cfg: CoreConfig): StepOutput {
  upgradeState(st, cfg.recentKeys);
  const out = new Collector();
  if (st.trip && st.last && nowMs - st.last.t >= cfg.gapMs) endTrip(st, cfg, out);
  return { duplicate: false, trips: out.trips, events: out.events, summary: null };
}

export const hasOpenTrip = (st: DeviceState): boolean => st.trip !== null;
