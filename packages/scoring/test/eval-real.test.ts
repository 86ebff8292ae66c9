// The bundled real recordings (eval/data, MIT) through the pipeline: the figures the README and the model
// card quote must keep holding. Runs in a few seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type RiskModel } from '../src/adapters/onnx/model.js';
import { defaultEvalDirs, runEval } from '../src/eval/run-eval.js';
import { readDirectory } from '../src/eval/readers.js';
import { yawDeg, type RecordingFigures } from '../src/eval/report.js';

let model: RiskModel;
let rows: RecordingFigures[];
beforeAll(async () => {
  model = await loadModel('2.0.0');
  rows = (await runEval(defaultEvalDirs(), model)).recordings;
}, 60_000);
afterAll(() => model.close());

describe('real-data evaluation (bundled recordings)', () => {
  it('reads every bundled recording and segments them into trips', () => {
    expect(rows.length).toBe(39);
    expect(rows.filter((r) => r.trips >= 1).length).toBeGreaterThanOrEqual(38);
    expect(rows.every((r) => r.rejectedBatches === 0)).toBe(true);
  });
  it('no event has a peak a car cannot reach', () => {
    for (const r of rows) expect(r.maxPeakMg, r.id).toBeLessThanOrEqual(1000);
  });
  it('ordinary naturalistic driving scores high on every data set, with a per-factor breakdown', () => {
    for (const set of ['nds-nebraska', 'ndsbr-curitiba', 'quat-orient-auckland']) {
      const s = rows.filter((r) => r.set === set && r.score !== null).map((r) => r.score!);
      expect(s.reduce((a, b) => a + b, 0) / s.length, set).toBeGreaterThanOrEqual(80);
    }
    expect(Object.keys(rows.find((r) => r.score !== null)!.factors).sort()).toEqual(['acceleration', 'braking', 'cornering', 'night', 'speeding']);
  });
  it('measures speeding against the posted limits NDS-BR carries', () => {
    const br = rows.filter((r) => r.set === 'ndsbr-curitiba');
    const limitS = br.reduce((s, r) => s + r.postedLimitS, 0);
    expect(limitS).toBeGreaterThan(9000);
    // Ground truth from the file itself: seconds above limit x 1.1 + 2 km/h while moving.
    let truth = 0;
    for (const rec of readDirectory(defaultEvalDirs().find((d) => d.endsWith('ndsbr-curitiba'))!)) {
      for (let i = 1; i < rec.gps.length; i++) {
        const f = rec.gps[i]!;
        if (f.limitKmh > 0 && f.speed * 3.6 > f.limitKmh * 1.1 + 2 && f.t - rec.gps[i - 1]!.t <= 3000) truth += (f.t - rec.gps[i - 1]!.t) / 1000;
      }
    }
    const measured = br.reduce((s, r) => s + r.speedingPostedS, 0);
    expect(Math.abs(measured - truth) / truth).toBeLessThan(0.1);
    expect(br.every((r) => r.speedingDefaultS === 0)).toBe(true);
  });
  it('counts NDS-BR phone use while moving against its per-second video labels (replayed as app states)', () => {
    const br = rows.filter((r) => r.set === 'ndsbr-curitiba' && r.phoneUse);
    expect(br.length).toBe(9);
    const truth = br.reduce((s, r) => s + r.phoneUse!.truthS, 0);
    const pred = br.reduce((s, r) => s + r.phoneUse!.predictedS, 0);
    const tp = br.reduce((s, r) => s + r.phoneUse!.truePositiveS, 0);
    expect(truth).toBeGreaterThan(500); // of 1,267 labelled seconds, the ones above 3 m/s
    expect(tp / truth).toBeGreaterThanOrEqual(0.9);
    expect(tp / pred).toBeGreaterThanOrEqual(0.9);
    // Every counted second is in a trip's phone-use time, and recordings without labelled use count none.
    for (const r of br) expect(r.tripSums.reduce((s, t) => s + (t.phone_use_s ?? 0), 0)).toBeGreaterThanOrEqual(r.phoneUse!.truePositiveS * 0.9);
    expect(rows.filter((r) => r.set !== 'ndsbr-curitiba').every((r) => r.tripSums.every((t) => (t.phone_use_s ?? 0) === 0))).toBe(true);
  });
  it('estimates the two Auckland mounts 180 degrees apart', () => {
    const a = rows.filter((r) => r.set === 'quat-orient-auckland').map((r) => yawDeg(r.orientation!.forward, r.orientation!.up)!);
    expect(rows.filter((r) => r.set === 'quat-orient-auckland').every((r) => r.orientation!.confident)).toBe(true);
    const apart = (((a[1]! - a[0]!) % 360) + 360) % 360;
    expect(Math.abs(apart - 180)).toBeLessThan(20);
  });
});

describe('speed-limit source', () => {
  it('fills limits a batch lacks, marks road-type defaults, keeps posted ones, and a failing source changes nothing', async () => {
    const { ZoneSpeedLimits, applySpeedLimits } = await import('../src/core/speed-limit.js');
    const { fillSpeedLimits } = await import('../src/realtime/speed-limits.js');
    const { resolveCoreConfig } = await import('../src/core/config.js');
    const mk = () => ({
      deviceId: 'd',
      bootId: 'b',
      seq: 1,
      gps: {
        t: Float64Array.from([1, 2, 3]),
        latE7: Int32Array.from([100, 5e8, 5e8]),
        lonE7: Int32Array.from([100, 1e8, 1e8]),
        speedCms: Int32Array.from([1000, 1000, 1000]),
        headingCdeg: Int32Array.from([0, 0, 0]),
        speedLimitCms: Int32Array.from([0, 0, 833]),
      },
    });
    const src = new ZoneSpeedLimits([
      { bbox: [49, 9, 51, 11], roadType: 'urban' },
      { bbox: [-1, -1, 1, 1], limitKmh: 30 },
    ]);
    const input = mk();
    expect(await applySpeedLimits(input, src, { defaultLimitKmh: { motorway: 120, rural: 90, urban: 50, unknown: 120 } })).toBe(2);
    expect([...input.gps.speedLimitCms]).toEqual([833, 1389, 833]);
    expect([...(input.gps as { limitDefault?: Uint8Array }).limitDefault!]).toEqual([0, 1, 0]);
    const broken = { name: 'broken', lookup: () => Promise.reject(new Error('map service down')) };
    const again = mk();
    expect(await fillSpeedLimits([again], broken, resolveCoreConfig())).toEqual({ filled: 0, failed: 1 });
    expect([...again.gps.speedLimitCms]).toEqual([0, 0, 833]);
    expect(() => new ZoneSpeedLimits([{ bbox: [2, 0, 1, 0], limitKmh: 50 }])).toThrow(/bbox/);
  });
});
