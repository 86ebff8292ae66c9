// Pending rows of one group commit are stored packed in one BLOB: Float64 times, then Int32 values
// (ROW_INTS per row), in the platform's byte order (little-endian on every supported device).
// Also the ASCII encoding of integers kept in the meta table. No Buffer: runs in browsers and RN.
import type { PendingChunk } from '../core/batch.js';
import { ROW_INTS } from '../core/samples.js';
import { StorageError } from '../errors.js';
import type { NewChunk } from '../adapters/storage.js';

export const ROW_BYTES = 8 + ROW_INTS * 4;

export function packChunk(c: NewChunk): Uint8Array {
  const out = new Uint8Array(c.n * ROW_BYTES);
  out.set(new Uint8Array(c.t.buffer, c.t.byteOffset, c.n * 8), 0);
  out.set(new Uint8Array(c.v.buffer, c.v.byteOffset, c.n * ROW_INTS * 4), c.n * 8);
  return out;
}

/** Blob values come back as Uint8Array (better-sqlite3, sqlite-wasm, expo) or ArrayBuffer (op-sqlite). */
export function asBytes(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  throw new StorageError('storage_corrupt', `${what} is not a blob (${v === null ? 'null' : typeof v})`);
}

export function unpackChunk(id: number, storedAt: number, n: number, skip: number, data: Uint8Array): PendingChunk {
  if (!Number.isInteger(n) || n < 0 || data.length !== n * ROW_BYTES)
    throw new StorageError('storage_corrupt', `chunk ${id} has ${data.length} bytes for ${n} rows`);
  const t = new Float64Array(n);
  const v = new Int32Array(n * ROW_INTS);
  new Uint8Array(t.buffer).set(data.subarray(0, n * 8));
  new Uint8Array(v.buffer).set(data.subarray(n * 8));
  return { id, storedAt, n, skip, t, v };
}

/** A non-negative integer as ASCII digits (the meta table's next_seq, as earlier versions wrote it). */
export function encodeInt(x: number): Uint8Array {
  const s = String(Math.floor(x));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function decodeInt(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  const b = asBytes(v, 'meta value');
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return Number(s);
}
