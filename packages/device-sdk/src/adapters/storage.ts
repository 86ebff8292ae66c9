// The outbox storage port. Synchronous on purpose: SQLite bindings on devices (better-sqlite3, op-sqlite,
// expo-sqlite's *Sync API) are synchronous, and a record() must be durable when its transaction returns.
import type { PendingChunk } from '../core/batch.js';
import type { BatchInfo } from '../core/retention.js';
import type { StorageError } from '../errors.js';

export interface NewChunk {
  storedAt: number;
  n: number;
  t: Float64Array;
  v: Int32Array;
}

export interface OutboxSnapshot {
  /** seq for the next sealed batch (starts at 1). */
  nextSeq: number;
  /** Unsealed rows, oldest first. */
  chunks: PendingChunk[];
  /** Sealed, unacknowledged batches, oldest (lowest seq) first. Bytes are read on demand. */
  batches: BatchInfo[];
  /** Last applied DeviceConfig (encoded), if any. */
  config: Uint8Array | null;
  /** Last saved edge-detection state (the learnt mount; encoded by the client), if the storage keeps one. */
  detection?: Uint8Array | null;
  /** Problems recovered from while opening (e.g. a corrupt file rotated away). */
  recovered: StorageError[];
}

export interface SealRecord {
  info: BatchInfo;
  bytes: Uint8Array;
  nextSeq: number;
  /** Chunks fully consumed by this batch. */
  deletedChunks: number[];
  /** A chunk partly consumed: its new skip. */
  trimmed: { id: number; skip: number } | null;
}

/**
 * Implement this to plug another SQLite binding (or any durable store). Every method is one atomic,
 * durable transaction and throws StorageError (code storage_full / storage_corrupt / storage_io) on failure.
 */
export interface OutboxStorage {
  readonly name: string;
  /** Opens or creates the store. A corrupt store is rotated away and reported in `recovered`. */
  open(): OutboxSnapshot;
  /** Appends chunks in one transaction; returns their ids (increasing). */
  append(chunks: readonly NewChunk[]): number[];
  /** Stores a sealed batch, advances next seq and consumes chunk rows, atomically. */
  seal(rec: SealRecord): void;
  /** Encoded bytes of a sealed batch, or null when it is gone. */
  readBatch(seq: number): Uint8Array | null;
  /** Deletes batches (after PUBACK, or dropped by retention). */
  deleteBatches(seqs: readonly number[]): void;
  /** Deletes pending chunks (dropped by retention). */
  deleteChunks(ids: readonly number[]): void;
  saveConfig(bytes: Uint8Array): void;
  /**
   * Keeps the edge detector's learnt state (mount, gyroscope handedness) across restarts; returned as
   * `detection` by open(). Optional: a storage without it makes the detector learn again after each start.
   */
  saveDetectionState?(bytes: Uint8Array): void;
  /** Discards a corrupt store (the SQLite adapter renames the file to *.corrupt-<ts>) and opens an empty one. */
  recover(): OutboxSnapshot;
  close(): void;
}
