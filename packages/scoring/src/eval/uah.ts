// UAH-DriveSet (a phone app on the windshield, 6 drivers, normal / aggressive / drowsy driving on motorway and
// secondary roads): one folder per trip named "<yyyymmddhhmmss>-<km>km-<driver>-<BEHAVIOUR>-<ROAD>", holding
//   RAW_GPS.txt            space-separated: t (s from start), speed km/h, lat, lon, altitude, vertical and
//                          horizontal accuracy, course (deg), course change, ... (further columns ignored)
//   RAW_ACCELEROMETERS.txt t (s), system active, ax, ay, az (g), the same Kalman-filtered, roll, pitch, yaw
//   PROC_OPENSTREETMAP_DATA.txt (optional) t (s), maximum allowed speed (km/h), ...
// Read from the data set's published description; the folder's clock time is Madrid local time.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cells, num, type RecordedAccel, type RecordedFix, type Recording, RecordingError } from './recording.js';

const NAME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})-.*?-([A-Za-z0-9]+)-(NORMAL|AGGRESSIVE|DROWSY)\d*-(MOTORWAY|SECONDARY)$/i;

export const isUahTrip = (dir: string): boolean => existsSync(join(dir, 'RAW_GPS.txt')) && existsSync(join(dir, 'RAW_ACCELEROMETERS.txt'));

/** Epoch ms of a Madrid wall-clock time (CET/CEST, from the runtime's time-zone data). */
export function madridToUtc(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const parts = (t: number) => {
    const f = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Madrid',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, Number(x.value)]));
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  };
  const off = parts(wall) - wall; // Madrid is ahead of UTC by `off`
  return wall - off;
}

const rows = (file: string): number[][] =>
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) =>
      cells(l, ' ')
        .filter((c) => c !== '')
        .map((c) => num(c)),
    );

export function readUahTrip(dir: string, set: string, id: string): Recording {
  const name = basename(dir);
  const m = NAME.exec(name);
  if (!m)
    throw new RecordingError(`${dir}: UAH-DriveSet trip folders are named <yyyymmddhhmmss>-<km>km-<driver>-<NORMAL|AGGRESSIVE|DROWSY>-<MOTORWAY|SECONDARY>`);
  const t0 = madridToUtc(...(m.slice(1, 7).map(Number) as [number, number, number, number, number, number]));
  const limits = existsSync(join(dir, 'PROC_OPENSTREETMAP_DATA.txt'))
    ? rows(join(dir, 'PROC_OPENSTREETMAP_DATA.txt')).filter((r) => Number.isFinite(r[0]))
    : [];
  let li = 0;
  const gps: RecordedFix[] = [];
  for (const r of rows(join(dir, 'RAW_GPS.txt'))) {
    if (r.length < 4) throw new RecordingError(`${dir}/RAW_GPS.txt: a line has ${r.length} columns, needs at least 4 (t, speed, lat, lon)`);
    const [ts, kmh, lat, lon] = r as [number, number, number, number];
    const t = t0 + Math.round(ts * 1000);
    if (!Number.isFinite(t) || !Number.isFinite(lat) || !Number.isFinite(lon) || (gps.length > 0 && t <= gps[gps.length - 1]!.t)) continue;
    while (li + 1 < limits.length && limits[li + 1]![0]! <= ts) li++;
    const lim = limits[li] && limits[li]![0]! <= ts ? (limits[li]![1] ?? NaN) : NaN;
    const course = r[7] ?? NaN;
    gps.push({
      t,
      lat,
      lon,
      speed: Number.isFinite(kmh) && kmh >= 0 ? kmh / 3.6 : -1,
      heading: Number.isFinite(course) && course >= 0 && kmh > 0 ? course % 360 : -1,
      hdop: 0,
      limitKmh: Number.isFinite(lim) && lim > 0 ? lim : 0,
    });
  }
  const accel: RecordedAccel[] = [];
  for (const r of rows(join(dir, 'RAW_ACCELEROMETERS.txt'))) {
    if (r.length < 5) throw new RecordingError(`${dir}/RAW_ACCELEROMETERS.txt: a line has ${r.length} columns, needs at least 5 (t, active, x, y, z)`);
    const t = t0 + Math.round(r[0]! * 1000);
    const [x, y, z] = [r[2]!, r[3]!, r[4]!];
    if (!Number.isFinite(t) || !Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z) || (accel.length > 0 && t <= accel[accel.length - 1]!.t))
      continue;
    accel.push({ t, x, y, z });
  }
  return { id: `${set}/${id}`, set, format: 'uah-driveset', gps, accel, label: `${m[8]!.toLowerCase()} ${m[9]!.toLowerCase()}`, driver: m[7]! };
}

/** Trip folders in `dir` itself, or up to two levels below it (the data set's root holds D1..D6). */
export function readUahTree(dir: string, set: string): Recording[] {
  if (isUahTrip(dir)) return [readUahTrip(dir, set, basename(dir))];
  const out: Recording[] = [];
  const walk = (d: string, prefix: string, depth: number) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (!statSync(p).isDirectory()) continue;
      if (isUahTrip(p)) out.push(readUahTrip(p, set, prefix + e));
      else if (depth > 0) walk(p, `${prefix}${e}/`, depth - 1);
    }
  };
  walk(dir, '', 1);
  return out;
}
