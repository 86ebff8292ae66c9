// In-memory OutboxStorage: same semantics as the SQLite one without durability. For tests and browsers.
import type { PendingChunk } from '../core/batch.js';
import type { BatchInfo } from '../core/retention.js';
import { StorageError } from '../errors.js';
import type { NewChunk, OutboxSnapshot, OutboxStorage, SealRecord } from './storage.js';

export class MemoryStorage implements OutboxStorage {
  readonly name = 'memory';
  private nextSeq = 1;
  private nextChunkId = 1;
  private chunks = new Map<number, PendingChunk>();
  private batches = new Map<number, { info: BatchInfo; bytes: Uint8Array }>();
  private config: Uint8Array | null = null;
  private detection: Uint8Array | null = null;
  private closed = false;

  open(): OutboxSnapshot {
    this.closed = false;
    return {
      nextSeq: this.nextSeq,
      chunks: [...this.chunks.values()].map((c) => ({ ...c })),
      batches: [...this.batches.values()].map((b) => ({ ...b.info })),
      config: this.config,
      detection: this.detection,
      recovered: [],
    };
  }

  private live(): void {
    if (this.closed) throw new StorageError('storage_closed', 'memory outbox is closed');
  }

  append(chunks: readonly NewChunk[]): number[] {
    this.live();
    return chunks.map((c) => {
      const id = this.nextChunkId++;
      this.chunks.set(id, { id, storedAt: c.storedAt, n: c.n, skip: 0, t: c.t, v: c.v });
      return id;
    });
  }

  seal(rec: SealRecord): void {
    this.live();
    this.batches.set(rec.info.seq, { info: { ...rec.info }, bytes: rec.bytes });
    this.nextSeq = rec.nextSeq;
    for (const id of rec.deletedChunks) this.chunks.delete(id);
    if (rec.trimmed) {
      const c = this.chunks.get(rec.trimmed.id);
      if (c) c.skip = rec.trimmed.skip;
    }
  }

  readBatch(seq: number): Uint8Array | null {
    this.live();
    return this.batches.get(seq)?.bytes ?? null;
  }

  deleteBatches(seqs: readonly number[]): void {
    this.live();
    for (const s of seqs) this.batches.delete(s);
  }

  deleteChunks(ids: readonly number[]): void {
    this.live();
    for (const id of ids) this.chunks.delete(id);
  }

  saveConfig(bytes: Uint8Array): void {
    this.live();
    this.config = bytes.slice();
  }

  saveDetectionState(bytes: Uint8Array): void {
    this.live();
    this.detection = bytes.slice();
  }

  recover(): OutboxSnapshot {
    this.chunks.clear();
    this.batches.clear();
    return this.open();
  }

  close(): void {
    this.closed = true;
  }
}
