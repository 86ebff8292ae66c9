// Score model 2.1.0 (issue 17): the v2 scorecard plus phone use while moving as a sixth factor. ONNX output
// against the training script's fixture rows, and the factor from trip sums.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type RiskModel } from '../src/adapters/onnx/model.js';
import { emptySums } from '../src/core/features.js';

const fx = JSON.parse(readFileSync(new URL('./fixtures/model-2.1.0.json', import.meta.url), 'utf8')) as {
  rows: number[][];
  score: number[];
  factor_scores: number[][];
  factors: string[];
};
let model: RiskModel;
beforeAll(async () => {
  model = await loadModel('2.1.0');
});
afterAll(() => model.close());

describe('model 2.1.0', () => {
  it('names the phone factor and reproduces the training fixture', async () => {
    expect(model.factors).toEqual(['braking', 'acceleration', 'cornering', 'speeding', 'night', 'phone_use']);
    expect(model.features[5]).toBe('phone_use_share');
    const risk = await model.predict(fx.rows);
    fx.score.forEach((s, i) => expect((1 - risk[i]!) * 100).toBeCloseTo(s, 3));
  });
  it('phone use while moving lowers the phone factor and the score; none leaves it at 100', async () => {
    const base = { ...emptySums(), trips: 1, distance_m: 20_000, duration_s: 1500, moving_s: 1200, sum_v_dt: 20_000, sum_v2_dt: 400_000, max_speed_ms: 25 };
    const [clean, distracted] = await model.scoreSums([base, { ...base, phone_use_s: 60, phone_use_events: 4 }]);
    expect(clean!.factors.phone_use).toBe(100);
    // 5 % of the moving time halves the factor.
    expect(distracted!.factors.phone_use).toBeCloseTo(50, 0);
    expect(distracted!.score).toBeLessThan(clean!.score);
    expect(distracted!.factors.braking).toBe(clean!.factors.braking);
  });
});
