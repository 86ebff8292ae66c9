// Bounds validation of a decoded DeviceBatch. Pure; returns the first problem found.
import { fleetwire } from '../generated/fleetwire.js';
import { CodecError } from './errors.js';
import {
  ACCEL_MAX_MG,
  ALT_MAX_DM,
  ALT_MIN_DM,
  GYRO_MAX_MDPS,
  HDOP_MAX_C,
  HEADING_MAX_CDEG,
  ID_RE,
  LAT_MAX,
  LON_MAX,
  PHONE_STATE_MAX,
  RATE_MAX_HZ,
  SPEED_MAX_CMS,
} from './bounds.js';
import type { Limits } from './limits.js';

type IDeviceBatch = fleetwire.v1.IDeviceBatch;

export function validateId(what: string, id: unknown, limits: Limits): CodecError | null {
  if (typeof id !== 'string' || id.length === 0) return new CodecError('missing_field', `${what} is missing`);
  if (id.length > limits.maxIdLength) return new CodecError('bad_identifier', `${what} longer than ${limits.maxIdLength} characters`);
  if (!ID_RE.test(id)) return new CodecError('bad_identifier', `${what} has characters outside [A-Za-z0-9._:-]`);
  return null;
}

/** A column must hold `n` values (or, when optional, none). No allocation: this runs per message in the gateway. */
function colLength(track: string, name: string, n: number, col: readonly number[] | null | undefined, optional: boolean): CodecError | null {
  const len = col?.length ?? 0;
  if (len === n || (optional && len === 0)) return null;
  return new CodecError('track_length_mismatch', `${track}.${name} has ${len} values, expected ${n}`);
}

function checkTimes(track: string, base: number, deltas: readonly number[], limits: Limits, nowMs: number): CodecError | null {
  const maxT = nowMs + limits.maxFutureSkewMs;
  let t = base;
  for (let i = 0; i < deltas.length; i++) {
    const d = deltas[i]!;
    if (i > 0 && d < 0) return new CodecError('time_not_monotonic', `${track} time goes backwards at sample ${i} (${d} ms)`);
    t += d;
    if (t < limits.minTimeMs || t > maxT)
      return new CodecError('time_out_of_range', `${track} sample ${i} time ${t} outside [${limits.minTimeMs}, now+${limits.maxFutureSkewMs}ms]`);
  }
  return null;
}

function checkRunningRange(
  track: string,
  name: string,
  deltas: readonly number[],
  max: number,
  code: 'lat_out_of_range' | 'lon_out_of_range' | 'value_out_of_range',
): CodecError | null {
  let v = 0;
  for (let i = 0; i < deltas.length; i++) {
    v += deltas[i]!;
    if (v > max || v < -max) return new CodecError(code, `${track}.${name} sample ${i} = ${v} outside ±${max}`);
  }
  return null;
}

function checkRange(track: string, name: string, col: readonly number[] | null | undefined, min: number, max: number): CodecError | null {
  if (!col) return null;
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!;
    if (v < min || v > max) return new CodecError('value_out_of_range', `${track}.${name} sample ${i} = ${v} outside [${min}, ${max}]`);
  }
  return null;
}

function checkGps(name: string, g: fleetwire.v1.IGpsTrack, limits: Limits, nowMs: number): CodecError | null {
  const n = g.tDeltaMs?.length ?? 0;
  if (n > limits.maxSamplesPerTrack) return new CodecError('too_many_samples', `${name} has ${n} samples, limit ${limits.maxSamplesPerTrack}`);
  return (
    colLength(name, 'lat_delta_e7', n, g.latDeltaE7, false) ??
    colLength(name, 'lon_delta_e7', n, g.lonDeltaE7, false) ??
    colLength(name, 'speed_cms', n, g.speedCms, true) ??
    colLength(name, 'heading_cdeg', n, g.headingCdeg, true) ??
    colLength(name, 'hdop_c', n, g.hdopC, true) ??
    colLength(name, 'alt_dm', n, g.altDm, true) ??
    colLength(name, 'speed_limit_cms', n, g.speedLimitCms, true) ??
    (n > 0 ? checkTimes(name, Number(g.baseTimeMs ?? 0), g.tDeltaMs!, limits, nowMs) : null) ??
    checkRunningRange(name, 'lat', g.latDeltaE7 ?? [], LAT_MAX, 'lat_out_of_range') ??
    checkRunningRange(name, 'lon', g.lonDeltaE7 ?? [], LON_MAX, 'lon_out_of_range') ??
    checkRange(name, 'speed_cms', g.speedCms, -1, SPEED_MAX_CMS) ??
    checkRange(name, 'heading_cdeg', g.headingCdeg, -1, HEADING_MAX_CDEG) ??
    checkRange(name, 'hdop_c', g.hdopC, 0, HDOP_MAX_C) ??
    checkRange(name, 'alt_dm', g.altDm, ALT_MIN_DM, ALT_MAX_DM) ??
    checkRange(name, 'speed_limit_cms', g.speedLimitCms, 0, SPEED_MAX_CMS)
  );
}

type Xyz = { baseTimeMs?: number | null; rateHz?: number | null; tDeltaMs?: number[] | null };

/** Accelerometer (milli-g) and gyroscope (milli-deg/s) tracks: same layout, their own bound and column names. */
function checkXyz(name: string, a: Xyz, cols: [string, readonly number[] | null | undefined][], max: number, limits: Limits, nowMs: number): CodecError | null {
  const n = a.tDeltaMs?.length ?? 0;
  if (n > limits.maxSamplesPerTrack) return new CodecError('too_many_samples', `${name} has ${n} samples, limit ${limits.maxSamplesPerTrack}`);
  if ((a.rateHz ?? 0) > RATE_MAX_HZ) return new CodecError('value_out_of_range', `${name}.rate_hz ${a.rateHz} above ${RATE_MAX_HZ}`);
  for (const [c, v] of cols) {
    const e = colLength(name, c, n, v, false);
    if (e) return e;
  }
  if (n > 0) {
    const e = checkTimes(name, Number(a.baseTimeMs ?? 0), a.tDeltaMs!, limits, nowMs);
    if (e) return e;
  }
  for (const [c, v] of cols) {
    const e = checkRunningRange(name, c.slice(0, 1), v ?? [], max, 'value_out_of_range');
    if (e) return e;
  }
  return null;
}

const checkAccel = (name: string, a: fleetwire.v1.IAccelTrack, limits: Limits, nowMs: number) =>
  checkXyz(
    name,
    a,
    [
      ['x_delta_mg', a.xDeltaMg],
      ['y_delta_mg', a.yDeltaMg],
      ['z_delta_mg', a.zDeltaMg],
    ],
    ACCEL_MAX_MG,
    limits,
    nowMs,
  );
const checkGyro = (name: string, a: fleetwire.v1.IGyroTrack, limits: Limits, nowMs: number) =>
  checkXyz(
    name,
    a,
    [
      ['x_delta_mdps', a.xDeltaMdps],
      ['y_delta_mdps', a.yDeltaMdps],
      ['z_delta_mdps', a.zDeltaMdps],
    ],
    GYRO_MAX_MDPS,
    limits,
    nowMs,
  );

function checkPhone(p: fleetwire.v1.IPhoneTrack, limits: Limits, nowMs: number): CodecError | null {
  const n = p.tDeltaMs?.length ?? 0;
  if (n > limits.maxSamplesPerTrack) return new CodecError('too_many_samples', `phone has ${n} states, limit ${limits.maxSamplesPerTrack}`);
  return (
    colLength('phone', 'state', n, p.state as number[] | null | undefined, false) ??
    (n > 0 ? checkTimes('phone', Number(p.baseTimeMs ?? 0), p.tDeltaMs!, limits, nowMs) : null) ??
    checkRange('phone', 'state', p.state as number[] | null | undefined, 1, PHONE_STATE_MAX)
  );
}

function checkCrash(i: number, c: fleetwire.v1.ICrashInfo, limits: Limits, nowMs: number): CodecError | null {
  const w = `events[${i}].crash`;
  if ((c.directionDeg ?? -1) < -1 || (c.directionDeg ?? 0) >= 360)
    return new CodecError('value_out_of_range', `${w}.direction_deg ${c.directionDeg} outside [-1, 360)`);
  if ((c.preSpeedCms ?? -1) < -1 || (c.preSpeedCms ?? 0) > SPEED_MAX_CMS || (c.postSpeedCms ?? -1) < -1 || (c.postSpeedCms ?? 0) > SPEED_MAX_CMS) {
    return new CodecError('value_out_of_range', `${w} speeds outside [-1, ${SPEED_MAX_CMS}] cm/s`);
  }
  if ((c.sensitivity ?? '').length > 16) return new CodecError('value_out_of_range', `${w}.sensitivity longer than 16 characters`);
  return (
    (c.accel ? checkAccel(`${w}.accel`, c.accel, limits, nowMs) : null) ??
    (c.gyro ? checkGyro(`${w}.gyro`, c.gyro, limits, nowMs) : null) ??
    (c.gps ? checkGps(`${w}.gps`, c.gps, limits, nowMs) : null)
  );
}

export function validateDeviceBatch(b: IDeviceBatch, limits: Limits, nowMs: number = Date.now()): CodecError | null {
  const idErr = validateId('device_id', b.deviceId, limits) ?? validateId('boot_id', b.bootId, limits);
  if (idErr) return idErr;
  const seq = Number(b.seq ?? 0);
  if (!Number.isSafeInteger(seq) || seq < 0) return new CodecError('value_out_of_range', `seq ${String(b.seq)} is not a safe non-negative integer`);
  const e =
    (b.gps ? checkGps('gps', b.gps, limits, nowMs) : null) ??
    (b.accel ? checkAccel('accel', b.accel, limits, nowMs) : null) ??
    (b.gyro ? checkGyro('gyro', b.gyro, limits, nowMs) : null) ??
    (b.phone ? checkPhone(b.phone, limits, nowMs) : null);
  if (e) return e;

  const events = b.events ?? [];
  if (events.length > limits.maxEvents) return new CodecError('too_many_events', `${events.length} events, limit ${limits.maxEvents}`);
  const maxT = nowMs + limits.maxFutureSkewMs;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    const type = ev.type ?? 0;
    if (!(type in fleetwire.v1.EventType) || type === 0)
      return new CodecError('value_out_of_range', `events[${i}].type ${String(type)} is not a known event type`);
    const t = Number(ev.tMs ?? 0);
    if (t < limits.minTimeMs || t > maxT) return new CodecError('time_out_of_range', `events[${i}].t_ms ${t} out of range`);
    if (Math.abs(ev.latE7 ?? 0) > LAT_MAX) return new CodecError('lat_out_of_range', `events[${i}].lat_e7 out of range`);
    if (Math.abs(ev.lonE7 ?? 0) > LON_MAX) return new CodecError('lon_out_of_range', `events[${i}].lon_e7 out of range`);
    if (ev.crash) {
      if (type !== fleetwire.v1.EventType.EVENT_TYPE_CRASH)
        return new CodecError('value_out_of_range', `events[${i}] carries crash info but is not a CRASH event`);
      const ce = checkCrash(i, ev.crash, limits, nowMs);
      if (ce) return ce;
    }
  }
  return null;
}
