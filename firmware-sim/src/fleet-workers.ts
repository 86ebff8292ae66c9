// `fleetwire-sim run --workers N`: the fleet split over N worker threads (device i runs in thread i % N),
// so a large fleet uses more than one core. Same device ids, profiles and drives as one thread, one shared
// virtual start; progress and summary merged (src/merge-summaries.ts).
import { Worker } from 'node:worker_threads';
import type { RunArgs } from './cli-args.js';
import { virtualStartFor } from './core/fleet-plan.js';
import type { FleetWorkerInput } from './fleet-worker.js';
import { mergeProgress, mergeSummaries } from './merge-summaries.js';
import type { FleetProgress, FleetSummary } from './summary.js';

export interface WorkersOptions {
  workers: number;
  onProgress?: (p: FleetProgress) => void;
  progressIntervalMs?: number;
  signal?: AbortSignal;
  /** The worker script (default: fleet-worker.js next to this module, i.e. in dist/). */
  workerUrl?: URL;
}

export async function runFleetInWorkers(args: RunArgs, o: WorkersOptions): Promise<FleetSummary> {
  const count = Math.min(o.workers, args.devices);
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`workers must be an integer >= 1, got ${o.workers}`);
  const startMs = virtualStartFor(Date.now(), args.durationMs, args.speedup);
  const url = o.workerUrl ?? new URL('./fleet-worker.js', import.meta.url);
  const workers = Array.from(
    { length: count },
    (_, index) => new Worker(url, { workerData: { args, shard: { index, count }, startMs } satisfies FleetWorkerInput }),
  );
  const abortAll = () => {
    for (const w of workers) w.postMessage({ type: 'abort' });
  };
  o.signal?.addEventListener('abort', abortAll, { once: true });
  const latest: FleetProgress[] = [];
  const report = () => {
    const have = latest.filter(Boolean);
    if (have.length > 0) o.onProgress?.(mergeProgress(have));
  };
  const timer = o.onProgress ? setInterval(report, o.progressIntervalMs ?? 1000) : null;
  try {
    const summaries = await Promise.all(
      workers.map(
        (w, i) =>
          new Promise<FleetSummary>((resolve, reject) => {
            w.on('message', (m: { type: string; p?: FleetProgress; summary?: FleetSummary }) => {
              if (m.type === 'progress' && m.p) latest[i] = m.p;
              else if (m.type === 'summary' && m.summary) resolve(m.summary);
            });
            // A worker that fails to start or throws stops the whole run, as a failing device does in one thread.
            w.once('error', (e) => {
              abortAll();
              reject(e);
            });
            w.once('exit', (code) => reject(new Error(`fleet worker ${i} exited (code ${code}) before reporting its summary`)));
          }),
      ),
    );
    report();
    return mergeSummaries(summaries);
  } finally {
    if (timer) clearInterval(timer);
    o.signal?.removeEventListener('abort', abortAll);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
