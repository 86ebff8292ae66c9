// An in-process append-only log implementing RecordSource (one partition per topic) and Publisher.
// Offsets are committed only after the handler resolves; a throwing handler gets the batch again.
import type { BatchControl, OutMessage, Publisher, RecordSource, SourceBatch } from './source.js';

interface Entry {
  key: Buffer | null;
  value: Buffer | null;
}

export class MemoryLog implements Publisher {
  readonly topics = new Map<string, Entry[]>();
  private readonly waiters = new Set<() => void>();

  append(topic: string, key: string | null, value: Uint8Array | null): number {
    const list = this.topics.get(topic) ?? [];
    list.push({ key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value) });
    this.topics.set(topic, list);
    for (const w of this.waiters) w();
    return list.length - 1;
  }

  async send(topic: string, messages: OutMessage[]): Promise<void> {
    for (const m of messages) this.append(topic, m.key, m.value);
  }

  read(topic: string): Entry[] {
    return this.topics.get(topic) ?? [];
  }

  /** Resolves on the next append (or after ms). */
  waitForAppend(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  source(topic: string, opts: { maxBatch?: number; startOffset?: number } = {}): MemoryLogSource {
    return new MemoryLogSource(this, topic, opts.maxBatch ?? 500, opts.startOffset ?? 0);
  }
}

export class MemoryLogSource implements RecordSource {
  /** Next offset to deliver (= committed offset). */
  committed: number;
  private running = false;
  private paused = false;
  private loop: Promise<void> | null = null;

  constructor(
    readonly log: MemoryLog,
    readonly topic: string,
    readonly maxBatch: number,
    startOffset: number,
  ) {
    this.committed = startOffset;
  }

  async start(handler: (batch: SourceBatch, ctl: BatchControl) => Promise<void>): Promise<void> {
    this.running = true;
    const ctl: BatchControl = {
      isRunning: () => this.running,
      heartbeat: async () => {},
      pause: () => (this.paused = true),
      resume: () => (this.paused = false),
    };
    this.loop = (async () => {
      while (this.running) {
        const all = this.log.read(this.topic);
        if (this.committed >= all.length || this.paused) {
          await this.log.waitForAppend(50);
          continue;
        }
        const slice = all.slice(this.committed, this.committed + this.maxBatch);
        const batch: SourceBatch = {
          topic: this.topic,
          partition: 0,
          highWatermark: String(all.length),
          messages: slice.map((e, i) => ({ key: e.key, value: e.value, offset: String(this.committed + i) })),
        };
        try {
          await handler(batch, ctl);
          this.committed += slice.length;
        } catch {
          await new Promise((r) => setTimeout(r, 100)); // redeliver the same batch
        }
      }
    })();
  }

  /** Resolves when everything appended so far has been handled and committed (or after ms). */
  async drained(ms = 30_000): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (this.committed >= this.log.read(this.topic).length) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
