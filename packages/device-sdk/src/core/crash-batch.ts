// A CRASH event's group of rows (event, detail, data window) and the batch it is sealed into, alone: it holds
// no samples of the device's stream, so it can be published ahead of a backlog without reordering the samples
// the backend processes in seq order. Pure.
import type { fleetwire } from '@fleetwire/proto';
import { accelTrack, type BatchMeta, buildBatch, gpsTrack, type Rows } from './batch.js';
import { encodeDeviceBatch } from '@fleetwire/proto';
import { KIND_CRASH_INFO, KIND_EVENT, KIND_WIN_ACCEL, KIND_WIN_GPS, KIND_WIN_GYRO, ROW_INTS } from './samples.js';

const CRASH = 7;
const SENSITIVITY = ['low', 'normal', 'high'];

export const isWindowKind = (k: number): boolean => k === KIND_WIN_ACCEL || k === KIND_WIN_GYRO || k === KIND_WIN_GPS;

/** Row i is a CRASH event followed by its detail row. */
export const isCrashRow = (rows: Rows, i: number): boolean =>
  i + 1 < rows.n && rows.v[i * ROW_INTS] === KIND_EVENT && rows.v[i * ROW_INTS + 1] === CRASH && rows.v[(i + 1) * ROW_INTS] === KIND_CRASH_INFO;

/** Index of the first CRASH group among the first n rows, -1 none. */
export function firstCrash(rows: Rows, n = rows.n): number {
  for (let i = 0; i < n; i++) if (isCrashRow(rows, i)) return i;
  return -1;
}

/** End (exclusive) of the crash group starting at row i. */
export function crashGroupEnd(rows: Rows, i: number): number {
  let j = i + 2;
  while (j < rows.n && isWindowKind(rows.v[j * ROW_INTS]!)) j++;
  return j;
}

/** CrashInfo of the CRASH event at row i, its window from the rows that follow (within the first n rows). */
export function crashInfoOf(rows: Rows, i: number, n: number, meta: BatchMeta): fleetwire.v1.ICrashInfo {
  const o = (i + 1) * ROW_INTS;
  const v = rows.v;
  const packed = v[o + 6]!;
  const info: fleetwire.v1.ICrashInfo = {
    peakMg: Math.max(0, v[i * ROW_INTS + 3]!),
    deltaVCms: Math.max(0, v[o + 1]!),
    directionDeg: v[o + 2]!,
    preSpeedCms: v[o + 3]!,
    postSpeedCms: v[o + 4]!,
    pulseMs: Math.max(0, v[o + 5]!),
    thresholdMg: Math.floor(packed / 4),
    sensitivity: SENSITIVITY[packed % 4] ?? 'normal',
  };
  const acc: number[] = [];
  const gyr: number[] = [];
  const gps: number[] = [];
  for (let j = i + 2; j < n && isWindowKind(v[j * ROW_INTS]!); j++) {
    const k = v[j * ROW_INTS];
    (k === KIND_WIN_ACCEL ? acc : k === KIND_WIN_GYRO ? gyr : gps).push(j);
  }
  if (acc.length) info.accel = accelTrack(acc, rows, meta.accelRateHz);
  if (gyr.length) {
    const g = accelTrack(gyr, rows, meta.gyroRateHz ?? 0);
    info.gyro = { baseTimeMs: g.baseTimeMs, rateHz: g.rateHz, tDeltaMs: g.tDeltaMs, xDeltaMdps: g.xDeltaMg, yDeltaMdps: g.yDeltaMg, zDeltaMdps: g.zDeltaMg };
  }
  if (gps.length) info.gps = gpsTrack(gps, rows);
  return info;
}

/**
 * Encodes the crash group [i, end) as one batch within maxBytes: when the window does not fit, its oldest
 * half is left out, again until it does (the impact is at its end). All rows of the group are consumed.
 */
export function sealCrashGroup(meta: BatchMeta, rows: Rows, i: number, end: number, maxBytes: number): Uint8Array {
  let from = i + 2;
  for (;;) {
    // A view of [event, info, window rows from `from`].
    const idx = [i, i + 1];
    for (let j = from; j < end; j++) idx.push(j);
    const t = new Float64Array(idx.length);
    const v = new Int32Array(idx.length * ROW_INTS);
    idx.forEach((r, k) => {
      t[k] = rows.t[r]!;
      v.set(rows.v.subarray(r * ROW_INTS, (r + 1) * ROW_INTS), k * ROW_INTS);
    });
    const bytes = encodeDeviceBatch(buildBatch(meta, { n: idx.length, t, v }, idx.length));
    if (bytes.length <= maxBytes || from >= end) return bytes;
    from += Math.max(1, Math.ceil((end - from) / 2));
  }
}
