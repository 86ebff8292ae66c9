// A recorded drive as the evaluation feeds it to the pipeline, whatever file format it came from.
import { FleetwireError } from '@fleetwire/runtime';

export interface RecordedFix {
  /** Epoch ms. */
  t: number;
  lat: number;
  lon: number;
  /** m/s, -1 unknown. */
  speed: number;
  /** Degrees clockwise from north, -1 unknown. */
  heading: number;
  /** 0 unknown. */
  hdop: number;
  /** Posted limit in km/h, 0 unknown. */
  limitKmh: number;
}

export interface RecordedAccel {
  t: number;
  /** g, device frame, gravity included. */
  x: number;
  y: number;
  z: number;
}

export interface Recording {
  /** Unique within the evaluation, e.g. "nds-nebraska/drive-5". */
  id: string;
  /** Data set (directory) it came from. */
  set: string;
  format: 'nds-nebraska' | 'ndsbr' | 'androsensor' | 'fleetwire-csv' | 'uah-driveset';
  gps: RecordedFix[];
  accel: RecordedAccel[];
  /** Gyroscope (deg/s, device frame, counter-clockwise positive as the recorder reports it), when recorded. */
  gyro?: RecordedAccel[];
  /** Optional label (e.g. normal / aggressive) from labels.csv beside the files. */
  label?: string;
  /** The driver, where the data set names one (UAH-DriveSet: D1..D6): same-driver comparisons use it. */
  driver?: string;
  /** Reference values the recording carries (e.g. the recorder's own event flags). */
  reference?: Record<string, number>;
  /** Per-second phone-use labels (NDS-BR ACTION, from video): '' none, 'NPI' not observable, else the kind of use. */
  phoneLabels?: { t: number; label: string }[];
  /** Labelled manoeuvres (manoeuvres.csv beside the files): epoch ms windows and their kind. */
  manoeuvres?: import('./manoeuvres.js').Manoeuvre[];
  /** App-reported phone states to replay (from the labels: the data set has no IMU and no app log). */
  phone?: { t: number; state: number }[];
}

/** A recording directory or file the eval cannot read. */
export class RecordingError extends FleetwireError<'recording_invalid'> {
  override readonly name = 'RecordingError';
  constructor(message: string) {
    super('recording_invalid', message);
  }
}

/** A time cell: epoch ms (digits) or an ISO 8601 date; NaN when it is neither. */
export const parseTime = (s: string): number => (/^\d+(\.\d+)?$/.test(s) ? Number(s) : Date.parse(s));

/** Splits a CSV line on `sep` (no quoting: none of the supported formats quotes fields). */
export const cells = (line: string, sep: string): string[] => line.split(sep).map((c) => c.trim());

/** Parses a number; "", "NA", "NPI" and non-numbers give NaN. `comma`: decimal comma. */
export function num(s: string | undefined, comma = false): number {
  if (s === undefined || s === '' || s === 'NA' || s === 'NPI') return NaN;
  const v = Number(comma ? s.replace(',', '.') : s);
  return Number.isFinite(v) ? v : NaN;
}
