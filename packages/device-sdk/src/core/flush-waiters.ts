// flush() callers waiting for every batch up to a seq to be acknowledged, each with an optional timeout.
import { LinkError } from '../errors.js';
import type { Timer } from '../platform/runtime.js';

interface FlushWaiter {
  target: number;
  resolve(): void;
  reject(e: unknown): void;
  timer: Timer | null;
}

export class FlushWaiters {
  private waiters: FlushWaiter[] = [];

  /** Resolves once settle() sees the oldest unacknowledged seq past `target`; rejects flush_timeout after `timeoutMs`. */
  wait(target: number, timeoutMs: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const w: FlushWaiter = { target, resolve, reject, timer: null };
      if (timeoutMs !== undefined) {
        w.timer = setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          reject(new LinkError('flush_timeout', `flush: batches up to seq ${target} not acknowledged within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.waiters.push(w);
    });
  }

  /** Resolves every waiter whose target is below `oldestUnacked` (Infinity: nothing left to send). */
  settle(oldestUnacked: number): void {
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => {
      if (oldestUnacked <= w.target) return true;
      if (w.timer) clearTimeout(w.timer);
      w.resolve();
      return false;
    });
  }

  /** Rejects every waiter with `err` (the client is closing). */
  rejectAll(err: Error): void {
    for (const w of this.waiters) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters = [];
  }
}
