// The outbox: pending chunks and sealed batches mirrored in memory over an OutboxStorage, with sealing,
// acknowledgement, retention and storage-failure recovery. Synchronous; the client schedules it.
import {
  batchRowLimit,
  type BatchMeta,
  consume,
  countKinds,
  estimateRows,
  EVENTS_RIDE,
  gatherRows,
  onlyEvents,
  type PendingChunk,
  type Rows,
  sealRows,
} from './core/batch.js';
import { crashGroupEnd, firstCrash, sealCrashGroup } from './core/crash-batch.js';
import { KIND_CRASH_INFO, ROW_INTS } from './core/samples.js';
import { type BatchInfo, batchCost, chunkCost, planRetention } from './core/retention.js';
import type { NewChunk, OutboxSnapshot, OutboxStorage } from './adapters/storage.js';
import { asStorageError, type StorageError } from './errors.js';
import type { DroppedInfo, DropReason } from './types.js';

const MAX_CHUNK_ROWS = 65_536;
/** Rows gathered beyond a batch's limit so a CRASH group (event, detail, window) is never cut. */
const CRASH_GROUP_ROWS = 16_384;

export interface OutboxHooks {
  dropped(info: DroppedInfo): void;
  error(err: StorageError): void;
}

export interface SealParams {
  maxBytes: number;
  maxSamples: number;
  intervalMs: number;
  meta: Omit<BatchMeta, 'seq' | 'sentAtMs'>;
}

export class Outbox {
  chunks: PendingChunk[] = [];
  batches: BatchInfo[] = [];
  nextSeq = 1;
  pendingRows = 0;
  bytes = 0;
  dropped = { batches: 0, samples: 0 };
  config: Uint8Array | null = null;
  /** The edge detector's saved state, if the storage keeps one. */
  detection: Uint8Array | null = null;
  /** Sealed CRASH batches not yet acknowledged: published first (in memory; after a restart they go in seq order). */
  readonly urgent = new Set<number>();
  private pendingEst = 0;

  constructor(
    readonly storage: OutboxStorage,
    private readonly hooks: OutboxHooks,
  ) {}

  open(): void {
    let snap: OutboxSnapshot;
    try {
      snap = this.storage.open();
    } catch (e) {
      const err = asStorageError(e);
      if (err.code !== 'storage_corrupt') throw err;
      snap = this.storage.recover();
      snap.recovered.unshift(err);
    }
    this.load(snap);
    for (const r of snap.recovered) {
      this.nextSeq = Math.max(this.nextSeq, Date.now());
      this.hooks.error(r);
    }
  }

  private load(snap: OutboxSnapshot): void {
    this.chunks = snap.chunks;
    this.batches = snap.batches;
    this.nextSeq = Math.max(this.nextSeq, snap.nextSeq);
    this.config = snap.config ?? this.config;
    this.detection = snap.detection ?? this.detection;
    this.pendingRows = 0;
    this.pendingEst = 0;
    this.bytes = 0;
    for (const c of this.chunks) {
      this.pendingRows += c.n - c.skip;
      this.pendingEst += estimateRows(c.v, c.skip, c.n);
      this.bytes += chunkCost({ id: c.id, storedAt: c.storedAt, rows: c.n - c.skip });
    }
    for (const b of this.batches) this.bytes += batchCost(b);
  }

  /** Durably appends rows; retries once after freeing space (SQLITE_FULL) or rotating a corrupt store. */
  append(rows: Rows, now: number): void {
    const news: NewChunk[] = [];
    for (let o = 0; o < rows.n; o += MAX_CHUNK_ROWS) {
      const k = Math.min(MAX_CHUNK_ROWS, rows.n - o);
      news.push({ storedAt: now, n: k, t: rows.t.subarray(o, o + k), v: rows.v.subarray(o * 7, (o + k) * 7) });
    }
    let ids: number[];
    try {
      ids = this.storage.append(news);
    } catch (e) {
      this.handle(e, rows.n * 36);
      ids = this.storage.append(news);
    }
    news.forEach((c, i) => {
      this.chunks.push({ id: ids[i]!, storedAt: c.storedAt, n: c.n, skip: 0, t: c.t, v: c.v });
      this.pendingRows += c.n;
      this.pendingEst += estimateRows(c.v, 0, c.n);
      this.bytes += chunkCost({ id: 0, storedAt: 0, rows: c.n });
    });
  }

  /** Reacts to a failed write: full -> drop oldest data; corrupt -> rotate the store. Rethrows otherwise. */
  private handle(e: unknown, need: number): void {
    const err = asStorageError(e);
    this.hooks.error(err);
    if (err.code === 'storage_full') {
      // Free the oldest sealed batches: at least `need` bytes and a tenth of the outbox.
      let freed = 0;
      let k = 0;
      while (k < this.batches.length && (freed < need || freed < this.bytes / 10)) freed += batchCost(this.batches[k++]!);
      if (k === 0) throw err;
      this.drop(this.batches.slice(0, k), [], 'storage_full');
      return;
    }
    if (err.code === 'storage_corrupt') {
      const lost = { batches: this.batches.length, samples: this.pendingRows + this.batches.reduce((s, b) => s + b.samples, 0) };
      const seq = this.nextSeq;
      this.load(this.storage.recover());
      this.nextSeq = Math.max(seq, Date.now());
      this.countDrop({ reason: 'storage_corrupt', ...lost });
      return;
    }
    throw err;
  }

  private countDrop(info: DroppedInfo): void {
    if (info.batches + info.samples === 0) return;
    this.dropped.batches += info.batches;
    this.dropped.samples += info.samples;
    this.hooks.dropped(info);
  }

  /** True when a CRASH group waits in the pending rows (e.g. after a restart): it must be sealed at once. */
  crashPending(): boolean {
    for (const c of this.chunks) for (let i = c.skip; i < c.n; i++) if (c.v[i * ROW_INTS] === KIND_CRASH_INFO) return true;
    return false;
  }

  /** True when a full batch is pending or the oldest pending row waited `intervalMs`. */
  sealDue(now: number, p: SealParams): boolean {
    if (this.pendingRows === 0) return false;
    return this.pendingRows >= p.maxSamples || this.pendingEst >= p.maxBytes || now - this.chunks[0]!.storedAt >= p.intervalMs;
  }

  /** Seals pending rows into batches while due (everything when `force`). Returns the number sealed. */
  seal(now: number, p: SealParams, force: boolean): number {
    let sealed = 0;
    const timeDue = this.pendingRows > 0 && now - this.chunks[0]!.storedAt >= p.intervalMs;
    while (this.pendingRows > 0) {
      const full = this.pendingRows >= p.maxSamples || this.pendingEst >= p.maxBytes;
      if (!force && !timeDue && !full) break;
      const rows = gatherRows(this.chunks, p.maxSamples + EVENTS_RIDE + CRASH_GROUP_ROWS);
      // Events alone wait for the samples that come next (up to two intervals), unless everything must go now.
      if (!force && onlyEvents(rows) && now - this.chunks[0]!.storedAt < 2 * p.intervalMs) break;
      const seq = this.nextSeq;
      const meta = { ...p.meta, seq, sentAtMs: now };
      const limit = batchRowLimit(rows, p.maxSamples);
      const crashAt = firstCrash(rows, Math.min(rows.n, limit + 1));
      let sealed1: { bytes: Uint8Array; n: number };
      if (crashAt === 0) {
        // A CRASH group is a batch of its own, whatever its size (the window shrinks to fit maxBytes).
        const end = crashGroupEnd(rows, 0);
        sealed1 = { bytes: sealCrashGroup(meta, rows, 0, end, p.maxBytes), n: end };
      } else sealed1 = sealRows(meta, rows, p.maxBytes, crashAt > 0 ? Math.min(limit, crashAt) : limit);
      const { bytes, n } = sealed1;
      const info: BatchInfo = {
        seq,
        bootId: p.meta.bootId,
        bytes: bytes.length,
        samples: countKinds(rows, n).samples + countKinds(rows, n).events,
        sealedAt: now,
      };
      const { deleted, trimmed } = consume(this.chunks, n);
      try {
        this.storage.seal({ info, bytes, nextSeq: seq + 1, deletedChunks: deleted, trimmed });
      } catch (e) {
        this.handle(e, bytes.length);
        continue;
      }
      this.nextSeq = seq + 1;
      this.chunks = this.chunks.slice(deleted.length);
      if (trimmed) this.chunks[0]!.skip = trimmed.skip;
      this.pendingRows -= n;
      this.pendingEst = Math.max(0, this.pendingEst - estimateRows(rows.v, 0, n));
      this.batches.push(info);
      if (crashAt === 0) this.urgent.add(seq);
      sealed++;
    }
    this.recount();
    return sealed;
  }

  private recount(): void {
    let b = 0;
    for (const c of this.chunks) b += chunkCost({ id: c.id, storedAt: c.storedAt, rows: c.n - c.skip });
    for (const x of this.batches) b += batchCost(x);
    this.bytes = b;
  }

  readBatch(seq: number): Uint8Array | null {
    try {
      return this.storage.readBatch(seq);
    } catch (e) {
      this.handle(e, 0);
      return null;
    }
  }

  /** Deletes an acknowledged batch. Returns its info, or null if it was already dropped. */
  ack(seq: number): BatchInfo | null {
    const i = this.batches.findIndex((b) => b.seq === seq);
    if (i < 0) return null;
    const info = this.batches[i]!;
    try {
      this.storage.deleteBatches([seq]);
    } catch (e) {
      this.handle(e, 0);
    }
    this.batches.splice(i, 1);
    this.urgent.delete(seq);
    this.bytes -= batchCost(info);
    return info;
  }

  /** Applies quota and age limits, oldest first. */
  enforce(now: number, maxBytes: number, maxAgeMs: number): void {
    const cutoff = now - maxAgeMs;
    const old = (this.batches[0]?.sealedAt ?? Infinity) < cutoff || (this.chunks[0]?.storedAt ?? Infinity) < cutoff;
    if (this.bytes <= maxBytes && !old) return;
    const chunkInfos = this.chunks.map((c) => ({ id: c.id, storedAt: c.storedAt, rows: c.n - c.skip }));
    for (const plan of planRetention(this.batches, chunkInfos, maxBytes, maxAgeMs, now)) {
      this.drop(
        plan.batches,
        plan.chunks.map((c) => c.id),
        plan.reason,
      );
    }
  }

  private drop(batches: readonly BatchInfo[], chunkIds: readonly number[], reason: DropReason): void {
    try {
      this.storage.deleteBatches(batches.map((b) => b.seq));
      this.storage.deleteChunks(chunkIds);
    } catch (e) {
      this.hooks.error(asStorageError(e));
    }
    const seqs = new Set(batches.map((b) => b.seq));
    const ids = new Set(chunkIds);
    let samples = batches.reduce((s, b) => s + b.samples, 0);
    for (const c of this.chunks) if (ids.has(c.id)) samples += c.n - c.skip;
    this.batches = this.batches.filter((b) => !seqs.has(b.seq));
    const keep = this.chunks.filter((c) => !ids.has(c.id));
    if (keep.length !== this.chunks.length) {
      this.chunks = keep;
      this.pendingRows = 0;
      this.pendingEst = 0;
      for (const c of keep) {
        this.pendingRows += c.n - c.skip;
        this.pendingEst += estimateRows(c.v, c.skip, c.n);
      }
    }
    this.recount();
    this.countDrop({ reason, batches: batches.length, samples });
  }
}
