// The evaluation on a user's own IMU-only recordings with labelled manoeuvres (fleetwire CSV t,x,y,z,gx,gy,gz
// and manoeuvres.csv): the labelled GPS-less test drive written as files, run as `eval DIR` runs them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imuDrive, manoeuvreDrive, mountMatrix } from '@fleetwire/test-kit';
import { runEval } from '../src/eval/run-eval.js';
import { readDirectory } from '../src/eval/readers.js';
import { replayedGyro } from '../src/eval/pipeline.js';
import { summarise } from '../src/eval/summary.js';
import type { RecordingFigures } from '../src/eval/report.js';

const T0 = Date.UTC(2024, 0, 1, 12);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function writeSet(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-eval-imu-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const { phases, labels } = manoeuvreDrive(12);
function driveCsv(): string {
  const rows = new Map<number, string[]>();
  for (const r of imuDrive(phases, mountMatrix(130, 20), { t0: T0, gyroBias: [0.5, -0.5, 1] })) {
    const row = rows.get(r.t) ?? ['', '', '', '', '', ''];
    const v = r as { x: number; y: number; z: number };
    const at = r.kind === 'accel' ? 0 : 3;
    [row[at], row[at + 1], row[at + 2]] = [v.x.toFixed(4), v.y.toFixed(4), v.z.toFixed(4)];
    rows.set(r.t, row);
  }
  return ['t,x,y,z,gx,gy,gz', ...[...rows].map(([t, r]) => `${t},${r.join(',')}`)].join('\n');
}
const labelCsv = ['recording,start,end,kind', ...labels.map((l) => `drive,${T0 + l.start * 1000},${T0 + l.end * 1000},${l.kind}`)].join('\n');

describe('eval on IMU-only recordings with labelled manoeuvres', () => {
  it('reads accelerometer and gyroscope without GPS, and scores every label by its type', async () => {
    // The same drive twice: with its gyroscope, and with the accelerometer only (no mount can be known).
    const full = driveCsv();
    const accelOnly = full
      .split('\n')
      .map((l, i) => (i === 0 ? l : l.replace(/,[^,]*,[^,]*,[^,]*$/, ',,,')))
      .join('\n');
    const dir = writeSet({
      'drive.csv': full,
      'nogyro.csv': accelOnly,
      'manoeuvres.csv': labelCsv + '\n' + labelCsv.split('\n').slice(1).join('\n').replaceAll('drive,', 'nogyro,'),
    });
    const r = await runEval([dir], null);
    expect(r.recordings.map((x) => x.id.split('/')[1])).toEqual(['drive', 'nogyro']);
    const [f, g] = r.recordings as [RecordingFigures, RecordingFigures];
    expect(f.trips).toBe(0);
    for (const kind of ['brake', 'accel', 'left', 'right'] as const) {
      const n = labels.filter((l) => l.kind === kind).length;
      expect(f.manoeuvres!.byKind[kind], kind).toEqual({ labelled: n, right: n, wrong: 0, missed: 0 });
      expect(g.manoeuvres!.byKind[kind], kind).toEqual({ labelled: n, right: 0, wrong: 0, missed: n });
    }
    expect(f.manoeuvres!.outside).toBe(0);
    expect(f.tripless).toBe(labels.length);
    expect(g.tripless).toBe(0);
    const text = summarise(r.recordings);
    console.log(text);
    expect(text).toMatch(/labelled manoeuvres over 2 recordings: brake 12\/24 right \(0 other type, 12 missed\)/);
    expect(text).toMatch(/1 recordings without trips \(no GPS\)/);
  });

  it('a 1 Hz gyroscope track is not replayed (instantaneous readings, as Nebraska has)', () => {
    const gyro = Array.from({ length: 60 }, (_, i) => ({ t: T0 + i * 1000, x: 0, y: 0, z: 1 }));
    expect(replayedGyro({ id: 's/a', set: 's', format: 'fleetwire-csv', gps: [], accel: [], gyro })).toBeNull();
    const fast = gyro.map((g, i) => ({ ...g, t: T0 + i * 20 }));
    expect(replayedGyro({ id: 's/a', set: 's', format: 'fleetwire-csv', gps: [], accel: [], gyro: fast })).toBe(fast);
  });

  it('bad files are refused with the file, line and reason', () => {
    const csv = 't,x,y,z\n1700000000000,0,0,1\n';
    expect(() => readDirectory(writeSet({ 'a.csv': csv, 'manoeuvres.csv': 'recording,start,end,kind\na,1,2,swerve\n' }))).toThrow(
      /manoeuvres\.csv:2: kind "swerve" is not one of brake, accel, left, right, turn/,
    );
    expect(() => readDirectory(writeSet({ 'a.csv': csv, 'manoeuvres.csv': 'recording,start,end,kind\nb,1,2,brake\n' }))).toThrow(/:2: no recording "b"/);
    expect(() => readDirectory(writeSet({ 'a.csv': csv, 'manoeuvres.csv': 'recording,start,end,kind\na,5,2,brake\n' }))).toThrow(/bad start\/end/);
    expect(() => readDirectory(writeSet({ 'a.csv': 't,speed\n1700000000000,3\n' }))).toThrow(/needs GPS columns "lat", "lon" or accelerometer columns/);
  });
});
