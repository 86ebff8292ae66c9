import { mkdtempSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURES, featuresFromSums, type TripSums } from '../src/core/index.js';
import { checkFeatures, defaultModelsDir, loadModel, ModelError, type RiskModel } from '../src/adapters/onnx/model.js';

interface Fixture {
  version: string;
  features: string[];
  rows: number[][];
  xgboost_proba: number[];
  sums: TripSums[];
  sum_features: number[][];
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/model-1.0.0.json', import.meta.url), 'utf8')) as Fixture;

describe('ONNX model', () => {
  let model: RiskModel;
  beforeAll(async () => {
    model = await loadModel('1.0.0');
  });
  afterAll(async () => model?.close());

  it('Node onnxruntime output equals the Python xgboost predictions on the fixture rows (1e-5)', async () => {
    expect(fx.rows.length).toBeGreaterThan(50);
    const p = await model.predict(fx.rows);
    expect(p.length).toBe(fx.rows.length);
    let maxDiff = 0;
    for (let i = 0; i < p.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p[i]! - fx.xgboost_proba[i]!));
    expect(maxDiff).toBeLessThan(1e-5);
    expect(new Set(Array.from(p, (v) => v.toFixed(3))).size).toBeGreaterThan(20); // not a constant model
  });

  it('TypeScript features equal the Python definitions on the fixture sums', () => {
    expect(fx.features).toEqual([...FEATURES]);
    for (let i = 0; i < fx.sums.length; i++) {
      const ts = featuresFromSums(fx.sums[i]!);
      fx.sum_features[i]!.forEach((v, j) => expect(ts[j]).toBeCloseTo(v, 9));
    }
  });

  it('refuses a model whose card lists different features, naming the difference', async () => {
    expect(() => checkFeatures({ version: 'x', features: [...FEATURES].reverse() })).toThrow(/first difference at position 0/);
    const dir = mkdtempSync(join(tmpdir(), 'fw-model-'));
    mkdirSync(join(dir, 'bad'));
    const card = JSON.parse(readFileSync(join(defaultModelsDir(), '1.0.0', 'card.json'), 'utf8'));
    card.version = 'bad';
    card.features = card.features.slice(0, -1);
    writeFileSync(join(dir, 'bad', 'card.json'), JSON.stringify(card));
    copyFileSync(join(defaultModelsDir(), '1.0.0', 'model.onnx'), join(dir, 'bad', 'model.onnx'));
    const err = await loadModel('bad', { dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe('feature_mismatch');
    expect((err as ModelError).message).toMatch(/mean_trip_km/);
  });

  it('gives typed errors for a missing model and bad rows', async () => {
    await expect(loadModel('9.9.9')).rejects.toMatchObject({ code: 'model_not_found' });
    await expect(loadModel('../etc')).rejects.toMatchObject({ code: 'bad_input' });
    await expect(model.predict([[1, 2]])).rejects.toMatchObject({ code: 'bad_input' });
    await expect(model.predict([FEATURES.map(() => Number.NaN)])).rejects.toMatchObject({ code: 'bad_input' });
  });
});
