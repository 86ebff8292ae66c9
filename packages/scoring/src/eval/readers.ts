// Readers for the recording formats the evaluation accepts (see README "Real-data evaluation"):
//   nds-nebraska  nds_data.csv (DrivePlotR): drive, time_utc, gps_*, speed_mph, accel_x/y/z (g), accel_event, gyro_x/y/z (deg/s, optional)
//   ndsbr         driver_*.csv (NDS-BR): ';'-separated, decimal comma, ID, DAY, clock, SPD_KMH, HEADING, LIMITE_VEL
//   androsensor   gps.<name>.csv + accel.<name>.csv (ms since start; accel m/s²), e.g. quat-orient
//   fleetwire-csv any other *.csv with header t[,lat,lon,speed,heading,hdop,speed_limit_kmh,x,y,z,gx,gy,gz]
//                 (GPS columns, accelerometer columns or both; gx/gy/gz the gyroscope in deg/s)
//   uah-driveset  trip folders with RAW_GPS.txt + RAW_ACCELEROMETERS.txt (see uah.ts)
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cells, num, parseTime, type RecordedAccel, type RecordedFix, type Recording, RecordingError } from './recording.js';
import { replayPhoneLabels } from './phone-labels.js';
import { applyManoeuvres } from './manoeuvres.js';
import { readUahTree } from './uah.js';

const G = 9.80665;
const lines = (text: string) => text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));

function header(line: string, sep: string): Map<string, number> {
  return new Map(cells(line, sep).map((h, i) => [h.replace(/^\uFEFF/, ''), i]));
}

function need(h: Map<string, number>, names: string[], file: string): void {
  for (const n of names) if (!h.has(n)) throw new RecordingError(`${file}: missing column "${n}"`);
}

export function readNebraska(file: string, set: string): Recording[] {
  const ls = lines(readFileSync(file, 'utf8'));
  const h = header(ls[0]!, ',');
  need(h, ['drive', 'time_utc', 'gps_lat', 'gps_long', 'gps_heading', 'gps_hdop', 'speed_mph', 'accel_x', 'accel_y', 'accel_z'], file);
  const c = (r: string[], k: string) => r[h.get(k)!];
  const by = new Map<string, Recording>();
  for (const line of ls.slice(1)) {
    const r = cells(line, ',');
    const drive = String(Math.round(num(c(r, 'drive'))));
    let rec = by.get(drive);
    if (!rec) {
      rec = { id: `${set}/drive-${drive}`, set, format: 'nds-nebraska', gps: [], accel: [], reference: { recorder_events_035g: 0 } };
      by.set(drive, rec);
    }
    const t = Math.round(num(c(r, 'time_utc')) * 1000);
    const lat = num(c(r, 'gps_lat'));
    const lon = num(c(r, 'gps_long'));
    if (!Number.isFinite(t)) continue;
    if (Number.isFinite(lat) && Number.isFinite(lon)) {
      const mph = num(c(r, 'speed_mph'));
      const hd = num(c(r, 'gps_heading'));
      rec.gps.push({
        t,
        lat,
        lon,
        speed: Number.isFinite(mph) ? mph * 0.44704 : -1,
        heading: Number.isFinite(hd) ? ((hd % 360) + 360) % 360 : -1,
        hdop: num(c(r, 'gps_hdop')) || 0,
        limitKmh: 0,
      });
    }
    const x = num(c(r, 'accel_x'));
    const y = num(c(r, 'accel_y'));
    const z = num(c(r, 'accel_z'));
    if (Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z)) rec.accel.push({ t, x, y, z });
    if (h.has('gyro_x')) {
      const [gx, gy, gz] = [num(c(r, 'gyro_x')), num(c(r, 'gyro_y')), num(c(r, 'gyro_z'))];
      if (Number.isFinite(gx) && Number.isFinite(gy) && Number.isFinite(gz)) (rec.gyro ??= []).push({ t, x: gx, y: gy, z: gz });
    }
    if ((c(r, 'accel_event') ?? '') !== '' && c(r, 'accel_event') !== 'NA') rec.reference!.recorder_events_035g!++;
  }
  return [...by.values()];
}

export function readNdsbr(file: string, set: string): Recording[] {
  const ls = lines(readFileSync(file, 'utf8'));
  const h = header(ls[0]!, ';');
  need(h, ['ID', 'LONG', 'LAT', 'DAY', '03:00:00', 'SPD_KMH', 'HEADING', 'LIMITE_VEL'], file);
  const c = (r: string[], k: string) => r[h.get(k)!];
  const by = new Map<string, Recording>();
  for (const line of ls.slice(1)) {
    const r = cells(line, ';');
    const id = c(r, 'ID') ?? '';
    let rec = by.get(id);
    if (!rec) {
      rec = { id: `${set}/${id}`, set, format: 'ndsbr', gps: [], accel: [] };
      by.set(id, rec);
    }
    const [d, m, y] = (c(r, 'DAY') ?? '').split('/').map(Number);
    const [hh, mm, ss] = (c(r, '03:00:00') ?? '').split(':').map(Number);
    // Clock time is local (UTC-3): UTC = local + 3 h.
    const t = Date.UTC(y!, m! - 1, d!, hh!, mm!, ss!) + 3 * 3_600_000;
    const lat = num(c(r, 'LAT'), true);
    const lon = num(c(r, 'LONG'), true);
    if (!Number.isFinite(t) || !Number.isFinite(lat) || !Number.isFinite(lon)) continue;
    const kmh = num(c(r, 'SPD_KMH'), true);
    const hd = num(c(r, 'HEADING'), true);
    const lim = num(c(r, 'LIMITE_VEL'), true);
    const prev = rec.gps[rec.gps.length - 1];
    if (prev && t <= prev.t) continue;
    rec.gps.push({
      t,
      lat,
      lon,
      speed: Number.isFinite(kmh) ? kmh / 3.6 : -1,
      heading: Number.isFinite(hd) && kmh > 0 ? ((hd % 360) + 360) % 360 : -1,
      hdop: 0,
      limitKmh: Number.isFinite(lim) && lim > 0 ? lim : 0,
    });
    if (h.has('ACTION')) (rec.phoneLabels ??= []).push({ t, label: c(r, 'ACTION') ?? '' });
  }
  for (const rec of by.values()) if (rec.phoneLabels) rec.phone = replayPhoneLabels(rec.phoneLabels, rec.id);
  return [...by.values()];
}

/** AndroSensor-style pair: gps.<name>.csv and accel.<name>.csv, times in ms since the recording started. */
export function readAndroSensor(dir: string, name: string, set: string, startUtcMs: number): Recording {
  const g = lines(readFileSync(join(dir, `gps.${name}.csv`), 'utf8'))
    .slice(1)
    .map((l) => cells(l, ','));
  const a = lines(readFileSync(join(dir, `accel.${name}.csv`), 'utf8'))
    .slice(1)
    .map((l) => cells(l, ','));
  const gps: RecordedFix[] = [];
  for (const r of g) {
    const t = startUtcMs + num(r[0]);
    const kmh = num(r[3]);
    const hd = num(r[4]);
    if (gps.length > 0 && t <= gps[gps.length - 1]!.t) continue;
    gps.push({
      t,
      lat: num(r[1]),
      lon: num(r[2]),
      speed: Number.isFinite(kmh) ? kmh / 3.6 : -1,
      heading: Number.isFinite(hd) ? hd % 360 : -1,
      hdop: 0,
      limitKmh: 0,
    });
  }
  const accel: RecordedAccel[] = [];
  for (const r of a) {
    const t = startUtcMs + num(r[0]);
    if (accel.length > 0 && t <= accel[accel.length - 1]!.t) continue;
    accel.push({ t, x: num(r[1]) / G, y: num(r[2]) / G, z: num(r[3]) / G });
  }
  return { id: `${set}/${name}`, set, format: 'androsensor', gps, accel };
}

/**
 * fleetwire CSV: t (epoch ms or ISO 8601) and lat, lon (with optional speed m/s, heading, hdop, speed_limit_kmh)
 * and/or x, y, z (accelerometer, g, gravity included) with optional gx, gy, gz (gyroscope, deg/s). A row may
 * leave the columns of a sensor it has no sample of empty.
 */
export function readFleetwireCsv(file: string, set: string): Recording {
  const ls = lines(readFileSync(file, 'utf8'));
  const h = header(ls[0]!.toLowerCase(), ',');
  need(h, ['t'], file);
  if (!(h.has('lat') && h.has('lon')) && !(h.has('x') && h.has('y') && h.has('z'))) {
    throw new RecordingError(`${file}: needs GPS columns "lat", "lon" or accelerometer columns "x", "y", "z"`);
  }
  const gyro: RecordedAccel[] = [];
  const c = (r: string[], k: string) => (h.has(k) ? r[h.get(k)!] : undefined);
  const gps: RecordedFix[] = [];
  const accel: RecordedAccel[] = [];
  for (const line of ls.slice(1)) {
    const r = cells(line, ',');
    const ts = c(r, 't') ?? '';
    const t = parseTime(ts);
    if (!Number.isFinite(t)) throw new RecordingError(`${file}: bad time "${ts}"`);
    const lat = num(c(r, 'lat'));
    const lon = num(c(r, 'lon'));
    if (Number.isFinite(lat) && Number.isFinite(lon) && (gps.length === 0 || t > gps[gps.length - 1]!.t)) {
      const sp = num(c(r, 'speed'));
      const hd = num(c(r, 'heading'));
      const lim = num(c(r, 'speed_limit_kmh'));
      gps.push({
        t,
        lat,
        lon,
        speed: Number.isFinite(sp) ? sp : -1,
        heading: Number.isFinite(hd) ? hd % 360 : -1,
        hdop: num(c(r, 'hdop')) || 0,
        limitKmh: lim > 0 ? lim : 0,
      });
    }
    const x = num(c(r, 'x'));
    const y = num(c(r, 'y'));
    const z = num(c(r, 'z'));
    if (Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z) && (accel.length === 0 || t > accel[accel.length - 1]!.t)) accel.push({ t, x, y, z });
    const [gx, gy, gz] = [num(c(r, 'gx')), num(c(r, 'gy')), num(c(r, 'gz'))];
    if (Number.isFinite(gx) && Number.isFinite(gy) && Number.isFinite(gz) && (gyro.length === 0 || t > gyro[gyro.length - 1]!.t))
      gyro.push({ t, x: gx, y: gy, z: gz });
  }
  const rec: Recording = { id: `${set}/${basename(file, '.csv')}`, set, format: 'fleetwire-csv', gps, accel };
  if (gyro.length > 0) rec.gyro = gyro;
  return rec;
}

/** Labels beside the files: labels.csv with "recording,label" (recording = id without the set prefix). */
function applyLabels(dir: string, set: string, recs: Recording[]): void {
  let text: string;
  try {
    text = readFileSync(join(dir, 'labels.csv'), 'utf8');
  } catch {
    return;
  }
  const m = new Map(
    lines(text)
      .slice(1)
      .map((l) => cells(l, ',') as [string, string]),
  );
  for (const r of recs) {
    const l = m.get(r.id.slice(set.length + 1));
    if (l) r.label = l;
  }
}

/** Start times of AndroSensor recordings: start.csv "name,iso_utc" beside the files (else the file's name is taken as UTC). */
function androStart(dir: string, name: string): number {
  try {
    const m = new Map(
      lines(readFileSync(join(dir, 'start.csv'), 'utf8'))
        .slice(1)
        .map((l) => cells(l, ',') as [string, string]),
    );
    const v = m.get(name);
    if (v) return Date.parse(v);
  } catch {
    // no start.csv
  }
  const p = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})/.exec(name);
  return p ? Date.UTC(Number(p[1]), Number(p[2]) - 1, Number(p[3]), Number(p[4])) : Date.UTC(2020, 0, 1);
}

/** Every recording in a directory, format recognised by file names and headers. */
export function readDirectory(dir: string, set = basename(dir)): Recording[] {
  let files: string[];
  try {
    files = readdirSync(dir).sort();
  } catch (e) {
    throw new RecordingError(`cannot read directory ${dir}: ${(e as Error).message}`);
  }
  const out: Recording[] = readUahTree(dir, set);
  const used = new Set<string>();
  for (const f of files) {
    if (f === 'nds_data.csv') {
      out.push(...readNebraska(join(dir, f), set));
      used.add(f);
    }
    const m = /^gps\.(.+)\.csv$/.exec(f);
    if (m && files.includes(`accel.${m[1]}.csv`)) {
      out.push(readAndroSensor(dir, m[1]!, set, androStart(dir, m[1]!)));
      used.add(f).add(`accel.${m[1]}.csv`);
    }
  }
  for (const f of files) {
    if (used.has(f) || !f.endsWith('.csv') || f === 'labels.csv' || f === 'start.csv' || f === 'manoeuvres.csv') continue;
    const first = readFileSync(join(dir, f), 'utf8').split(/\r?\n/, 1)[0] ?? '';
    if (first.includes(';') && first.includes('LIMITE_VEL')) out.push(...readNdsbr(join(dir, f), set));
    else if (/^\uFEFF?t,/i.test(first)) out.push(readFleetwireCsv(join(dir, f), set));
  }
  applyLabels(dir, set, out);
  applyManoeuvres(dir, set, out);
  for (const r of out) dropGravityFree(r);
  return out;
}

/**
 * An accelerometer track whose typical magnitude is not ~1 g (gravity removed, or another unit) cannot give
 * "up": it is not replayed (events then come from GPS), and the recording says so in `reference`.
 */
export function dropGravityFree(r: Recording): void {
  if (r.accel.length < 10) return;
  const step = Math.max(1, Math.floor(r.accel.length / 500));
  const norms: number[] = [];
  for (let i = 0; i < r.accel.length; i += step) norms.push(Math.hypot(r.accel[i]!.x, r.accel[i]!.y, r.accel[i]!.z));
  norms.sort((a, b) => a - b);
  const med = norms[Math.floor(norms.length / 2)]!;
  if (med >= 0.5 && med <= 1.5) return;
  r.accel = [];
  delete r.gyro;
  r.reference = { ...r.reference, accel_not_replayed_median_g: Math.round(med * 100) / 100 };
}
