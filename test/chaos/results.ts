// Chaos figures: each scenario merges its entry into test/chaos/results.json (by name), and the last
// test regenerates the README's Reliability section from the file (write-readme.mjs).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));

export interface ScenarioResult {
  /** Stable id, e.g. "a-kafka-outage". */
  name: string;
  title: string;
  /** What was broken, e.g. "Kafka broker SIGSTOPped 30 s". */
  fault: string;
  /** The load held while it was broken, e.g. "8 devices, 172k samples". */
  load: string;
  faultsSurvived: number;
  /** Inputs tried (fuzz cases, connection attempts); 0 where not applicable. */
  inputs: number;
  ackedSamples: number;
  storedSamples: number;
  lost: number;
  duplicates: number;
  notes: string;
  wallMs: number;
  at: string;
}

interface ResultsFile {
  generatedAt: string;
  scenarios: ScenarioResult[];
}

export function readResults(): ResultsFile {
  if (!existsSync(RESULTS_FILE)) return { generatedAt: '', scenarios: [] };
  try {
    return JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as ResultsFile;
  } catch {
    return { generatedAt: '', scenarios: [] };
  }
}

export function saveResult(r: Omit<ScenarioResult, 'at'>): void {
  const f = readResults();
  const entry: ScenarioResult = { ...r, at: new Date().toISOString() };
  const i = f.scenarios.findIndex((s) => s.name === r.name);
  if (i >= 0) f.scenarios[i] = entry;
  else f.scenarios.push(entry);
  f.scenarios.sort((a, b) => a.name.localeCompare(b.name));
  f.generatedAt = entry.at;
  writeFileSync(RESULTS_FILE, JSON.stringify(f, null, 2) + '\n');
}
