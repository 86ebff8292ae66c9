// Retention math: which stored data to drop, oldest first, to honour the byte quota and the max age. Pure.
import { ROW_BYTES } from './samples.js';

export interface BatchInfo {
  seq: number;
  bootId: string;
  /** Encoded DeviceBatch size. */
  bytes: number;
  /** Samples and events in it. */
  samples: number;
  sealedAt: number;
}

export interface ChunkInfo {
  id: number;
  storedAt: number;
  /** Unsealed rows left in the chunk. */
  rows: number;
}

/** Per-record bookkeeping cost counted on top of payload bytes (row headers, keys). */
export const BATCH_OVERHEAD = 64;
export const CHUNK_OVERHEAD = 48;

export const batchCost = (b: BatchInfo): number => b.bytes + BATCH_OVERHEAD;
export const chunkCost = (c: ChunkInfo): number => c.rows * ROW_BYTES + CHUNK_OVERHEAD;

export function outboxBytes(batches: readonly BatchInfo[], chunks: readonly ChunkInfo[]): number {
  let s = 0;
  for (const b of batches) s += batchCost(b);
  for (const c of chunks) s += chunkCost(c);
  return s;
}

export interface DropPlan {
  batches: BatchInfo[];
  chunks: ChunkInfo[];
  reason: 'quota' | 'max_age';
}

/**
 * Plans drops. Age first (anything stored before now - maxAgeMs), then quota: the oldest sealed batches
 * (lowest seq), then the oldest pending chunks, until the outbox fits `maxBytes`.
 * `batches` and `chunks` must be ordered oldest first. Returns at most two plans (age, quota).
 */
export function planRetention(batches: readonly BatchInfo[], chunks: readonly ChunkInfo[], maxBytes: number, maxAgeMs: number, nowMs: number): DropPlan[] {
  const plans: DropPlan[] = [];
  const cutoff = nowMs - maxAgeMs;
  let bi = 0;
  let ci = 0;
  const aged: DropPlan = { batches: [], chunks: [], reason: 'max_age' };
  while (bi < batches.length && batches[bi]!.sealedAt < cutoff) aged.batches.push(batches[bi++]!);
  while (ci < chunks.length && chunks[ci]!.storedAt < cutoff) aged.chunks.push(chunks[ci++]!);
  if (aged.batches.length + aged.chunks.length > 0) plans.push(aged);

  let total = outboxBytes(batches.slice(bi), chunks.slice(ci));
  if (total <= maxBytes) return plans;
  const quota: DropPlan = { batches: [], chunks: [], reason: 'quota' };
  while (total > maxBytes && bi < batches.length) {
    const b = batches[bi++]!;
    quota.batches.push(b);
    total -= batchCost(b);
  }
  while (total > maxBytes && ci < chunks.length) {
    const c = chunks[ci++]!;
    quota.chunks.push(c);
    total -= chunkCost(c);
  }
  plans.push(quota);
  return plans;
}
