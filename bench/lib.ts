// Shared helpers for bench scripts. A bench prints one `BENCH {json}` line per figure;
// bench/run.ts collects them into one table and bench/results/<date>.json.

export interface BenchFigure {
  bench: string;
  metric: string;
  unit: string;
  value: number;
  /** Baseline measured in the same run, e.g. "raw better-sqlite3 insert". */
  baseline?: string;
  baselineValue?: number;
  /** true when smaller is better (latencies). */
  lowerIsBetter?: boolean;
  note?: string;
}

export function report(fig: BenchFigure): void {
  process.stdout.write(`BENCH ${JSON.stringify(fig)}\n`);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Runs fn for at least minMs and returns operations per second of `opsPerCall` units. */
export async function rate(fn: () => unknown | Promise<unknown>, opsPerCall: number, minMs = 1500): Promise<number> {
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < minMs) {
    await fn();
    calls++;
  }
  return (calls * opsPerCall * 1000) / (performance.now() - start);
}

/**
 * Imports a module at run time (by a name the bundler does not see), so the bench bundle never inlines native
 * or server modules. Untyped on purpose: callers name what they take from it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a module whose type the bundle must not see
export const load = (m: string): Promise<any> => import(m);
