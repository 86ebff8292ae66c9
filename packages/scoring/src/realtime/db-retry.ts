// Waits out a dependency that is down (Postgres; for the outbox flush also Redis or Kafka) inside one log batch:
// the source's fetching is paused, the batch retries with backoff and keeps its group membership alive, and the
// fetching resumes when the call goes through. Pure control flow over the source's BatchControl.
import { classifyDbError } from '../adapters/db.js';
import type { BatchControl } from '../adapters/source.js';

export interface RetryHooks {
  initialMs: number;
  maxMs: number;
  /** A transient failure; `first` on the one that paused the source. */
  onRetry(e: unknown, first: boolean): void;
  /** The call went through after `ms`; `resumed` when it had paused the source. */
  onSuccess(ms: number, resumed: boolean): void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * fn, retried while it fails transiently (classifyDbError) and the batch is still ours. Any other failure, or
 * the batch no longer running (rebalance, stop), throws; in every case a pause this call made is undone first.
 * A pause left behind would outlive the batch: the consumer keeps its paused topics across a rebalance, so the
 * member would stay joined and fetch nothing (found by the chaos suite, i2, under load).
 */
export async function retryWhileDown<T>(ctl: BatchControl, fn: () => Promise<T>, h: RetryHooks): Promise<T> {
  const sleep = h.sleep ?? defaultSleep;
  let delay = h.initialMs;
  let paused = false;
  try {
    for (;;) {
      const t0 = performance.now();
      try {
        const r = await fn();
        h.onSuccess(performance.now() - t0, paused);
        return r;
      } catch (e) {
        if (classifyDbError(e) !== 'transient') throw e;
        h.onRetry(e, !paused);
        if (!paused) {
          paused = true;
          ctl.pause();
        }
        if (!ctl.isRunning()) throw e;
        const until = Date.now() + delay;
        while (Date.now() < until && ctl.isRunning()) {
          await sleep(Math.min(500, until - Date.now()));
          await ctl.heartbeat().catch(() => {});
        }
        delay = Math.min(h.maxMs, delay * 2);
      }
    }
  } finally {
    if (paused) ctl.resume();
  }
}
