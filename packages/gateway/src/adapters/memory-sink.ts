// In-memory TelemetrySink for tests and embedded demos. Optional `gate` lets callers delay or fail acks.
import { FleetwireError } from '@fleetwire/runtime';
import type { SinkRecord, TelemetrySink } from './sink.js';

export interface MemorySinkOptions {
  /** Called before a send is acknowledged; throw to fail it, await to delay it. */
  gate?: (kind: 'telemetry' | 'deadletter', records: readonly SinkRecord[]) => Promise<void> | void;
}

export class MemorySink implements TelemetrySink {
  readonly name = 'memory';
  readonly telemetry: SinkRecord[] = [];
  readonly deadLetters: SinkRecord[] = [];
  private closed = false;
  private readonly listeners = new Set<(kind: 'telemetry' | 'deadletter', r: SinkRecord) => void>();

  constructor(private readonly o: MemorySinkOptions = {}) {}

  async start(): Promise<void> {}

  /** Observe every acknowledged record (e.g. an embedded consumer). Returns an unsubscribe function. */
  onRecord(fn: (kind: 'telemetry' | 'deadletter', r: SinkRecord) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private async put(kind: 'telemetry' | 'deadletter', into: SinkRecord[], records: readonly SinkRecord[]): Promise<void> {
    if (this.closed) throw new FleetwireError('sink_closed', 'memory sink is closed');
    await this.o.gate?.(kind, records);
    for (const r of records) {
      into.push(r);
      for (const l of this.listeners) l(kind, r);
    }
  }

  send(records: readonly SinkRecord[]): Promise<void> {
    return this.put('telemetry', this.telemetry, records);
  }

  deadLetter(records: readonly SinkRecord[]): Promise<void> {
    return this.put('deadletter', this.deadLetters, records);
  }

  isReady(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
