import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCsv, formatGpx, parseCsv, parseGpx, RecordingParseError, replayDrive, type RecordedTrack } from '../src/core/index.js';
import { loadRecording } from '../src/load-recording.js';

const samplesDir = path.join(import.meta.dirname, '..', 'samples');

function expectParseError(fn: () => unknown, code: string, line?: number): RecordingParseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RecordingParseError);
    const err = e as RecordingParseError;
    expect(err.code).toBe(code);
    if (line !== undefined) expect(err.line).toBe(line);
    expect(err.message).toContain(`[${code}]`);
    return err;
  }
  throw new Error(`expected a ${code} error`);
}

const GPX = `<?xml version="1.0"?>
<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="52.5" lon="13.4"><ele>34.5</ele><time>2025-01-06T08:00:00Z</time></trkpt>
<trkpt lat="52.5" lon="13.4001"><time>2025-01-06T08:00:01Z</time></trkpt>
<trkpt lat="52.5" lon="13.4002"><time>2025-01-06T08:00:02Z</time><speed>7.5</speed></trkpt>
</trkseg></trk></gpx>`;

describe('GPX', () => {
  it('reads trkpt lat/lon/time/ele and derives missing speed and heading', () => {
    const t = parseGpx(GPX);
    expect(t.format).toBe('gpx');
    expect(t.gps).toHaveLength(3);
    expect(t.gps[0]).toMatchObject({ t: Date.UTC(2025, 0, 6, 8), lat: 52.5, lon: 13.4, alt: 34.5 });
    // 0.0001° of longitude at 52.5° N is ~6.8 m; heading due east.
    expect(t.gps[1]!.speed).toBeCloseTo(6.77, 1);
    expect(t.gps[1]!.heading).toBeCloseTo(90, 0);
    expect(t.gps[2]!.speed).toBe(7.5);
  });

  it('rejects bad files with a typed error, code and line', () => {
    expectParseError(() => parseGpx(''), 'empty');
    expectParseError(() => parseGpx('<html></html>'), 'not_gpx');
    expectParseError(() => parseGpx('<gpx></gpx>'), 'no_points');
    expectParseError(() => parseGpx(GPX.replace('lat="52.5" lon="13.4001"', 'lat="95" lon="13.4001"')), 'bad_coordinate', 4);
    expectParseError(() => parseGpx(GPX.replace('lat="52.5" lon="13.4001"', 'lat="abc" lon="13.4001"')), 'bad_number', 4);
    expectParseError(() => parseGpx(GPX.replace('<time>2025-01-06T08:00:01Z</time>', '')), 'bad_time', 4);
    expectParseError(() => parseGpx(GPX.replace('2025-01-06T08:00:01Z', 'yesterday')), 'bad_time', 4);
    expectParseError(() => parseGpx(GPX.replace('2025-01-06T08:00:02Z', '2025-01-06T07:00:00Z')), 'time_not_monotonic', 5);
    expectParseError(() => parseGpx(GPX.replace('<speed>7.5</speed>', '<speed>-3</speed>')), 'bad_value', 5);
  });
});

const CSV = `# recorded drive
t,lat,lon,speed,heading,x,y,z
1000,52.5,13.4,5,90,,,
1000,,,,,0.1,0.0,1.0
1040,,,,,0.12,-0.01,0.99
2000,52.5,13.4001,,,0.05,0,1
`;

describe('CSV', () => {
  it('reads GPS rows, accelerometer rows and rows with both; derives blank speed/heading', () => {
    const t = parseCsv(CSV);
    expect(t.gps).toHaveLength(2);
    expect(t.accel).toHaveLength(3);
    expect(t.gps[0]).toMatchObject({ t: 1000, lat: 52.5, lon: 13.4, speed: 5, heading: 90 });
    expect(t.gps[1]!.speed).toBeGreaterThan(6);
    expect(t.accel[1]).toEqual({ t: 1040, x: 0.12, y: -0.01, z: 0.99 });
  });

  it('accepts ISO times and a header without accelerometer columns', () => {
    const t = parseCsv('t,lat,lon,speed,heading\n2025-01-06T08:00:00Z,52.5,13.4,3,10\n');
    expect(t.gps[0]!.t).toBe(Date.UTC(2025, 0, 6, 8));
    expect(t.accel).toEqual([]);
  });

  it('rejects bad files with a typed error, code and line', () => {
    expectParseError(() => parseCsv(''), 'empty');
    expectParseError(() => parseCsv('t,lat,lon\n1,2,3\n'), 'bad_header', 1);
    expectParseError(() => parseCsv('t,lat,lon,speed,heading,foo\n'), 'bad_header', 1);
    expectParseError(() => parseCsv('t,lat,lon,speed,heading,x,y\n'), 'bad_header', 1);
    expectParseError(() => parseCsv('t,lat,lon,speed,heading\n'), 'no_points');
    expectParseError(() => parseCsv('t,lat,lon,speed,heading\n1,52,13,1\n'), 'column_count', 2);
    expectParseError(() => parseCsv('t,lat,lon,speed,heading\n1,52,x13,1,2\n'), 'bad_number', 2);
    expectParseError(() => parseCsv('t,lat,lon,speed,heading\n1,52,190,1,2\n'), 'bad_coordinate', 2);
    expectParseError(() => parseCsv('t,lat,lon,speed,heading\n1,52,,1,2\n'), 'bad_coordinate', 2);
    expectParseError(() => parseCsv('t,lat,lon,speed,heading\nnoon,52,13,1,2\n'), 'bad_time', 2);
    expectParseError(() => parseCsv('t,lat,lon,speed,heading\n5,52,13,1,2\n4,52,13,1,2\n'), 'time_not_monotonic', 3);
    expectParseError(() => parseCsv('t,lat,lon,speed,heading\n5,52,13,1,360\n'), 'bad_value', 2);
    expectParseError(() => parseCsv('t,lat,lon,speed,heading,x,y,z\n5,,,,,1,,\n'), 'bad_value', 2);
    expectParseError(() => parseCsv('t,lat,lon,speed,heading,x,y,z\n5,,,,,,,\n'), 'bad_value', 2);
    expectParseError(() => parseCsv('t,lat,lon,speed,heading,x,y,z\n5,,,,,0,0,1\n'), 'no_points');
  });

  it('round-trips through formatCsv and formatGpx', () => {
    const t = parseCsv(CSV);
    const again = parseCsv(formatCsv(t));
    expect(again.gps).toEqual(t.gps);
    expect(again.accel).toEqual(t.accel);
    const gpx = parseGpx(
      formatGpx([
        { t: Date.UTC(2025, 0, 1), lat: 1, lon: 2, alt: 3 },
        { t: Date.UTC(2025, 0, 1, 0, 0, 1), lat: 1, lon: 2.0001 },
      ]),
    );
    expect(gpx.gps[0]).toMatchObject({ lat: 1, lon: 2, alt: 3 });
  });
});

describe('sample files and loadRecording', () => {
  it('ships small sample recordings that parse', async () => {
    for (const f of ['berlin-normal.gpx', 'berlin-aggressive.csv', 'berlin-calm-imu.csv']) {
      const file = path.join(samplesDir, f);
      expect(readFileSync(file).length).toBeLessThan(16 * 1024);
      const t = await loadRecording(file);
      expect(t.gps.length).toBeGreaterThan(20);
      expect(t.gps.every((p) => Math.abs(p.lat - 52.52) < 0.1 && Math.abs(p.lon - 13.405) < 0.15)).toBe(true);
      if (f.includes('imu')) expect(t.accel.length).toBeGreaterThan(5 * t.gps.length);
    }
  });

  it('names the file and the reason for unusable files', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fw-sim-rec-'));
    await expect(loadRecording(path.join(dir, 'drive.kml'))).rejects.toMatchObject({
      code: 'unknown_format',
      message: expect.stringMatching(/\.gpx or \.csv/),
    });
    await expect(loadRecording(path.join(dir, 'missing.gpx'))).rejects.toMatchObject({
      code: 'unreadable',
      message: expect.stringMatching(/missing\.gpx: cannot read file/),
    });
    writeFileSync(path.join(dir, 'bad.csv'), 't,lat,lon,speed,heading\n1,2\n');
    await expect(loadRecording(path.join(dir, 'bad.csv'))).rejects.toThrow(/bad\.csv: line 2: expected 5 fields, found 2 \[column_count\]/);
  });
});

describe('replay', () => {
  const track: RecordedTrack = parseGpx(readFileSync(path.join(samplesDir, 'berlin-normal.gpx'), 'utf8'));

  it('re-bases time to the start, synthesizes a 25 Hz accelerometer and loops with a gap', () => {
    const start = Date.UTC(2030, 0, 1);
    const recLen = track.gps[track.gps.length - 1]!.t - track.gps[0]!.t;
    const chunks = [...replayDrive(track, { startMs: start, durationMs: 2 * recLen + 60_000, chunkMs: 10_000, gapMs: 30_000 })];
    const samples = chunks.flatMap((c) => c.samples);
    const gps = samples.filter((s) => s.kind === 'gps');
    const accel = samples.filter((s) => s.kind === 'accel');
    expect(gps[0]!.t).toBe(start);
    expect(gps[0]).toMatchObject({ lat: track.gps[0]!.lat, lon: track.gps[0]!.lon });
    expect(gps.length).toBe(2 * track.gps.length); // two full runs fit
    expect(gps[track.gps.length]!.t).toBe(start + recLen + 30_000);
    expect(accel.length / gps.length).toBeGreaterThan(20);
    for (let i = 1; i < samples.length; i++) expect(samples[i]!.t).toBeGreaterThanOrEqual(samples[i - 1]!.t);
    for (const c of chunks) for (const s of c.samples) expect(s.t >= c.fromMs && s.t < c.toMs).toBe(true);
    const meanZ = accel.reduce((a, s) => a + (s.kind === 'accel' ? s.z : 0), 0) / accel.length;
    expect(meanZ).toBeCloseTo(1, 1);
  });

  it('derives lateral acceleration from heading change (left turn → +y)', () => {
    // Quarter circle, radius 50 m, 10 m/s, counter-clockwise: heading decreases from 90 to 0.
    const gps = [];
    const R = 50;
    const w = 10 / R;
    for (let i = 0; i <= 8; i++) {
      const a = -Math.PI / 2 + w * i; // angle on the circle, centre at (0, 0)
      const x = R * Math.cos(a);
      const y = R * Math.sin(a);
      gps.push({
        t: i * 1000,
        lat: 52.5 + y / 111_195,
        lon: 13.4 + x / (111_195 * Math.cos((52.5 * Math.PI) / 180)),
        speed: 10,
        heading: (((90 - (a + Math.PI / 2) * (180 / Math.PI)) % 360) + 360) % 360,
      });
    }
    const samples = [...replayDrive({ gps, accel: [], format: 'csv' }, { startMs: 0, durationMs: 8000, loop: false, accelNoiseG: 0 })].flatMap(
      (c) => c.samples,
    );
    const ys = samples.filter((s) => s.kind === 'accel').map((s) => (s.kind === 'accel' ? s.y : 0));
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    expect(mean).toBeCloseTo((10 * 10) / R / 9.80665, 1); // v²/r ≈ 0.2 g to the left
  });

  it('replays a recorded accelerometer as is', () => {
    const t = parseCsv(CSV);
    const samples = [...replayDrive(t, { startMs: 5000, durationMs: 5000, loop: false })].flatMap((c) => c.samples);
    expect(samples.filter((s) => s.kind === 'accel').map((s) => s.t)).toEqual([5000, 5040, 6000]);
    expect(samples.filter((s) => s.kind === 'gps').map((s) => s.t)).toEqual([5000, 6000]);
  });
});
