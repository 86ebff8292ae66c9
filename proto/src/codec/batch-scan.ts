// Fast acceptance check of DeviceBatch bytes in one pass, without building the decoded object.
// Pure. Used by the gateway on every uplink, where the full decode (arrays of every column, then
// validateDeviceBatch) was about a tenth of its CPU per message.
//
// It only ever says "valid" or "not sure": it handles the canonical encoding the SDK and any
// protobuf library write (each singular field at most once, repeated numbers packed, no unknown
// fields, no edge events) and answers `null` for anything else, valid or not. `checkDeviceBatch`
// then runs the full decodeDeviceBatch, which gives the authoritative verdict and the reason. So a
// rejected payload always gets exactly the error it got before, and the scan only has to be right
// about what it accepts (a property test compares it with the full decode on random and mutated input).
//
// Given a ColumnSink, the same pass also writes the absolute columns it reads (what gpsColumns,
// accelColumns, gyroColumns and phoneColumns give from the full decode): the scorer's decode of a record.
import { decodeDeviceBatch, type DecodeOptions } from './batch.js';
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
import { fail, ok, type Result } from './errors.js';
import { type Limits, resolveLimits } from './limits.js';
import type { GyroColumns, PhoneColumns } from './phone-tracks.js';
import type { AccelColumns, GpsColumns } from './tracks.js';

/** What the gateway needs from an accepted batch. */
export interface BatchIdentity {
  deviceId: string;
  bootId: string;
  seq: number;
}

// Bytes allowed in device_id / boot_id: the ASCII characters validateId's ID_RE accepts (it accepts no
// others, so byte-wise decoding is exact).
const ID_BYTE = new Uint8Array(256);
for (let c = 0; c < 128; c++) if (ID_RE.test(String.fromCharCode(c))) ID_BYTE[c] = 1;

/**
 * The columns a scan read, for a batch it accepted: a track absent from the batch stays null (gps and accel:
 * the caller reads that as empty columns, as gpsColumns(undefined) gives). sentAtMs 0 when absent.
 */
export interface ColumnSink {
  gps: GpsColumns | null;
  accel: AccelColumns | null;
  gyro: GyroColumns | null;
  phone: PhoneColumns | null;
  sentAtMs: number;
}

export const newColumnSink = (): ColumnSink => ({ gps: null, accel: null, gyro: null, phone: null, sentAtMs: 0 });

/** Thrown inside the scan for "not sure"; never escapes it. */
export const UNSURE = Symbol('unsure');

export class Cursor {
  pos: number;
  /** Field numbers of the current message read so far (a bit each), for tag(). */
  seen = 0;
  constructor(
    readonly b: Uint8Array,
    pos: number,
    public end: number,
  ) {
    this.pos = pos;
  }
  /**
   * The next field's tag (field number << 3 | wire type) of the message the cursor spans. A field number outside
   * 1..maxField, or one already read in this message (a repeat, which protobufjs would merge) -> unsure.
   */
  tag(maxField: number): number {
    const tag = this.u32();
    const f = tag >>> 3;
    if (f < 1 || f > maxField || this.seen & (1 << f)) throw UNSURE;
    this.seen |= 1 << f;
    return tag;
  }
  /** uint32 varint as protobufjs reads it (bits past 32 in the 5th byte ignored); longer than 5 bytes -> unsure. */
  u32(): number {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw UNSURE;
      const c = this.b[this.pos++]!;
      v |= (shift === 28 ? c & 15 : c & 127) << shift;
      if (c < 128) return v >>> 0;
    }
    throw UNSURE;
  }

  sint32(): number {
    const v = this.u32();
    return ((v >>> 1) ^ -(v & 1)) | 0;
  }
  /** uint64 varint as a number; beyond 2^53 -> unsure. */
  u64(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw UNSURE;
      const c = this.b[this.pos++]!;
      v += (c & 127) * mul;
      if (c < 128) {
        if (!Number.isSafeInteger(v)) throw UNSURE;
        return v;
      }
      mul *= 128;
    }
    throw UNSURE;
  }
  sint64(): number {
    const v = this.u64();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }
  /** Length prefix; returns the end of the field, which must lie inside the current end. */
  len(): number {
    const n = this.u32();
    const e = this.pos + n;
    if (e > this.end) throw UNSURE;
    return e;
  }
}

/** A length-delimited identifier in ID_RE's characters, 1..maxIdLength long; anything else -> unsure. */
export function id(c: Cursor, limits: Limits): string {
  const e = c.len();
  const n = e - c.pos;
  if (n === 0 || n > limits.maxIdLength) throw UNSURE;
  let s = '';
  for (let i = c.pos; i < e; i++) {
    const x = c.b[i]!;
    if (!ID_BYTE[x]) throw UNSURE;
    s += String.fromCharCode(x);
  }
  c.pos = e;
  return s;
}

/** Start and end of one packed column; [0, 0] when absent. */
type Span = [number, number];

function count(b: Uint8Array, s: Span): number {
  let n = 0;
  for (let i = s[0]; i < s[1]; i++) if (b[i]! < 128) n++;
  return n;
}

// Each column check below also writes the values it reads into `out` when given (sized by count()).

/** Times: base + running deltas, monotonic after the first, inside [minTimeMs, now + skew]. */
function times(b: Uint8Array, s: Span, base: number, limits: Limits, nowMs: number, out?: Float64Array): void {
  const c = new Cursor(b, s[0], s[1]);
  const maxT = nowMs + limits.maxFutureSkewMs;
  let t = base;
  for (let i = 0; c.pos < s[1]; i++) {
    const d = c.sint32();
    if (i > 0 && d < 0) throw UNSURE;
    t += d;
    if (t < limits.minTimeMs || t > maxT) throw UNSURE;
    if (out) out[i] = t;
  }
}

function running(b: Uint8Array, s: Span, max: number, out?: Int32Array): void {
  const c = new Cursor(b, s[0], s[1]);
  let v = 0;
  for (let i = 0; c.pos < s[1]; i++) {
    v += c.sint32();
    if (v > max || v < -max) throw UNSURE;
    if (out) out[i] = v;
  }
}

/** Unsigned (enum) values in [min, max]. */
function urange(b: Uint8Array, s: Span, min: number, max: number, out?: Uint8Array): void {
  const c = new Cursor(b, s[0], s[1]);
  for (let i = 0; c.pos < s[1]; i++) {
    const v = c.u32();
    if (v < min || v > max) throw UNSURE;
    if (out) out[i] = v;
  }
}

function range(b: Uint8Array, s: Span, min: number, max: number, out?: Int32Array): void {
  const c = new Cursor(b, s[0], s[1]);
  for (let i = 0; c.pos < s[1]; i++) {
    const v = c.sint32();
    if (v < min || v > max) throw UNSURE;
    if (out) out[i] = v;
  }
}

/**
 * Reads one message's fields into `spans` (packed columns, by field number) and `scalars` (varints, by
 * field number). A field seen twice, a wire type other than expected, or an unknown field -> unsure.
 */
function fields(c: Cursor, packed: number, scalarKinds: ScalarKinds, spans: Span[], scalars: number[]): void {
  while (c.pos < c.end) {
    const tag = c.tag(30);
    const f = tag >>> 3;
    const w = tag & 7;
    const kind = scalarKinds[f];
    if (kind) {
      if (w !== 0) throw UNSURE;
      scalars[f] = kind === 'u32' ? c.u32() : c.sint64();
    } else if (packed & (1 << f)) {
      if (w !== 2) throw UNSURE;
      const e = c.len();
      if (e > c.pos && c.b[e - 1]! >= 128) throw UNSURE; // a varint would run past the column
      spans[f] = [c.pos, e];
      c.pos = e;
    } else throw UNSURE;
  }
}

const NONE: Span = [0, 0];
type ScalarKinds = Readonly<Record<number, 'u32' | 'sint64'>>;
const GPS_SCALARS: ScalarKinds = { 1: 'sint64' }; // base_time_ms
const ACCEL_SCALARS: ScalarKinds = { 1: 'sint64', 2: 'u32' }; // base_time_ms, rate_hz

function gps(b: Uint8Array, start: number, end: number, limits: Limits, nowMs: number, sink?: ColumnSink): void {
  const spans: Span[] = [];
  const scalars: number[] = [];
  // 1 base_time_ms, 2 t_delta_ms, 3 lat, 4 lon, 5 speed, 6 heading, 7 hdop, 8 alt, 9 speed limit
  fields(new Cursor(b, start, end), 0b11_1111_1100, GPS_SCALARS, spans, scalars);
  const col = (f: number) => spans[f] ?? NONE;
  const n = count(b, col(2));
  if (n > limits.maxSamplesPerTrack) throw UNSURE;
  if (count(b, col(3)) !== n || count(b, col(4)) !== n) throw UNSURE;
  for (let f = 5; f <= 9; f++) {
    const m = count(b, col(f));
    if (m !== n && m !== 0) throw UNSURE;
  }
  // As gpsColumns: an optional column left out is empty, except the posted limit (zeros: unknown).
  const o: GpsColumns | undefined = sink && {
    t: new Float64Array(n),
    latE7: new Int32Array(n),
    lonE7: new Int32Array(n),
    speedCms: new Int32Array(count(b, col(5))),
    headingCdeg: new Int32Array(count(b, col(6))),
    hdopC: new Int32Array(count(b, col(7))),
    altDm: new Int32Array(count(b, col(8))),
    speedLimitCms: new Int32Array(n),
  };
  if (n > 0) times(b, col(2), scalars[1] ?? 0, limits, nowMs, o?.t);
  running(b, col(3), LAT_MAX, o?.latE7);
  running(b, col(4), LON_MAX, o?.lonE7);
  range(b, col(5), -1, SPEED_MAX_CMS, o?.speedCms);
  range(b, col(6), -1, HEADING_MAX_CDEG, o?.headingCdeg);
  range(b, col(7), 0, HDOP_MAX_C, o?.hdopC);
  range(b, col(8), ALT_MIN_DM, ALT_MAX_DM, o?.altDm);
  range(b, col(9), 0, SPEED_MAX_CMS, o?.speedLimitCms);
  if (sink) sink.gps = o!;
}

/** AccelTrack (milli-g) or GyroTrack (milli-deg/s): the same layout, their own bound; columns [t, x, y, z]. */
function xyz(b: Uint8Array, start: number, end: number, limits: Limits, nowMs: number, max: number, sink?: ColumnSink): XyzColumns | undefined {
  const spans: Span[] = [];
  const scalars: number[] = [];
  // 1 base_time_ms, 2 rate_hz, 3 t_delta_ms, 4 x, 5 y, 6 z
  fields(new Cursor(b, start, end), 0b111_1000, ACCEL_SCALARS, spans, scalars);
  const col = (f: number) => spans[f] ?? NONE;
  const n = count(b, col(3));
  if (n > limits.maxSamplesPerTrack) throw UNSURE;
  if ((scalars[2] ?? 0) > RATE_MAX_HZ) throw UNSURE;
  if (count(b, col(4)) !== n || count(b, col(5)) !== n || count(b, col(6)) !== n) throw UNSURE;
  const o: XyzColumns | undefined = sink && [new Float64Array(n), new Int32Array(n), new Int32Array(n), new Int32Array(n)];
  if (n > 0) times(b, col(3), scalars[1] ?? 0, limits, nowMs, o?.[0]);
  running(b, col(4), max, o?.[1]);
  running(b, col(5), max, o?.[2]);
  running(b, col(6), max, o?.[3]);
  return o;
}

type XyzColumns = [Float64Array, Int32Array, Int32Array, Int32Array];

function phone(b: Uint8Array, start: number, end: number, limits: Limits, nowMs: number, sink?: ColumnSink): void {
  const spans: Span[] = [];
  const scalars: number[] = [];
  // 1 base_time_ms, 2 t_delta_ms, 3 state (enum, plain varint)
  fields(new Cursor(b, start, end), 0b1100, GPS_SCALARS, spans, scalars);
  const col = (f: number) => spans[f] ?? NONE;
  const n = count(b, col(2));
  if (n > limits.maxSamplesPerTrack || count(b, col(3)) !== n) throw UNSURE;
  const o: PhoneColumns | undefined = sink && { t: new Float64Array(n), state: new Uint8Array(n) };
  if (n > 0) times(b, col(2), scalars[1] ?? 0, limits, nowMs, o?.t);
  urange(b, col(3), 1, PHONE_STATE_MAX, o?.state);
  if (sink) sink.phone = o!;
}

/** The batch's identity when its bytes are certainly valid; null when not sure (use decodeDeviceBatch). */
export function scanDeviceBatch(bytes: Uint8Array, limits: Limits, nowMs: number): BatchIdentity | null {
  return scanBatchAt(bytes, 0, bytes.length, limits, nowMs);
}

/**
 * scanDeviceBatch of the DeviceBatch in bytes[start, end) (e.g. embedded in a TelemetryRecord). With a sink,
 * also the columns of its tracks (written into the sink; only complete when the answer is not null).
 */
export function scanBatchAt(bytes: Uint8Array, start: number, end: number, limits: Limits, nowMs: number, sink?: ColumnSink): BatchIdentity | null {
  if (end - start === 0 || end - start > limits.maxPayloadBytes) return null;
  try {
    const c = new Cursor(bytes, start, end);
    let deviceId: string | null = null;
    let bootId: string | null = null;
    let seq = 0;
    while (c.pos < c.end) {
      const tag = c.tag(10);
      const f = tag >>> 3;
      const w = tag & 7;
      if (f === 3 || f === 4) {
        if (w !== 0) return null;
        if (f === 3) seq = c.u64();
        else {
          const sent = c.sint64(); // sent_at_ms: not bounded
          if (sink) sink.sentAtMs = sent;
        }
        continue;
      }
      if (w !== 2) return null;
      if (f === 1) deviceId = id(c, limits);
      else if (f === 2) bootId = id(c, limits);
      else if (f === 8)
        c.pos = c.len(); // agent: free text
      else if (f === 5 || f === 6 || f === 9 || f === 10) {
        const e = c.len();
        if (f === 5) gps(bytes, c.pos, e, limits, nowMs, sink);
        else if (f === 6) {
          const o = xyz(bytes, c.pos, e, limits, nowMs, ACCEL_MAX_MG, sink);
          if (sink) sink.accel = { t: o![0], xMg: o![1], yMg: o![2], zMg: o![3] };
        } else if (f === 9) {
          const o = xyz(bytes, c.pos, e, limits, nowMs, GYRO_MAX_MDPS, sink);
          if (sink) sink.gyro = { t: o![0], xMdps: o![1], yMdps: o![2], zMdps: o![3] };
        } else phone(bytes, c.pos, e, limits, nowMs, sink);
        c.pos = e;
      } else return null; // 7: edge events (rare) go through the full decode
    }
    if (deviceId === null || bootId === null) return null;
    return { deviceId, bootId, seq };
  } catch (e) {
    if (e === UNSURE) return null;
    throw e;
  }
}

/**
 * Validates untrusted DeviceBatch bytes and returns their identity: the one-pass scan when it is sure,
 * else the full decode (same verdict and reasons as decodeDeviceBatch). Never throws.
 */
export function checkDeviceBatch(bytes: Uint8Array, opts: DecodeOptions = {}): Result<BatchIdentity> {
  return scanElseDecode(bytes, opts, scanDeviceBatch, (b, o) => {
    const r = decodeDeviceBatch(b, o);
    if (!r.ok) return r;
    const seq = Number(r.value.seq);
    if (!Number.isSafeInteger(seq)) return fail('value_out_of_range', `seq ${String(r.value.seq)} is not a safe integer`);
    return ok({ deviceId: r.value.deviceId, bootId: r.value.bootId, seq });
  });
}

/**
 * The one-pass `scan` when it is sure, else `full`, which decides the verdict and the reason (the scan is only
 * a shortcut: should it ever throw on some input, the full decode decides too). Never throws if `full` does not.
 */
export function scanElseDecode<T>(
  bytes: Uint8Array,
  opts: DecodeOptions,
  scan: (bytes: Uint8Array, limits: Limits, nowMs: number) => T | null,
  full: (bytes: Uint8Array, opts: { limits: Limits; nowMs: number }) => Result<T>,
): Result<T> {
  const limits = resolveLimits(opts.limits);
  const nowMs = opts.nowMs ?? Date.now();
  let fast: T | null = null;
  try {
    fast = bytes ? scan(bytes, limits, nowMs) : null;
  } catch {
    // fall through to the full decode
  }
  return fast ? ok(fast) : full(bytes, { limits, nowMs });
}
