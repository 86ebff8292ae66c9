// Validation and quantisation of recorded samples into compact columns (one Float64 time + 7 Int32 a row).
// Units match the wire: lat/lon 1e-7 deg, speed cm/s, heading cdeg, hdop x100, alt dm, accel milli-g.
import { PHONE_STATES, type PhoneStateName } from '@fleetwire/proto';
import { SampleError } from '../errors.js';

export const KIND_GPS = 1;
export const KIND_ACCEL = 2;
export const KIND_EVENT = 3;
/** Gyroscope: x, y, z in milli-degrees/s. */
export const KIND_GYRO = 4;
/** App-reported phone state: fleetwire.v1.PhoneState. */
export const KIND_PHONE = 5;
/** A CRASH event row is followed by one KIND_CRASH_INFO row and its data window (KIND_WIN_* rows, copies of
 * samples at full rate): the group is sealed as a batch of its own. */
export const KIND_CRASH_INFO = 6;
export const KIND_WIN_ACCEL = 7;
export const KIND_WIN_GYRO = 8;
export const KIND_WIN_GPS = 9;
/** Int32 values per row: kind + 6 payload values. */
export const ROW_INTS = 7;
/** Bytes one row takes in a packed chunk. */
export const ROW_BYTES = 8 + ROW_INTS * 4;

const MIN_T = Date.UTC(2000, 0, 1);
const MAX_T = Date.UTC(2200, 0, 1);
const SPEED_MAX = 200; // m/s, as the gateway's bound (20000 cm/s)
/** Highest posted limit a fix may carry (m/s; 288 km/h, above any posted limit): it fits the packing below. */
export const SPEED_LIMIT_MAX = 80;

// A GPS row's 6th value holds hdop x100 (<= 100,000) in its low 17 bits and the posted speed limit in cm/s
// (<= 8,000) above them, so rows keep their width and outboxes written before the limit existed read as
// "no limit" (upper bits 0).
const HDOP_BITS = 17;
const HDOP_MASK = (1 << HDOP_BITS) - 1;
/** hdop x100 of a GPS row's packed 6th value. */
export const gpsHdopC = (packed: number): number => packed & HDOP_MASK;
/** Posted speed limit (cm/s, 0 = unknown) of a GPS row's packed 6th value. */
export const gpsLimitCms = (packed: number): number => packed >>> HDOP_BITS;
const ACCEL_MAX_G = 200;
const GYRO_MAX_DPS = 10_000; // as the gateway's bound

/** Growable column store for rows appended in the current group-commit tick. */
export class RowBuffer {
  t: Float64Array;
  v: Int32Array;
  n = 0;
  constructor(capacity = 1024) {
    this.t = new Float64Array(capacity);
    this.v = new Int32Array(capacity * ROW_INTS);
  }

  ensure(extra: number): void {
    const need = this.n + extra;
    if (need <= this.t.length) return;
    let cap = this.t.length * 2;
    while (cap < need) cap *= 2;
    const t = new Float64Array(cap);
    t.set(this.t.subarray(0, this.n));
    const v = new Int32Array(cap * ROW_INTS);
    v.set(this.v.subarray(0, this.n * ROW_INTS));
    this.t = t;
    this.v = v;
  }

  push(t: number, kind: number, a: number, b: number, c: number, d: number, e: number, f: number): void {
    this.ensure(1);
    const i = this.n++;
    this.t[i] = t;
    const o = i * ROW_INTS;
    const v = this.v;
    v[o] = kind;
    v[o + 1] = a;
    v[o + 2] = b;
    v[o + 3] = c;
    v[o + 4] = d;
    v[o + 5] = e;
    v[o + 6] = f;
  }

  /** Copies rows [0, n) out and empties the buffer. */
  take(): { n: number; t: Float64Array; v: Int32Array } {
    const out = { n: this.n, t: this.t.slice(0, this.n), v: this.v.slice(0, this.n * ROW_INTS) };
    this.n = 0;
    return out;
  }
}

function bad(i: number, field: string, v: unknown, why: string): never {
  throw new SampleError(i, field, v, why);
}

function finite(i: number, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(i, field, v, 'must be a finite number');
  return v;
}

function optional(i: number, field: string, v: unknown, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  const x = finite(i, field, v);
  if (x < min || x > max) bad(i, field, v, `must be in [${min}, ${max}]`);
  return x;
}

export function checkTime(i: number, t: unknown): number {
  const x = finite(i, 't', t);
  if (x < MIN_T || x > MAX_T) bad(i, 't', t, 'must be epoch milliseconds between 2000 and 2200');
  return Math.round(x);
}

/** Validates and appends one GPS fix. Returns the row index. */
export function pushGps(buf: RowBuffer, i: number, s: Record<string, unknown>): number {
  const t = checkTime(i, s.t);
  const lat = finite(i, 'lat', s.lat);
  if (lat < -90 || lat > 90) bad(i, 'lat', lat, 'must be in [-90, 90] degrees');
  const lon = finite(i, 'lon', s.lon);
  if (lon < -180 || lon > 180) bad(i, 'lon', lon, 'must be in [-180, 180] degrees');
  const speed = optional(i, 'speed', s.speed, -Infinity, SPEED_MAX);
  const heading = optional(i, 'heading', s.heading, -Infinity, 360);
  const hdop = optional(i, 'hdop', s.hdop, 0, 1000);
  const alt = optional(i, 'alt', s.alt, -5000, 20_000);
  const limit = optional(i, 'speedLimit', s.speedLimit, 0, SPEED_LIMIT_MAX);
  const hdopC = hdop === undefined ? 0 : Math.round(hdop * 100);
  buf.push(
    t,
    KIND_GPS,
    Math.round(lat * 1e7),
    Math.round(lon * 1e7),
    speed === undefined || speed < 0 ? -1 : Math.round(speed * 100),
    heading === undefined || heading < 0 ? -1 : Math.round(heading * 100) % 36000,
    hdopC + (limit === undefined ? 0 : Math.round(limit * 100)) * (HDOP_MASK + 1),
    alt === undefined ? 0 : Math.round(alt * 10),
  );
  return buf.n - 1;
}

/** Validates and appends one accelerometer sample (g -> milli-g). Returns the row index. */
export function pushAccel(buf: RowBuffer, i: number, s: Record<string, unknown>): number {
  const t = checkTime(i, s.t);
  const x = finite(i, 'x', s.x);
  const y = finite(i, 'y', s.y);
  const z = finite(i, 'z', s.z);
  if (Math.abs(x) > ACCEL_MAX_G) bad(i, 'x', x, `must be within ±${ACCEL_MAX_G} g`);
  if (Math.abs(y) > ACCEL_MAX_G) bad(i, 'y', y, `must be within ±${ACCEL_MAX_G} g`);
  if (Math.abs(z) > ACCEL_MAX_G) bad(i, 'z', z, `must be within ±${ACCEL_MAX_G} g`);
  buf.push(t, KIND_ACCEL, Math.round(x * 1000), Math.round(y * 1000), Math.round(z * 1000), 0, 0, 0);
  return buf.n - 1;
}

/** Period in ms of at most `hz` samples a second (0 = keep all). */
export function samplePeriodMs(hz: number): number {
  return hz > 0 ? 1000 / hz : 0;
}

/**
 * Decimation of one stream to one sample per `periodMs`: `slot` is the ideal time of the last kept
 * sample. Returns the new slot when the sample at `t` is kept, or null when it is dropped. A sample is
 * kept from 95% of a period after the slot on (slack for jitter), and the slot then moves on by one
 * period, not to `t`: a sensor a little faster than the rate (phones deliver motion at 60 Hz) keeps
 * the configured rate (50 Hz) instead of every second sample (30 Hz). After a gap, or a sample more than a
 * period back in time, the slot restarts at `t`.
 */
export function decimate(slot: number, t: number, periodMs: number): number | null {
  if (periodMs <= 0) return t;
  const since = t - slot;
  if (since < -periodMs) return t;
  if (since < periodMs * 0.95) return null;
  return since < 2 * periodMs ? slot + periodMs : t;
}

/**
 * Validates and appends one gyroscope sample (deg/s -> milli-deg/s; `sign` -1 turns a left-handed sensor's
 * reading into the right-handed one the wire defines). Returns the row index.
 */
export function pushGyro(buf: RowBuffer, i: number, s: Record<string, unknown>, sign = 1): number {
  const t = checkTime(i, s.t);
  const x = finite(i, 'x', s.x);
  const y = finite(i, 'y', s.y);
  const z = finite(i, 'z', s.z);
  for (const [k, v] of [
    ['x', x],
    ['y', y],
    ['z', z],
  ] as const)
    if (Math.abs(v) > GYRO_MAX_DPS) bad(i, k, v, `must be within ±${GYRO_MAX_DPS} deg/s`);
  buf.push(t, KIND_GYRO, Math.round(sign * x * 1000), Math.round(sign * y * 1000), Math.round(sign * z * 1000), 0, 0, 0);
  return buf.n - 1;
}

/** Validates and appends one app-reported phone state. Returns the row index. */
export function pushPhone(buf: RowBuffer, i: number, s: Record<string, unknown>): number {
  const t = checkTime(i, s.t);
  const code = typeof s.state === 'string' ? PHONE_STATES[s.state as PhoneStateName] : undefined;
  if (code === undefined) bad(i, 'state', s.state, `must be one of ${Object.keys(PHONE_STATES).join(', ')}`);
  buf.push(t, KIND_PHONE, code, 0, 0, 0, 0, 0);
  return buf.n - 1;
}

/** Per stream: the last kept sample's slot time and the minimum spacing (0 = keep everything). */
export type StreamClock = Record<'gps' | 'accel' | 'gyro', number>;

/**
 * Validates and appends one record() call's samples to `buf`, dropping those closer than `spacing` to the
 * last kept one of their stream (`lastT` advances). Throws SampleError at the first bad sample, having
 * appended some: the caller restores buf.n and lastT. Returns how many were dropped by decimation.
 */
export function pushRecords(buf: RowBuffer, arr: readonly unknown[], lastT: StreamClock, spacing: Readonly<StreamClock>, gyroSign = 1): number {
  let decimated = 0;
  for (let i = 0; i < arr.length; i++) {
    const s = arr[i] as Record<string, unknown>;
    if (typeof s !== 'object' || s === null) throw new SampleError(i, 'sample', s, 'must be an object');
    const kind = s.kind;
    if (kind === 'phone') {
      pushPhone(buf, i, s);
      continue;
    }
    if (kind !== 'gps' && kind !== 'accel' && kind !== 'gyro') throw new SampleError(i, 'kind', kind, "must be 'gps', 'accel', 'gyro' or 'phone'");
    const row = kind === 'gps' ? pushGps(buf, i, s) : kind === 'accel' ? pushAccel(buf, i, s) : pushGyro(buf, i, s, gyroSign);
    const slot = decimate(lastT[kind], buf.t[row]!, spacing[kind]);
    if (slot === null) {
      buf.n--;
      decimated++;
    } else lastT[kind] = slot;
  }
  return decimated;
}
