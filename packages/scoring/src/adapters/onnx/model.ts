// Loads a versioned risk model (models/<version>/{model.onnx,card.json}) with onnxruntime-node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { FEATURES } from '../../core/features.js';
import { packageDir } from '../paths.js';

export interface ModelCard {
  name: string;
  version: string;
  created: string;
  features: string[];
  input: { name: string };
  metrics: Record<string, unknown>;
  [k: string]: unknown;
}

export type ModelErrorCode = 'model_not_found' | 'card_invalid' | 'feature_mismatch' | 'inference_failed' | 'bad_input';

export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A loaded model: predict() scores many rows with one session.run. */
export interface RiskModel {
  readonly version: string;
  readonly card: ModelCard;
  /** rows: feature vectors in FEATURES order. Returns P(claim) per row. */
  predict(rows: readonly (readonly number[])[]): Promise<Float64Array>;
  close(): Promise<void>;
}

/** Throws a ModelError naming the first difference when the card's feature list is not FEATURES. */
export function checkFeatures(card: Pick<ModelCard, 'features' | 'version'>, expected: readonly string[] = FEATURES): void {
  const got = card.features;
  if (!Array.isArray(got)) throw new ModelError('card_invalid', `model ${card.version}: card has no "features" list`);
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
  private readonly input: string;
  private readonly probOutput: string;
  constructor(
    private readonly session: ort.InferenceSession,
    readonly card: ModelCard,
  ) {
    this.version = card.version;
    this.input = card.input?.name ?? session.inputNames[0]!;
    this.probOutput = session.outputNames.find((n) => n.includes('prob')) ?? session.outputNames[session.outputNames.length - 1]!;
  }

  async predict(rows: readonly (readonly number[])[]): Promise<Float64Array> {
    const n = rows.length;
    if (n === 0) return new Float64Array(0);
    const w = FEATURES.length;
    const data = new Float32Array(n * w);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      if (r.length !== w) throw new ModelError('bad_input', `row ${i} has ${r.length} features, model needs ${w}`);
      for (let j = 0; j < w; j++) {
        const v = r[j]!;
        if (!Number.isFinite(v)) throw new ModelError('bad_input', `row ${i} feature ${FEATURES[j]} is ${v}`);
        data[i * w + j] = v;
      }
    }
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run({ [this.input]: new ort.Tensor('float32', data, [n, w]) }, [this.probOutput]);
    } catch (e) {
      throw new ModelError('inference_failed', `onnxruntime run failed for ${n} rows: ${(e as Error).message}`);
    }
    const probs = out[this.probOutput]!.data as Float32Array;
    const res = new Float64Array(n);
    for (let i = 0; i < n; i++) res[i] = probs[i * 2 + 1]!;
    return res;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
