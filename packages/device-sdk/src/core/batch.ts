// Pure batching: pending chunks -> rows -> columnar, delta-encoded DeviceBatch bytes within size bounds.
import { encodeDeviceBatch, type fleetwire } from '@fleetwire/proto';
import { gpsHdopC, gpsLimitCms, KIND_ACCEL, KIND_CRASH_INFO, KIND_EVENT, KIND_GPS, KIND_GYRO, KIND_PHONE, ROW_INTS } from './samples.js';
import { crashInfoOf, isCrashRow, isWindowKind } from './crash-batch.js';

/** Rows of one group commit as kept in memory and stored (packed) in the outbox. */
export interface PendingChunk {
  id: number;
  /** Epoch ms when it was stored (retention by age, time-based sealing). */
  storedAt: number;
  n: number;
  /** Rows at the front already sealed into batches. */
  skip: number;
  t: Float64Array;
  v: Int32Array;
}

export interface Rows {
  n: number;
  t: Float64Array;
  v: Int32Array;
}

export interface BatchMeta {
  deviceId: string;
  bootId: string;
  seq: number;
  sentAtMs: number;
  agent: string;
  accelRateHz: number;
  gyroRateHz?: number;
}

// Typical encoded sizes (bytes a row) of slowly changing signals; used to size a batch before encoding.
const EST = [0, 22, 9, 40, 9, 4, 30, 9, 9, 22];

/** Copies up to `max` unsealed rows from the front of the pending chunks. */
export function gatherRows(chunks: readonly PendingChunk[], max: number): Rows {
  let n = 0;
  for (const c of chunks) n += c.n - c.skip;
  n = Math.min(n, max);
  const t = new Float64Array(n);
  const v = new Int32Array(n * ROW_INTS);
  let o = 0;
  for (const c of chunks) {
    if (o >= n) break;
    const k = Math.min(c.n - c.skip, n - o);
    t.set(c.t.subarray(c.skip, c.skip + k), o);
    v.set(c.v.subarray(c.skip * ROW_INTS, (c.skip + k) * ROW_INTS), o * ROW_INTS);
    o += k;
  }
  return { n, t, v };
}

/** How many leading rows fit `maxBytes` by the per-kind estimate (at least 1). */
export function rowsWithinEstimate(rows: Rows, maxBytes: number, overhead = 128): number {
  let bytes = overhead;
  for (let i = 0; i < rows.n; i++) {
    bytes += EST[rows.v[i * ROW_INTS]!] ?? 40;
    if (bytes > maxBytes) return Math.max(1, i);
  }
  return rows.n;
}

function order(idx: number[], t: Float64Array): number[] {
  for (let i = 1; i < idx.length; i++) if (t[idx[i]!]! < t[idx[i - 1]!]!) return idx.slice().sort((a, b) => t[a]! - t[b]! || a - b);
  return idx;
}

/** Builds the DeviceBatch message for the first `n` rows. Tracks are sorted by time (stable). */
export function buildBatch(meta: BatchMeta, rows: Rows, n: number): fleetwire.v1.IDeviceBatch {
  const gi: number[] = [];
  const ai: number[] = [];
  const yi: number[] = [];
  const pi: number[] = [];
  const ei: number[] = [];
  const v = rows.v;
  for (let i = 0; i < n; i++) {
    const k = v[i * ROW_INTS];
    if (k === KIND_GPS) gi.push(i);
    else if (k === KIND_ACCEL) ai.push(i);
    else if (k === KIND_GYRO) yi.push(i);
    else if (k === KIND_PHONE) pi.push(i);
    else if (k === KIND_EVENT) ei.push(i);
    // KIND_CRASH_INFO and KIND_WIN_* rows belong to the CRASH event before them (crashInfoOf).
  }
  const msg: fleetwire.v1.IDeviceBatch = { deviceId: meta.deviceId, bootId: meta.bootId, seq: meta.seq, sentAtMs: meta.sentAtMs, agent: meta.agent };
  if (gi.length > 0) msg.gps = gpsTrack(order(gi, rows.t), rows);
  if (ai.length > 0) msg.accel = accelTrack(order(ai, rows.t), rows, meta.accelRateHz);
  if (yi.length > 0) msg.gyro = gyroTrack(order(yi, rows.t), rows, meta.gyroRateHz ?? 0);
  if (pi.length > 0) msg.phone = phoneTrack(order(pi, rows.t), rows);
  if (ei.length > 0) {
    msg.events = order(ei, rows.t).map((i) => {
      const o = i * ROW_INTS;
      const e: fleetwire.v1.IEdgeEvent = {
        type: v[o + 1]!,
        tMs: rows.t[i]!,
        durationMs: v[o + 2]!,
        peak: v[o + 3]!,
        latE7: v[o + 4]!,
        lonE7: v[o + 5]!,
        speedCms: v[o + 6]!,
      };
      if (isCrashRow(rows, i)) e.crash = crashInfoOf(rows, i, n, meta);
      return e;
    });
  }
  return msg;
}

export function gpsTrack(idx: number[], rows: Rows): fleetwire.v1.IGpsTrack {
  const m = idx.length;
  const tD = new Array<number>(m);
  const lat = new Array<number>(m);
  const lon = new Array<number>(m);
  const speed = new Array<number>(m);
  const heading = new Array<number>(m);
  const hdop = new Array<number>(m);
  const alt = new Array<number>(m);
  const limit = new Array<number>(m);
  let anyLimit = false;
  const base = rows.t[idx[0]!]!;
  let pt = base;
  let pla = 0;
  let plo = 0;
  for (let j = 0; j < m; j++) {
    const i = idx[j]!;
    const o = i * ROW_INTS;
    const t = rows.t[i]!;
    const la = rows.v[o + 1]!;
    const lo = rows.v[o + 2]!;
    tD[j] = t - pt;
    lat[j] = la - pla;
    lon[j] = lo - plo;
    pt = t;
    pla = la;
    plo = lo;
    speed[j] = rows.v[o + 3]!;
    heading[j] = rows.v[o + 4]!;
    const packed = rows.v[o + 5]!;
    hdop[j] = gpsHdopC(packed);
    limit[j] = gpsLimitCms(packed);
    if (limit[j]! > 0) anyLimit = true;
    alt[j] = rows.v[o + 6]!;
  }
  const track: fleetwire.v1.IGpsTrack = {
    baseTimeMs: base,
    tDeltaMs: tD,
    latDeltaE7: lat,
    lonDeltaE7: lon,
    speedCms: speed,
    headingCdeg: heading,
    hdopC: hdop,
    altDm: alt,
  };
  // Only when some fix has a posted limit: batches without one stay byte-identical to before the field.
  if (anyLimit) track.speedLimitCms = limit;
  return track;
}

function gyroTrack(idx: number[], rows: Rows, rateHz: number): fleetwire.v1.IGyroTrack {
  const a = accelTrack(idx, rows, rateHz);
  return { baseTimeMs: a.baseTimeMs, rateHz: a.rateHz, tDeltaMs: a.tDeltaMs, xDeltaMdps: a.xDeltaMg, yDeltaMdps: a.yDeltaMg, zDeltaMdps: a.zDeltaMg };
}

function phoneTrack(idx: number[], rows: Rows): fleetwire.v1.IPhoneTrack {
  const tD = new Array<number>(idx.length);
  const st = new Array<number>(idx.length);
  let pt = rows.t[idx[0]!]!;
  for (let j = 0; j < idx.length; j++) {
    const t = rows.t[idx[j]!]!;
    tD[j] = t - pt;
    pt = t;
    st[j] = rows.v[idx[j]! * ROW_INTS + 1]!;
  }
  return { baseTimeMs: rows.t[idx[0]!]!, tDeltaMs: tD, state: st };
}

/** Track of rows `idx` (accel-shaped x/y/z columns); exported for the crash window (crash-batch.ts). */
export function accelTrack(idx: number[], rows: Rows, rateHz: number): fleetwire.v1.IAccelTrack {
  const m = idx.length;
  const tD = new Array<number>(m);
  const xs = new Array<number>(m);
  const ys = new Array<number>(m);
  const zs = new Array<number>(m);
  const base = rows.t[idx[0]!]!;
  let pt = base;
  let px = 0;
  let py = 0;
  let pz = 0;
  for (let j = 0; j < m; j++) {
    const i = idx[j]!;
    const o = i * ROW_INTS;
    const t = rows.t[i]!;
    const x = rows.v[o + 1]!;
    const y = rows.v[o + 2]!;
    const z = rows.v[o + 3]!;
    tD[j] = t - pt;
    xs[j] = x - px;
    ys[j] = y - py;
    zs[j] = z - pz;
    pt = t;
    px = x;
    py = y;
    pz = z;
  }
  return { baseTimeMs: base, rateHz: Math.round(rateHz), tDeltaMs: tD, xDeltaMg: xs, yDeltaMg: ys, zDeltaMg: zs };
}

/** Edge events may ride along past a batch's sample limit: at most this many rows. */
export const EVENTS_RIDE = 64;

/** How many event rows directly follow row `from` (at most `max`). A CRASH event does not ride along: its group is sealed alone. */
export function trailingEvents(rows: Rows, from: number, max = rows.n - from): number {
  let k = 0;
  while (k < max && from + k < rows.n && rows.v[(from + k) * ROW_INTS] === KIND_EVENT && !isCrashRow(rows, from + k)) k++;
  return k;
}

/** True when every one of the rows is an edge event (nothing else to ship them with yet). */
export function onlyEvents(rows: Rows): boolean {
  return rows.n > 0 && trailingEvents(rows, 0) === rows.n;
}

/**
 * How many leading rows one batch may take: `maxSamples` rows, plus the edge events that directly follow
 * them (up to EVENTS_RIDE). An event is recorded right after the samples it was detected in, so it rides
 * with them instead of being sealed alone in a batch of its own.
 */
export function batchRowLimit(rows: Rows, maxSamples: number): number {
  const n = Math.min(rows.n, maxSamples);
  return n + trailingEvents(rows, n, EVENTS_RIDE);
}

/**
 * Encodes the largest prefix of `rows` (up to `limit` rows) whose encoding fits `maxBytes`.
 * Starts from the size estimate and shrinks proportionally when the real encoding is larger. Edge events
 * that directly follow the prefix are taken along when the encoding still fits.
 */
export function sealRows(meta: BatchMeta, rows: Rows, maxBytes: number, limit = rows.n): { bytes: Uint8Array; n: number } {
  const view: Rows = limit < rows.n ? { n: limit, t: rows.t, v: rows.v } : rows;
  let n = rowsWithinEstimate(view, maxBytes);
  for (;;) {
    const bytes = encodeDeviceBatch(buildBatch(meta, view, n));
    if (bytes.length <= maxBytes || n === 1) {
      const m = n + trailingEvents(view, n);
      if (m === n) return { bytes, n };
      const more = encodeDeviceBatch(buildBatch(meta, view, m));
      return more.length <= maxBytes ? { bytes: more, n: m } : { bytes, n };
    }
    n = Math.max(1, Math.min(n - 1, Math.floor((n * maxBytes * 0.95) / bytes.length)));
  }
}

/** What sealing `n` rows does to the pending chunks: chunks fully consumed and the new skip of a partial one. */
export function consume(chunks: readonly PendingChunk[], n: number): { deleted: number[]; trimmed: { id: number; skip: number } | null } {
  const deleted: number[] = [];
  let left = n;
  for (const c of chunks) {
    if (left <= 0) break;
    const avail = c.n - c.skip;
    if (left >= avail) {
      deleted.push(c.id);
      left -= avail;
    } else {
      return { deleted, trimmed: { id: c.id, skip: c.skip + left } };
    }
  }
  return { deleted, trimmed: null };
}

/** Counts rows of each kind among the first `n` (for stats: samples vs detected events). */
export function countKinds(rows: Rows, n: number): { samples: number; events: number } {
  let events = 0;
  let window = 0;
  for (let i = 0; i < n; i++) {
    const k = rows.v[i * ROW_INTS]!;
    if (k === KIND_EVENT) events++;
    else if (k === KIND_CRASH_INFO || isWindowKind(k)) window++;
  }
  return { samples: n - events - window, events };
}

/** Estimated encoded bytes of rows [from, to) of a column store. */
export function estimateRows(v: Int32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += EST[v[i * ROW_INTS]!] ?? 40;
  return s;
}
