// The UAH-DriveSet folder format (RAW_GPS.txt, RAW_ACCELEROMETERS.txt, PROC_OPENSTREETMAP_DATA.txt per trip
// folder) read by `eval DIR`: a synthetic trip written in that layout (no UAH data is bundled or read here).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMount, mountMatrix } from '@fleetwire/test-kit';
import { runEval } from '../src/eval/run-eval.js';
import { readDirectory } from '../src/eval/readers.js';
import { madridToUtc } from '../src/eval/uah.js';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const NAME = '20151110175712-16km-D1-AGGRESSIVE1-SECONDARY';

/** 20 s to 20 m/s, 300 s at 20 m/s (72 km/h) where 50 is posted, a 0.5 g braking to a stop, 20 s standing. */
function trip(o: { gravity?: boolean } = {}): { gps: string; acc: string; osm: string } {
  const m = mountMatrix(70, 25);
  const gps: string[] = [];
  const acc: string[] = [];
  const osm: string[] = [];
  let v = 0;
  let x = 0;
  for (let ms = 0; ms <= 345_000; ms += 100) {
    const s = ms / 1000;
    const a = s < 20 ? 1 : s < 320 ? 0 : v > 0 ? -0.5 * 9.80665 : 0;
    const [ax, ay, az] = applyMount(m, [a / 9.80665, 0.01 * Math.sin(s * 7), o.gravity === false ? 0 : 1]);
    acc.push(`${s.toFixed(2)} 1 ${ax.toFixed(4)} ${ay.toFixed(4)} ${az.toFixed(4)} 0 0 0 0 0 0`);
    if (ms % 1000 === 0) {
      const lon = -3.36 + x / (111_320 * Math.cos((40.5 * Math.PI) / 180));
      gps.push(`${s} ${(v * 3.6).toFixed(2)} 40.5 ${lon.toFixed(7)} 600 4 4 90 0`);
      osm.push(`${s} 50 1 2 3`);
    }
    x += v * 0.1;
    v = Math.max(0, v + a * 0.1);
  }
  return { gps: gps.join('\n'), acc: acc.join('\n'), osm: osm.join('\n') };
}

function writeTree(name: string, t: ReturnType<typeof trip>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-uah-'));
  roots.push(root);
  const dir = path.join(root, 'D1', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'RAW_GPS.txt'), t.gps);
  fs.writeFileSync(path.join(dir, 'RAW_ACCELEROMETERS.txt'), t.acc);
  fs.writeFileSync(path.join(dir, 'PROC_OPENSTREETMAP_DATA.txt'), t.osm);
  return root;
}

describe('eval: UAH-DriveSet trip folders', () => {
  it('reads a data set root (driver folders, trip folders), its label, Madrid time and posted limits', async () => {
    const root = writeTree(NAME, trip());
    const recs = readDirectory(root, 'uah');
    expect(recs.map((r) => [r.id, r.label, r.driver, r.format])).toEqual([[`uah/D1/${NAME}`, 'aggressive secondary', 'D1', 'uah-driveset']]);
    // November: CET, one hour ahead of UTC.
    expect(recs[0]!.gps[0]!.t).toBe(Date.UTC(2015, 10, 10, 16, 57, 12));
    expect(madridToUtc(2015, 7, 1, 12, 0, 0)).toBe(Date.UTC(2015, 6, 1, 10, 0, 0)); // summer: CEST, two hours
    const f = (await runEval([root], null)).recordings[0]!;
    expect(f.trips).toBe(1);
    expect(f.km).toBeGreaterThan(6);
    expect(f.km).toBeLessThan(6.6);
    expect(f.postedLimitS).toBeGreaterThan(250);
    expect(f.speedingPostedS).toBeGreaterThan(250);
    expect(f.events.braking).toBe(1);
    expect(f.maxPeakMg).toBeLessThan(700);
  });

  it('an accelerometer without gravity is not replayed (no "up"): the recording says so, events come from GPS', async () => {
    const root = writeTree(NAME, trip({ gravity: false }));
    const [rec] = readDirectory(root, 'uah');
    expect(rec!.accel).toEqual([]);
    expect(rec!.reference?.accel_not_replayed_median_g).toBeLessThan(0.5);
    const f = (await runEval([root], null)).recordings[0]!;
    expect(f.orientation).toBeNull();
    expect(f.trips).toBe(1);
  });

  it('bad folders and lines are refused with the path and reason', () => {
    expect(() => readDirectory(writeTree('trip-one', trip()), 'uah')).toThrow(/UAH-DriveSet trip folders are named/);
    const t = trip();
    expect(() => readDirectory(writeTree(NAME, { ...t, gps: '0 12 40.5' }), 'uah')).toThrow(/RAW_GPS\.txt: a line has 3 columns/);
  });
});

describe('eval: ranking of labelled recordings', () => {
  it('AUC over all normal/aggressive pairs, per road, same-driver groups and the normal mean per road', async () => {
    const { ranking } = await import('../src/eval/ranking.js');
    const row = (label: string, driver: string, score: number | null) => ({ label, driver, score }) as Parameters<typeof ranking>[0][number];
    const r = ranking([
      row('normal motorway', 'D1', 90),
      row('aggressive motorway', 'D1', 70),
      row('normal secondary', 'D1', 80),
      row('aggressive secondary', 'D1', 85),
      row('normal secondary', 'D2', 88),
      row('aggressive secondary', 'D2', 60),
      row('drowsy motorway', 'D2', 50),
      row('normal motorway', 'D3', null),
    ])!;
    // normal 90, 80, 88 vs aggressive 70, 85, 60: 8 of 9 pairs ordered.
    expect(r.auc).toBeCloseTo(8 / 9, 10);
    expect(r.pairs).toBe(9);
    expect(r.aucByRoad).toEqual({ motorway: { auc: 1, pairs: 1 }, secondary: { auc: 3 / 4, pairs: 4 } });
    expect(r.sameDriver).toEqual({ below: 2, groups: 3 });
    expect(r.normalMeanByRoad).toEqual({ motorway: 90, secondary: 84 });
    expect(ranking([row('normal', '', 80)])).toBeNull();
  });
});
