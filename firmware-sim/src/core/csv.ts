/**
 * Minimal CSV reader for recorded drives. Header (any order): t,lat,lon,speed,heading and optionally
 * x,y,z (accelerometer, g), alt, hdop. t is epoch/relative milliseconds or ISO 8601. A row with lat/lon
 * is a GPS fix; a row with x/y/z is an accelerometer sample; a row may be both. Blank speed/heading are
 * derived from neighbouring fixes. Lines starting with # and blank lines are ignored.
 */
import type { AccelSample, GpsSample } from '@fleetwire/proto';
import { checkCoordinate, deriveKinematics, MAX_RECORDING_BYTES, parseTime, RecordingParseError, type RecordedTrack } from './recording.js';

const REQUIRED = ['t', 'lat', 'lon', 'speed', 'heading'] as const;
const KNOWN = new Set<string>([...REQUIRED, 'x', 'y', 'z', 'alt', 'hdop']);

export function parseCsv(text: string, file?: string): RecordedTrack {
  if (text.length > MAX_RECORDING_BYTES) throw new RecordingParseError('too_large', `file is larger than ${MAX_RECORDING_BYTES} bytes`, undefined, file);
  const lines = text.split(/\r?\n/);
  let li = 0;
  while (li < lines.length && (lines[li]!.trim() === '' || lines[li]!.trimStart().startsWith('#'))) li++;
  if (li >= lines.length) throw new RecordingParseError('empty', 'file is empty', undefined, file);
  const header = lines[li]!.split(',').map((h) => h.trim().toLowerCase());
  const headerLine = li + 1;
  for (const h of header)
    if (!KNOWN.has(h))
      throw new RecordingParseError('bad_header', `unknown column "${h}" (expected t,lat,lon,speed,heading[,x,y,z][,alt][,hdop])`, headerLine, file);
  for (const r of REQUIRED)
    if (!header.includes(r))
      throw new RecordingParseError('bad_header', `missing column "${r}" (header must contain t,lat,lon,speed,heading)`, headerLine, file);
  if (new Set(header).size !== header.length) throw new RecordingParseError('bad_header', 'duplicate column in header', headerLine, file);
  const accelCols = ['x', 'y', 'z'].filter((c) => header.includes(c));
  if (accelCols.length !== 0 && accelCols.length !== 3) throw new RecordingParseError('bad_header', 'accelerometer needs all of x,y,z', headerLine, file);
  const col = (name: string) => header.indexOf(name);

  const gps: GpsSample[] = [];
  const accel: AccelSample[] = [];
  let lastT = -Infinity;
  for (li++; li < lines.length; li++) {
    const raw = lines[li]!;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const line = li + 1;
    const cells = raw.split(',').map((c) => c.trim());
    if (cells.length !== header.length) throw new RecordingParseError('column_count', `expected ${header.length} fields, found ${cells.length}`, line, file);
    const get = (name: string) => (col(name) >= 0 ? cells[col(name)]! : '');
    const t = parseTime(get('t'));
    if (t === null) throw new RecordingParseError('bad_time', `cannot parse time "${get('t')}" (milliseconds or ISO 8601)`, line, file);
    if (t < lastT) throw new RecordingParseError('time_not_monotonic', `time ${get('t')} is before the previous row`, line, file);
    lastT = t;
    const num = (name: string): number | undefined => {
      const s = get(name);
      if (s === '') return undefined;
      const v = Number(s);
      if (!Number.isFinite(v)) throw new RecordingParseError('bad_number', `${name} "${s}" is not a number`, line, file);
      return v;
    };
    const lat = num('lat');
    const lon = num('lon');
    if ((lat === undefined) !== (lon === undefined))
      throw new RecordingParseError('bad_coordinate', 'lat and lon must both be set or both be blank', line, file);
    let used = false;
    if (lat !== undefined && lon !== undefined) {
      checkCoordinate(lat, lon, line, file);
      const p: GpsSample = { t, lat, lon };
      const speed = num('speed');
      if (speed !== undefined) {
        if (speed < 0 || speed > 200) throw new RecordingParseError('bad_value', `speed ${speed} m/s out of range [0, 200]`, line, file);
        p.speed = speed;
      }
      const heading = num('heading');
      if (heading !== undefined) {
        if (heading < 0 || heading >= 360) throw new RecordingParseError('bad_value', `heading ${heading} outside [0, 360)`, line, file);
        p.heading = heading;
      }
      const alt = num('alt');
      if (alt !== undefined) p.alt = alt;
      const hdop = num('hdop');
      if (hdop !== undefined) p.hdop = hdop;
      gps.push(p);
      used = true;
    }
    if (accelCols.length === 3) {
      const x = num('x');
      const y = num('y');
      const z = num('z');
      const set = [x, y, z].filter((v) => v !== undefined).length;
      if (set !== 0 && set !== 3) throw new RecordingParseError('bad_value', 'x, y and z must all be set or all be blank', line, file);
      if (set === 3) {
        for (const v of [x!, y!, z!]) if (Math.abs(v) > 200) throw new RecordingParseError('bad_value', `acceleration ${v} g out of range`, line, file);
        accel.push({ t, x: x!, y: y!, z: z! });
        used = true;
      }
    }
    if (!used) throw new RecordingParseError('bad_value', 'row has neither a position (lat,lon) nor an acceleration (x,y,z)', line, file);
  }
  if (gps.length === 0 && accel.length === 0) throw new RecordingParseError('no_points', 'no data rows after the header', undefined, file);
  if (gps.length === 0) throw new RecordingParseError('no_points', 'no GPS rows (lat,lon) in the file', undefined, file);
  deriveKinematics(gps);
  return { gps, accel, format: 'csv' };
}

/** Writes a track in the CSV format parseCsv reads (GPS and accel rows merged by time). */
export function formatCsv(track: { gps: GpsSample[]; accel: AccelSample[] }): string {
  const withAccel = track.accel.length > 0;
  const rows: Array<[number, string]> = [];
  for (const p of track.gps) {
    const base = `${p.t},${p.lat},${p.lon},${p.speed ?? ''},${p.heading ?? ''}`;
    rows.push([p.t, withAccel ? `${base},,,` : base]);
  }
  for (const a of track.accel) rows.push([a.t, `${a.t},,,,,${a.x},${a.y},${a.z}`]);
  rows.sort((a, b) => a[0] - b[0]);
  return `t,lat,lon,speed,heading${withAccel ? ',x,y,z' : ''}\n${rows.map((r) => r[1]).join('\n')}\n`;
}

/** Writes a GPX 1.1 track. */
export function formatGpx(gps: GpsSample[], name = 'fleetwire-sim'): string {
  const pts = gps.map((p) => {
    const ele = p.alt !== undefined ? `<ele>${p.alt}</ele>` : '';
    return `<trkpt lat="${p.lat}" lon="${p.lon}">${ele}<time>${new Date(p.t).toISOString()}</time></trkpt>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="fleetwire-sim" xmlns="http://www.topografix.com/GPX/1/1">\n<trk><name>${name}</name><trkseg>\n${pts.join('\n')}\n</trkseg></trk>\n</gpx>\n`;
}
