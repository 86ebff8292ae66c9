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
  it('estimates the two Auckland mounts 180 degrees apart', () => {
    const a = rows.filter((r) => r.set === 'quat-orient-auckland').map((r) => yawDeg(r.orientation!.forward, r.orientation!.up)!);
    expect(rows.filter((r) => r.set === 'quat-orient-auckland').every((r) => r.orientation!.confident)).toBe(true);
    const apart = (((a[1]! - a[0]!) % 360) + 360) % 360;
    expect(Math.abs(apart - 180)).toBeLessThan(20);
  });
});
