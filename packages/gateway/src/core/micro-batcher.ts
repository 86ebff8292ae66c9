// Linger-based micro-batching with exactly one flush in flight, so items reach the sink in the order
// they were added. Each add() resolves when the batch holding the item is acknowledged.
// An item may carry a gate: a pending decision whether to send it at all (the gateway's dedupe lookup).
// The item takes its place in the order at once; the batch waits for its gates just before it is sent
// and leaves out the items whose gate said no. So the lookup overlaps the linger and the previous send
// instead of coming before them.

import { FleetwireError } from '@fleetwire/runtime';

export interface MicroBatcherOptions<T> {
  /** How long to wait for more items after the first one arrives. */
  lingerMs: number;
  /** Flush as soon as this many items are queued. */
  maxBatch: number;
  /** Flush as soon as the queued items weigh this much (see `weight`). */
  maxBatchBytes?: number;
  weight?: (item: T) => number;
  /** Reject the items of a batch not acknowledged after this long (the send itself keeps running). 0 = never. */
  ackTimeoutMs?: number;
  send: (items: T[]) => Promise<void>;
}

interface Pending<T> {
  item: T;
  /** Resolves true to send the item, false to leave it out (add() then resolves false). */
  gate: Promise<boolean> | undefined;
  /** performance.now() when added. */
  at: number;
  resolve: (sent: boolean) => void;
  reject: (e: Error) => void;
}

/** The sink did not acknowledge a record within ackTimeoutMs (the device resends after reconnecting). */
export class SinkTimeoutError extends FleetwireError<'sink_timeout'> {
  override readonly name = 'SinkTimeoutError';
  constructor(message: string) {
    super('sink_timeout', message, { retriable: true });
  }
}

/** A record was added after close(). */
export class BatcherClosedError extends FleetwireError<'batcher_closed'> {
  override readonly name = 'BatcherClosedError';
  constructor(message: string) {
    super('batcher_closed', message);
  }
}

/** The answer of an item without a gate (one shared promise, no allocation per item). */
const SEND: Promise<boolean> = Promise.resolve(true);

export class MicroBatcher<T> {
  private queue: Pending<T>[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly o: MicroBatcherOptions<T>) {
    if (!(o.maxBatch >= 1) || !(o.lingerMs >= 0)) throw new RangeError('MicroBatcher needs maxBatch >= 1 and lingerMs >= 0');
  }

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Queues `item`. Resolves true once the batch holding it is acknowledged, or false if its `gate` resolved
   * false (the item was left out). A gate that rejects counts as true: when in doubt, send.
   */
  add(item: T, gate?: Promise<boolean>): Promise<boolean> {
    if (this.closed) return Promise.reject(new BatcherClosedError('sink is closed'));
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ item, gate: gate?.catch(() => true), resolve, reject, at: performance.now() });
      this.queuedBytes += this.o.weight?.(item) ?? 0;
      if (this.full()) this.kick(0);
      else this.kick(this.o.lingerMs);
    });
  }

  private kick(delay: number): void {
    if (this.flushing) return; // the running flush picks the queue up when it finishes
    if (delay === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.flushing = this.flushLoop();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.flushing) this.flushing = this.flushLoop();
      }, delay);
    }
  }

  private full(): boolean {
    return this.queue.length >= this.o.maxBatch || (this.o.maxBatchBytes !== undefined && this.queuedBytes >= this.o.maxBatchBytes);
  }

  private async flushLoop(): Promise<void> {
    let wait = 0;
    // Yield once, so `this.flushing` is assigned by the caller before the finally below can clear it.
    await Promise.resolve();
    try {
      while (this.queue.length > 0) {
        // After a send, what queued meanwhile goes out at once only if it is a full batch or its oldest
        // item has lingered long enough; otherwise it waits out the rest of its linger, so a steady load
        // makes fewer, larger requests (kafkajs costs ~1 ms of CPU per request on top of each record).
        if (!this.closed && !this.full()) {
          const age = performance.now() - this.queue[0]!.at;
          if (age < this.o.lingerMs - 0.5) {
            // timers may fire up to ~1 ms early by this clock
            wait = this.o.lingerMs - age;
            break;
          }
        }
        const batch = this.take();
        await this.sendOne(batch);
      }
    } finally {
      this.flushing = null;
    }
    if (wait > 0 && this.queue.length > 0) this.kick(wait);
  }

  private take(): Pending<T>[] {
    const n = Math.min(this.queue.length, this.o.maxBatch);
    let batch: Pending<T>[];
    if (this.o.maxBatchBytes !== undefined && this.o.weight) {
      let bytes = 0;
      let i = 0;
      while (i < n) {
        const w = this.o.weight(this.queue[i]!.item);
        if (i > 0 && bytes + w > this.o.maxBatchBytes) break;
        bytes += w;
        i++;
      }
      batch = this.queue.splice(0, i);
      this.queuedBytes -= bytes;
    } else {
      batch = this.queue.splice(0, n);
      this.queuedBytes = 0;
    }
    if (this.queue.length === 0) this.queuedBytes = 0;
    return batch;
  }

  private async sendOne(taken: Pending<T>[]): Promise<void> {
    let batch = taken; // narrowed to the items whose gate said yes, before the send
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      for (const p of batch) {
        if (err) p.reject(err);
        else p.resolve(true);
      }
    };
    if (this.o.ackTimeoutMs) {
      timer = setTimeout(() => settle(new SinkTimeoutError(`sink did not acknowledge within ${this.o.ackTimeoutMs} ms`)), this.o.ackTimeoutMs);
    }
    try {
      if (batch.some((p) => p.gate !== undefined)) {
        const keep = await Promise.all(batch.map((p) => p.gate ?? SEND));
        for (let i = 0; i < batch.length; i++) if (!keep[i]) batch[i]!.resolve(false);
        batch = batch.filter((_, i) => keep[i]);
      }
      if (batch.length > 0) await this.o.send(batch.map((p) => p.item));
      settle(null);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      settle(err);
      // Items queued behind a failed batch fail too: their senders resend in order after reconnecting,
      // instead of landing in the log ahead of the failed ones.
      const rest = this.queue.splice(0);
      this.queuedBytes = 0;
      for (const p of rest) p.reject(err);
    }
  }

  /** Flushes what is queued and waits for it. Later add() calls are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.flushing && this.queue.length > 0) this.flushing = this.flushLoop();
    while (this.flushing) await this.flushing;
  }

  /** Rejects everything still queued (not yet handed to the sink). */
  abort(err: Error): void {
    this.closed = true;
    const rest = this.queue.splice(0);
    this.queuedBytes = 0;
    for (const p of rest) p.reject(err);
  }
}
