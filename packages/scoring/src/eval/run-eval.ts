// `fleetwire-scoring eval [DIR ...]`: real recordings through the scorer's pipeline; prints figures.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CoreConfig, resolveCoreConfig } from '../core/config.js';
import type { RiskModel } from '../adapters/onnx/model.js';
import { packageDir } from '../adapters/paths.js';
import { runRecording } from './pipeline.js';
import { readDirectory } from './readers.js';
import { figures, formatTable, type RecordingFigures, type TripScore } from './report.js';

export const defaultEvalDirs = (): string[] => {
  const root = join(packageDir('eval'), 'data');
  return existsSync(root)
    ? readdirSync(root)
        .sort()
        .map((d) => join(root, d))
    : [];
};

export interface EvalResult {
  recordings: RecordingFigures[];
  model: string | null;
}

export async function scoreTrips(model: RiskModel | null, trips: { sums: import('../core/features.js').TripSums }[]): Promise<TripScore[]> {
  if (!model || trips.length === 0) return [];
  return model.scoreSums(trips.map((t) => t.sums));
}

export async function runEval(dirs: string[], model: RiskModel | null, core: Partial<CoreConfig> = {}): Promise<EvalResult> {
  const cfg = resolveCoreConfig(core);
  const out: RecordingFigures[] = [];
  for (const dir of dirs) {
    for (const rec of readDirectory(dir)) {
      const run = await runRecording(rec, cfg);
      out.push(figures(run, await scoreTrips(model, run.trips)));
    }
  }
  return { recordings: out, model: model?.version ?? null };
}

export function writeEvalJson(file: string, r: EvalResult): void {
  writeFileSync(file, JSON.stringify(r, null, 1) + '\n');
}

export { formatTable };
