/** Recorded drives (from GPX or CSV) and the typed error their parsers raise. */
import type { AccelSample, GpsSample } from '@fleetwire/proto';
import { FleetwireError } from '@fleetwire/runtime';
import { bearingDeg, haversineM } from './geo.js';

export interface RecordedTrack {
  /** GPS fixes in time order; t in epoch ms (or ms from an arbitrary origin; replay re-bases time). */
  gps: GpsSample[];
  /** Accelerometer samples in g, device frame, when the file has them. */
  accel: AccelSample[];
  format: 'gpx' | 'csv';
}

export type RecordingErrorCode =
  | 'empty'
  | 'unreadable'
  | 'unknown_format'
  | 'too_large'
  | 'not_gpx'
  | 'bad_header'
  | 'column_count'
  | 'bad_number'
  | 'bad_coordinate'
  | 'bad_time'
  | 'time_not_monotonic'
  | 'bad_value'
  | 'no_points';

/** A recording that cannot be used; `line` is 1-based when known. */
export class RecordingParseError extends FleetwireError<RecordingErrorCode> {
  override readonly name = 'RecordingParseError';
  constructor(
    code: RecordingErrorCode,
    message: string,
    readonly line?: number,
    readonly file?: string,
  ) {
    super(code, `${file ? file + ': ' : ''}${line ? `line ${line}: ` : ''}${message} [${code}]`);
  }
}

export const MAX_RECORDING_BYTES = 64 * 1024 * 1024;

/** Parses ISO 8601 or a plain number of milliseconds. */
export function parseTime(text: string): number | null {
  const s = text.trim();
  if (s === '') return null;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Math.round(Number(s));
  if (!/^\d{4}-\d{2}-\d{2}T/.test(s)) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

export function checkCoordinate(lat: number, lon: number, line: number | undefined, file?: string): void {
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) throw new RecordingParseError('bad_coordinate', `latitude ${lat} outside [-90, 90]`, line, file);
  if (!Number.isFinite(lon) || lon < -180 || lon > 180) throw new RecordingParseError('bad_coordinate', `longitude ${lon} outside [-180, 180]`, line, file);
}

/** Fills missing speed (m/s) and heading (deg) from neighbouring fixes (central differences). */
export function deriveKinematics(gps: GpsSample[]): void {
  const n = gps.length;
  for (let i = 0; i < n; i++) {
    const p = gps[i]!;
    const a = gps[Math.max(0, i - 1)]!;
    const b = gps[Math.min(n - 1, i + 1)]!;
    const dt = (b.t - a.t) / 1000;
    const d = a === b ? 0 : haversineM(a, b);
    if (p.speed === undefined || p.speed < 0) p.speed = dt > 0 ? Math.round((d / dt) * 100) / 100 : 0;
    if (p.heading === undefined && d > 0.5) p.heading = (Math.round(bearingDeg(a, b) * 100) / 100) % 360;
  }
}
