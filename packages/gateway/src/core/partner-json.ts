// Partner JSON -> DeviceBatch. Pure. Every check happens before anything is allocated in proportion
// to untrusted input: size before JSON.parse, nesting depth by a linear scan, then array bounds and types.
//
// Shape (published on fw/<tenant>/<deviceId>/up/json):
// {
//   "device_id": "truck-7",          // optional; if present must equal the topic's deviceId
//   "boot_id": "b-2024-01",          // required, [A-Za-z0-9._:-]{1,128}
//   "seq": 42,                        // required, non-negative safe integer
//   "sent_at": 1718000000000,         // required, epoch ms
//   "agent": "acme-tracker/2.1",     // optional free text (<= 128 chars)
//   "gps":   [ { "t": 1718000000000, "lat": 48.1, "lon": 11.5, "speed": 13.9, "heading": 270, "hdop": 0.9, "alt": 520,
//                "speed_limit": 13.89 } ],     // optional posted limit at the fix, m/s like speed (0/absent = unknown)
//   "accel": [ { "t": 1718000000000, "x": 0.01, "y": -0.02, "z": 1.0 } ],
//   "accel_rate_hz": 50,              // optional
//   "gyro":  [ { "t": 1718000000000, "x": 0.5, "y": -1.2, "z": 12.0 } ],   // optional, deg/s, accelerometer axes
//   "gyro_rate_hz": 50,               // optional
//   "phone": [ { "t": 1718000000000, "state": "unlocked" } ],  // optional: screen_on|screen_off|unlocked|locked|
//                                     //   call_start|call_end|handling (app-reported)
//   "events": [ { "type": "harsh_braking", "t": 1718000000000, "duration_ms": 800, "peak": 450,   // also "phone_use", "crash"
//                 "lat": 48.1, "lon": 11.5, "speed": 12.5 } ]
// }
// Units: t/sent_at epoch ms; lat/lon degrees; speed m/s; heading degrees; alt metres; accel in g; peak in
// milli-g (harsh events) or cm/s over the limit (speeding). Unknown keys are ignored.
import {
  type AccelSample,
  CodecError,
  fleetwire,
  type GpsSample,
  type GyroSample,
  type IDeviceBatch,
  type Limits,
  packAccel,
  packGps,
  packGyro,
  packPhone,
  PHONE_STATES,
  type PhoneSample,
  type PhoneStateName,
  resolveLimits,
} from '@fleetwire/proto';

export const JSON_MAX_DEPTH = 4;

export const EVENT_TYPES: Readonly<Record<string, number>> = Object.freeze({
  harsh_braking: fleetwire.v1.EventType.EVENT_TYPE_HARSH_BRAKING,
  harsh_acceleration: fleetwire.v1.EventType.EVENT_TYPE_HARSH_ACCELERATION,
  harsh_cornering: fleetwire.v1.EventType.EVENT_TYPE_HARSH_CORNERING,
  speeding: fleetwire.v1.EventType.EVENT_TYPE_SPEEDING,
  trip_start: fleetwire.v1.EventType.EVENT_TYPE_TRIP_START,
  trip_end: fleetwire.v1.EventType.EVENT_TYPE_TRIP_END,
  crash: fleetwire.v1.EventType.EVENT_TYPE_CRASH,
  phone_use: fleetwire.v1.EventType.EVENT_TYPE_PHONE_USE,
});

export type JsonResult = { ok: true; batch: IDeviceBatch } | { ok: false; error: CodecError };

const bad = (msg: string): never => {
  throw new CodecError('json_invalid', msg);
};

/** Max nesting depth of objects/arrays, skipping string contents. Stops early once over `limit`. */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 92)
        i++; // backslash: skip next char
      else if (c === 34) inStr = false;
      continue;
    }
    if (c === 34) inStr = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(o: Record<string, unknown>, k: string, where: string, required: true): number;
function num(o: Record<string, unknown>, k: string, where: string, required: false): number | undefined;
function num(o: Record<string, unknown>, k: string, where: string, required: boolean): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return required ? bad(`${where}.${k} is required`) : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) return bad(`${where}.${k} must be a finite number`);
  return v;
}

function str(o: Record<string, unknown>, k: string, where: string, maxLen: number, required: boolean): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return required ? bad(`${where}.${k} is required`) : undefined;
  if (typeof v !== 'string') return bad(`${where}.${k} must be a string`);
  if (v.length > maxLen) return bad(`${where}.${k} longer than ${maxLen}`);
  return v;
}

function arr(o: Record<string, unknown>, k: string, max: number, code: 'too_many_samples' | 'too_many_events'): unknown[] {
  const v = o[k];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return bad(`${k} must be an array`);
  if (v.length > max) throw new CodecError(code, `${k} has ${v.length} entries, limit ${max}`);
  return v;
}

/** Times must be in range and ordered, and consecutive gaps must fit the int32 delta column. */
function checkTimes<T extends { t: number }>(xs: T[], what: string, lo: number, hi: number): T[] {
  for (let i = 0; i < xs.length; i++) {
    const t = xs[i]!.t;
    if (t < lo || t > hi) throw new CodecError('time_out_of_range', `${what}[${i}].t ${t} outside [${lo}, ${hi}]`);
    if (i > 0) {
      const d = t - xs[i - 1]!.t;
      if (d < 0) throw new CodecError('time_not_monotonic', `${what}[${i}].t goes backwards`);
      if (d > 2 ** 31 - 1) throw new CodecError('time_out_of_range', `${what}[${i}].t gap too large`);
    }
  }
  return xs;
}

/**
 * Converts partner JSON bytes to a DeviceBatch for `topicDeviceId`. Structural problems give
 * `json_invalid`; the caller still runs the proto validator on the result (ranges, times).
 */
export function partnerJsonToBatch(bytes: Uint8Array, topicDeviceId: string, limitsIn?: Partial<Limits>, nowMs: number = Date.now()): JsonResult {
  const limits = resolveLimits(limitsIn);
  const tLo = limits.minTimeMs;
  const tHi = nowMs + limits.maxFutureSkewMs;
  const fail = (code: CodecError['code'], m: string): JsonResult => ({ ok: false, error: new CodecError(code, m) });
  if (bytes.length === 0) return fail('payload_empty', 'payload is empty');
  if (bytes.length > limits.maxPayloadBytes) return fail('payload_too_large', `payload is ${bytes.length} bytes, limit ${limits.maxPayloadBytes}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('json_invalid', 'payload is not valid UTF-8');
  }
  if (jsonDepth(text, JSON_MAX_DEPTH) > JSON_MAX_DEPTH) return fail('json_invalid', `JSON nested deeper than ${JSON_MAX_DEPTH}`);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return fail('json_invalid', `not JSON: ${(e as Error).message.slice(0, 200)}`);
  }
  try {
    if (!isObj(root)) bad('top level must be an object');
    const o = root as Record<string, unknown>;
    const deviceId = str(o, 'device_id', '$', limits.maxIdLength, false);
    if (deviceId !== undefined && deviceId !== topicDeviceId) bad(`device_id ${JSON.stringify(deviceId)} does not match topic device ${topicDeviceId}`);
    const bootId = str(o, 'boot_id', '$', limits.maxIdLength, true)!;
    const seq = num(o, 'seq', '$', true);
    if (!Number.isSafeInteger(seq) || seq < 0) bad('$.seq must be a non-negative safe integer');
    const sentAt = Math.round(num(o, 'sent_at', '$', true));
    if (sentAt < tLo || sentAt > tHi) throw new CodecError('time_out_of_range', `$.sent_at ${sentAt} outside [${tLo}, ${tHi}]`);
    const agent = str(o, 'agent', '$', 128, false) ?? '';

    const gps: GpsSample[] = arr(o, 'gps', limits.maxSamplesPerTrack, 'too_many_samples').map((s, i) => {
      const w = `gps[${i}]`;
      if (!isObj(s)) return bad(`${w} must be an object`);
      const g: GpsSample = { t: num(s, 't', w, true), lat: num(s, 'lat', w, true), lon: num(s, 'lon', w, true) };
      const speed = num(s, 'speed', w, false);
      const heading = num(s, 'heading', w, false);
      const hdop = num(s, 'hdop', w, false);
      const alt = num(s, 'alt', w, false);
      const limit = num(s, 'speed_limit', w, false);
      if (limit !== undefined && (limit < 0 || limit > 200)) throw new CodecError('value_out_of_range', `${w}.speed_limit ${limit} outside [0, 200] m/s`);
      if (limit !== undefined && limit > 0) g.speedLimit = limit;
      if (speed !== undefined) g.speed = speed;
      if (heading !== undefined) g.heading = heading;
      if (hdop !== undefined) g.hdop = hdop;
      if (alt !== undefined) g.alt = alt;
      if (Math.abs(g.lat) > 90) throw new CodecError('lat_out_of_range', `${w}.lat ${g.lat} outside ±90`);
      if (Math.abs(g.lon) > 180) throw new CodecError('lon_out_of_range', `${w}.lon ${g.lon} outside ±180`);
      if (heading !== undefined && (heading < 0 || heading >= 360)) throw new CodecError('value_out_of_range', `${w}.heading ${heading} outside [0, 360)`);
      // Bounds that keep the int32 columns from wrapping; the proto validator applies the real ranges.
      if (speed !== undefined && Math.abs(speed) > 1e6) throw new CodecError('value_out_of_range', `${w}.speed ${speed} out of range`);
      if (hdop !== undefined && (hdop < 0 || hdop > 1e4)) throw new CodecError('value_out_of_range', `${w}.hdop ${hdop} out of range`);
      if (alt !== undefined && Math.abs(alt) > 1e6) throw new CodecError('value_out_of_range', `${w}.alt ${alt} out of range`);
      return g;
    });
    const accel: AccelSample[] = arr(o, 'accel', limits.maxSamplesPerTrack, 'too_many_samples').map((s, i) => {
      const w = `accel[${i}]`;
      if (!isObj(s)) return bad(`${w} must be an object`);
      const a = { t: num(s, 't', w, true), x: num(s, 'x', w, true), y: num(s, 'y', w, true), z: num(s, 'z', w, true) };
      if (Math.abs(a.x) > 200 || Math.abs(a.y) > 200 || Math.abs(a.z) > 200) throw new CodecError('value_out_of_range', `${w} acceleration beyond ±200 g`);
      return a;
    });
    const rate = num(o, 'accel_rate_hz', '$', false) ?? 0;
    if (!Number.isInteger(rate) || rate < 0 || rate > 10_000) throw new CodecError('value_out_of_range', `accel_rate_hz ${rate} outside [0, 10000]`);
    const gyro: GyroSample[] = arr(o, 'gyro', limits.maxSamplesPerTrack, 'too_many_samples').map((s, i) => {
      const w = `gyro[${i}]`;
      if (!isObj(s)) return bad(`${w} must be an object`);
      const g = { t: num(s, 't', w, true), x: num(s, 'x', w, true), y: num(s, 'y', w, true), z: num(s, 'z', w, true) };
      if (Math.abs(g.x) > 10_000 || Math.abs(g.y) > 10_000 || Math.abs(g.z) > 10_000)
        throw new CodecError('value_out_of_range', `${w} angular rate beyond ±10000 deg/s`);
      return g;
    });
    const gyroRate = num(o, 'gyro_rate_hz', '$', false) ?? 0;
    if (!Number.isInteger(gyroRate) || gyroRate < 0 || gyroRate > 10_000)
      throw new CodecError('value_out_of_range', `gyro_rate_hz ${gyroRate} outside [0, 10000]`);
    const phone: PhoneSample[] = arr(o, 'phone', limits.maxSamplesPerTrack, 'too_many_samples').map((s, i) => {
      const w = `phone[${i}]`;
      if (!isObj(s)) return bad(`${w} must be an object`);
      const state = str(s, 'state', w, 16, true)! as PhoneStateName;
      if (!(state in PHONE_STATES))
        throw new CodecError('value_out_of_range', `${w}.state ${JSON.stringify(state)} is not one of ${Object.keys(PHONE_STATES).join(', ')}`);
      return { t: Math.round(num(s, 't', w, true)), state };
    });
    const events = arr(o, 'events', limits.maxEvents, 'too_many_events').map((e, i) => {
      const w = `events[${i}]`;
      if (!isObj(e)) return bad(`${w} must be an object`);
      const typeName = str(e, 'type', w, 32, true)!;
      const type = EVENT_TYPES[typeName];
      if (type === undefined)
        throw new CodecError('value_out_of_range', `${w}.type ${JSON.stringify(typeName)} is not one of ${Object.keys(EVENT_TYPES).join(', ')}`);
      const lat = num(e, 'lat', w, false) ?? 0;
      const lon = num(e, 'lon', w, false) ?? 0;
      if (Math.abs(lat) > 90) throw new CodecError('lat_out_of_range', `${w}.lat ${lat} outside ±90`);
      if (Math.abs(lon) > 180) throw new CodecError('lon_out_of_range', `${w}.lon ${lon} outside ±180`);
      const dur = num(e, 'duration_ms', w, false) ?? 0;
      if (dur < 0 || dur > 0xffffffff) throw new CodecError('value_out_of_range', `${w}.duration_ms ${dur} out of range`);
      const peak = num(e, 'peak', w, false) ?? 0;
      if (Math.abs(peak) > 2 ** 31 - 1) throw new CodecError('value_out_of_range', `${w}.peak out of range`);
      const speed = num(e, 'speed', w, false) ?? 0;
      if (speed < 0 || speed > 1000) throw new CodecError('value_out_of_range', `${w}.speed ${speed} outside [0, 1000] m/s`);
      return {
        type,
        tMs: checkTimes([{ t: Math.round(num(e, 't', w, true)) }], w, tLo, tHi)[0]!.t,
        durationMs: Math.round(dur),
        peak: Math.round(peak),
        latE7: Math.round(lat * 1e7),
        lonE7: Math.round(lon * 1e7),
        speedCms: Math.round(speed * 100),
      };
    });
    const batch: IDeviceBatch = { deviceId: topicDeviceId, bootId, seq, sentAtMs: sentAt, agent, events };
    if (gps.length > 0) batch.gps = packGps(checkTimes(gps, 'gps', tLo, tHi));
    if (accel.length > 0) batch.accel = packAccel(checkTimes(accel, 'accel', tLo, tHi), rate);
    if (gyro.length > 0) batch.gyro = packGyro(checkTimes(gyro, 'gyro', tLo, tHi), gyroRate);
    if (phone.length > 0) batch.phone = packPhone(checkTimes(phone, 'phone', tLo, tHi));
    return { ok: true, batch };
  } catch (e) {
    if (e instanceof CodecError) return { ok: false, error: e };
    return fail('json_invalid', `conversion failed: ${(e as Error).message}`);
  }
}
