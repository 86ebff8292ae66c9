/** Minimal dependency-free GPX reader: <trkpt lat lon> with <time>, optional <ele>, <speed>, <course>. */
import type { GpsSample } from '@fleetwire/proto';
import { checkCoordinate, deriveKinematics, MAX_RECORDING_BYTES, parseTime, RecordingParseError, type RecordedTrack } from './recording.js';

const TRKPT = /<(?:\w+:)?trkpt\b([^>]*?)(\/>|>([\s\S]*?)<\/(?:\w+:)?trkpt\s*>)/g;

export function parseGpx(text: string, file?: string): RecordedTrack {
  if (text.length > MAX_RECORDING_BYTES) throw new RecordingParseError('too_large', `file is larger than ${MAX_RECORDING_BYTES} bytes`, undefined, file);
  if (text.trim() === '') throw new RecordingParseError('empty', 'file is empty', undefined, file);
  if (!/<(?:\w+:)?gpx\b/.test(text)) throw new RecordingParseError('not_gpx', 'no <gpx> root element (is this a GPX file?)', 1, file);
  const lineAt = lineCounter(text);
  const gps: GpsSample[] = [];
  for (const m of text.matchAll(TRKPT)) {
    const line = lineAt(m.index ?? 0);
    const attrs = m[1] ?? '';
    const body = m[3] ?? '';
    const lat = attrNumber(attrs, 'lat', line, file);
    const lon = attrNumber(attrs, 'lon', line, file);
    checkCoordinate(lat, lon, line, file);
    const timeText = child(body, 'time');
    if (timeText === null) throw new RecordingParseError('bad_time', 'trkpt has no <time>', line, file);
    const t = parseTime(timeText);
    if (t === null) throw new RecordingParseError('bad_time', `cannot parse time "${timeText}"`, line, file);
    const prev = gps[gps.length - 1];
    if (prev && t < prev.t) throw new RecordingParseError('time_not_monotonic', `time ${timeText} is before the previous point`, line, file);
    const p: GpsSample = { t, lat, lon };
    const ele = optNumber(child(body, 'ele'), 'ele', line, file);
    if (ele !== undefined) p.alt = ele;
    const speed = optNumber(child(body, 'speed'), 'speed', line, file);
    if (speed !== undefined) {
      if (speed < 0 || speed > 200) throw new RecordingParseError('bad_value', `speed ${speed} m/s out of range`, line, file);
      p.speed = speed;
    }
    const course = optNumber(child(body, 'course'), 'course', line, file);
    if (course !== undefined) {
      if (course < 0 || course >= 360) throw new RecordingParseError('bad_value', `course ${course} outside [0, 360)`, line, file);
      p.heading = course;
    }
    const hdop = optNumber(child(body, 'hdop'), 'hdop', line, file);
    if (hdop !== undefined) p.hdop = hdop;
    gps.push(p);
  }
  if (gps.length === 0) throw new RecordingParseError('no_points', 'no <trkpt> points found', undefined, file);
  deriveKinematics(gps);
  return { gps, accel: [], format: 'gpx' };
}

function attrNumber(attrs: string, name: string, line: number, file?: string): number {
  const m = new RegExp(`\\b${name}\\s*=\\s*["']([^"']*)["']`).exec(attrs);
  if (!m) throw new RecordingParseError('bad_coordinate', `trkpt is missing the ${name} attribute`, line, file);
  const v = Number(m[1]);
  if (m[1]!.trim() === '' || !Number.isFinite(v)) throw new RecordingParseError('bad_number', `${name}="${m[1]}" is not a number`, line, file);
  return v;
}

function child(body: string, tag: string): string | null {
  const m = new RegExp(`<(?:\\w+:)?${tag}\\b[^>]*>([^<]*)</(?:\\w+:)?${tag}\\s*>`).exec(body);
  return m ? m[1]!.trim() : null;
}

function optNumber(text: string | null, name: string, line: number, file?: string): number | undefined {
  if (text === null) return undefined;
  const v = Number(text);
  if (text === '' || !Number.isFinite(v)) throw new RecordingParseError('bad_number', `<${name}> "${text}" is not a number`, line, file);
  return v;
}

function lineCounter(text: string): (index: number) => number {
  const starts: number[] = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
