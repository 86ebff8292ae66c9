// Loads a versioned risk model (models/<version>/{model.onnx,card.json}) with onnxruntime-node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { FEATURES, scoreFromRisk, type TripSums } from '../../core/features.js';
import { featureVector, KNOWN_FEATURES } from '../../core/feature-defs.js';
import { FleetwireError } from '@fleetwire/runtime';
import { packageDir } from '../paths.js';

export interface ModelCard {
  name: string;
  version: string;
  created: string;
  features: string[];
  input: { name: string };
  metrics: Record<string, unknown>;
  /** v2 and later: names of the per-factor sub-scores (0-100) the model outputs as "factor_scores". */
  factors?: string[];
  [k: string]: unknown;
}

/** A trip's or period's score with its per-factor breakdown (empty for models without factors). */
export interface ScoredSums {
  risk: number;
  score: number;
  factors: Record<string, number>;
  /** The model's input vector (card "features" order). */
  features: number[];
}

export type ModelErrorCode = 'model_not_found' | 'card_invalid' | 'feature_mismatch' | 'inference_failed' | 'bad_input';

export class ModelError extends FleetwireError<ModelErrorCode> {
  override readonly name = 'ModelError';
}

/** A loaded model: predict() scores many rows with one session.run. */
export interface RiskModel {
  readonly version: string;
  readonly card: ModelCard;
  /** The card's feature names, in input order. */
  readonly features: readonly string[];
  /** Factor names (v2+), [] for v1. */
  readonly factors: readonly string[];
  /** rows: feature vectors in the card's feature order. Returns the risk per row (v1: P(claim)). */
  predict(rows: readonly (readonly number[])[]): Promise<Float64Array>;
  /** Features from additive sums, then one run: risk, 0-100 score and per-factor scores per row. */
  scoreSums(sums: readonly TripSums[]): Promise<ScoredSums[]>;
  close(): Promise<void>;
}

/**
 * Throws a ModelError when the card's feature list cannot be computed by this code. Cards without factors
 * (v1) must list exactly FEATURES (their contract); cards with factors (v2+) may list any names this code
 * defines (core/feature-defs.ts).
 */
export function checkFeatures(card: Pick<ModelCard, 'features' | 'version' | 'factors'>, expected: readonly string[] = FEATURES): void {
  const got = card.features;
  if (!Array.isArray(got)) throw new ModelError('card_invalid', `model ${card.version}: card has no "features" list`);
  if (Array.isArray(card.factors) && card.factors.length > 0) {
    const unknown = got.filter((f) => !KNOWN_FEATURES.has(f));
    if (unknown.length > 0 || got.length === 0) {
      throw new ModelError(
        'feature_mismatch',
        `model ${card.version} expects features [${unknown.join(', ') || '(none)'}] that this code does not compute. Retrain or use a matching model version.`,
      );
    }
    return;
  }
  const n = Math.max(got.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (got[i] !== expected[i]) {
      throw new ModelError(
        'feature_mismatch',
        `model ${card.version} expects features [${got.join(', ')}] but this code computes [${expected.join(', ')}]; ` +
          `first difference at position ${i}: card "${got[i] ?? '(none)'}" vs code "${expected[i] ?? '(none)'}". Retrain or use a matching model version.`,
      );
    }
  }
}

export const defaultModelsDir = (): string => packageDir('models');

export interface LoadModelOptions {
  /** Directory holding <version>/ subdirectories; default: the package's models/. */
  dir?: string;
  /** Threads for onnxruntime (default 1: the machine is shared). */
  intraOpNumThreads?: number;
}

export async function loadModel(version: string, opts: LoadModelOptions = {}): Promise<RiskModel> {
  if (!/^[A-Za-z0-9._-]+$/.test(version)) throw new ModelError('bad_input', `model version "${version}" has characters outside [A-Za-z0-9._-]`);
  const dir = join(opts.dir ?? defaultModelsDir(), version);
  let card: ModelCard;
  try {
    card = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) as ModelCard;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new ModelError('model_not_found', `no model card at ${join(dir, 'card.json')}`);
    throw new ModelError('card_invalid', `model card ${join(dir, 'card.json')} is not valid JSON: ${err.message}`);
  }
  if (card.version !== version) throw new ModelError('card_invalid', `card in ${dir} says version "${card.version}", expected "${version}"`);
  checkFeatures(card);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(join(dir, 'model.onnx'), {
      intraOpNumThreads: opts.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionProviders: ['cpu'],
    });
  } catch (e) {
    throw new ModelError('model_not_found', `cannot load ${join(dir, 'model.onnx')}: ${(e as Error).message}`);
  }
  return new OnnxRiskModel(session, card);
}

class OnnxRiskModel implements RiskModel {
  readonly version: string;
  readonly features: readonly string[];
  readonly factors: readonly string[];
  private readonly input: string;
  private readonly probOutput: string;
  private readonly factorOutput: string | null;
  constructor(
    private readonly session: ort.InferenceSession,
    readonly card: ModelCard,
  ) {
    this.version = card.version;
    this.input = card.input?.name ?? session.inputNames[0]!;
    this.probOutput = session.outputNames.find((n) => n.includes('prob')) ?? session.outputNames[session.outputNames.length - 1]!;
    this.features = Object.freeze([...card.features]);
    this.factors = Object.freeze([...(card.factors ?? [])]);
    this.factorOutput = this.factors.length > 0 ? (session.outputNames.find((n) => n === 'factor_scores') ?? null) : null;
    if (this.factors.length > 0 && !this.factorOutput)
      throw new ModelError('card_invalid', `model ${card.version}: card lists factors but the ONNX model has no "factor_scores" output`);
  }

  async scoreSums(sums: readonly TripSums[]): Promise<ScoredSums[]> {
    const rows = sums.map((s) => featureVector(s, this.features));
    const { risk, factors } = await this.run(rows, this.factorOutput !== null);
    return rows.map((f, i) => {
      const fac: Record<string, number> = {};
      this.factors.forEach((name, k) => (fac[name] = Math.round(factors![i * this.factors.length + k]! * 10) / 10));
      return { risk: risk[i]!, score: scoreFromRisk(risk[i]!), factors: fac, features: f };
    });
  }

  async predict(rows: readonly (readonly number[])[]): Promise<Float64Array> {
    return (await this.run(rows, false)).risk;
  }

  private async run(rows: readonly (readonly number[])[], withFactors: boolean): Promise<{ risk: Float64Array; factors: Float32Array | null }> {
    const n = rows.length;
    if (n === 0) return { risk: new Float64Array(0), factors: withFactors ? new Float32Array(0) : null };
    const w = this.features.length;
    const data = new Float32Array(n * w);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      if (r.length !== w) throw new ModelError('bad_input', `row ${i} has ${r.length} features, model needs ${w}`);
      for (let j = 0; j < w; j++) {
        const v = r[j]!;
        if (!Number.isFinite(v)) throw new ModelError('bad_input', `row ${i} feature ${this.features[j]} is ${v}`);
        data[i * w + j] = v;
      }
    }
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      const outs = withFactors && this.factorOutput ? [this.probOutput, this.factorOutput] : [this.probOutput];
      out = await this.session.run({ [this.input]: new ort.Tensor('float32', data, [n, w]) }, outs);
    } catch (e) {
      throw new ModelError('inference_failed', `onnxruntime run failed for ${n} rows: ${(e as Error).message}`);
    }
    const probs = out[this.probOutput]!.data as Float32Array;
    const res = new Float64Array(n);
    for (let i = 0; i < n; i++) res[i] = probs[i * 2 + 1]!;
    return { risk: res, factors: withFactors && this.factorOutput ? (out[this.factorOutput]!.data as Float32Array) : null };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
