// The storage conformance suite: the same cases for every OutboxStorage adapter. Framework-free (own
// assertions, no Node built-ins) so it runs under vitest in Node and inside a Worker in Chromium (OPFS).
import type { NewChunk, OutboxStorage } from '../../src/common.js';

/** One database under test, re-openable as a new storage instance (a new process start). */
export interface StoreHandle {
  /** A new storage over the same database (not yet opened). */
  storage(): OutboxStorage;
  /** What a kill leaves: the connection is dropped without storage.close(). */
  crash(s: OutboxStorage): void;
  /** Damages the (closed) database file: header kept, every page after it garbage. */
  corrupt(): Promise<void> | void;
}

export interface StoreHarness {
  readonly name: string;
  create(o?: { maxPageCount?: number }): Promise<StoreHandle> | StoreHandle;
}

export interface ConformanceCase {
  name: string;
  run(h: StoreHarness): Promise<void>;
}

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`conformance: ${what}`);
}
const eq = (a: unknown, b: unknown, what: string) => check(a === b, `${what}: got ${String(a)}, want ${String(b)}`);

function chunk(n: number, t0: number, storedAt = 1_700_000_000_000): NewChunk {
  const t = new Float64Array(n);
  const v = new Int32Array(n * 7);
  for (let i = 0; i < n; i++) {
    t[i] = t0 + i * 10;
    for (let k = 0; k < 7; k++) v[i * 7 + k] = (i * 31 + k * 7 - 100) | 0;
  }
  return { storedAt, n, t, v };
}

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + seed) & 255;
  return b;
}

const sameBytes = (a: Uint8Array | null, b: Uint8Array) => a !== null && a.length === b.length && a.every((x, i) => x === b[i]);
const info = (seq: number, samples: number, size: number) => ({ seq, bootId: 'boot-A', samples, bytes: size, sealedAt: 1_700_000_001_000 });

export const conformanceCases: ConformanceCase[] = [
  {
    name: 'rows, batches and next seq survive a crash (kill without close)',
    async run(h) {
      const d = await h.create();
      const s = d.storage();
      const first = s.open();
      eq(first.nextSeq, 1, 'fresh nextSeq');
      eq(first.chunks.length + first.batches.length, 0, 'fresh store is empty');
      const [a, b] = s.append([chunk(100, 1000), chunk(50, 5000)]);
      check(a !== undefined && b !== undefined && b > a, 'append returns increasing ids');
      const batch = bytes(5000, 1);
      s.seal({ info: info(1, 130, batch.length), bytes: batch, nextSeq: 2, deletedChunks: [a], trimmed: { id: b, skip: 30 } });
      s.saveConfig(bytes(40, 9));
      const detection = bytes(3000, 5);
      s.saveDetectionState?.(bytes(10, 1));
      s.saveDetectionState?.(detection); // the last one wins
      d.crash(s);
      const s2 = d.storage();
      const snap = s2.open();
      eq(snap.nextSeq, 2, 'nextSeq after crash');
      eq(snap.batches.length, 1, 'sealed batches after crash');
      eq(snap.batches[0]!.samples, 130, 'batch samples');
      eq(snap.batches[0]!.bootId, 'boot-A', 'batch boot id');
      eq(snap.chunks.length, 1, 'pending chunks after crash');
      eq(snap.chunks[0]!.skip, 30, 'trimmed chunk keeps its skip');
      eq(snap.chunks[0]!.n, 50, 'chunk rows');
      eq(snap.chunks[0]!.t[49], 5000 + 49 * 10, 'chunk times round-trip');
      eq(snap.chunks[0]!.v[49 * 7 + 6], (49 * 31 + 42 - 100) | 0, 'chunk values round-trip');
      check(sameBytes(s2.readBatch(1), batch), 'batch bytes round-trip');
      check(snap.config !== null && sameBytes(snap.config, bytes(40, 9)), 'config round-trips');
      if (s.saveDetectionState) check(sameBytes(snap.detection ?? null, detection), 'detection state round-trips');
      s2.close();
    },
  },
  {
    name: 'seq persists when every batch was acknowledged and deleted',
    async run(h) {
      const d = await h.create();
      const s = d.storage();
      s.open();
      const [a] = s.append([chunk(10, 0)]);
      const big = 2 ** 41 + 17; // seq restarts from Date.now() after a reset: more than 32 bits
      s.seal({ info: info(big, 10, 3), bytes: bytes(3, 2), nextSeq: big + 1, deletedChunks: [a!], trimmed: null });
      s.deleteBatches([big]);
      eq(s.readBatch(big), null, 'deleted batch is gone');
      s.close();
      const s2 = d.storage();
      const snap = s2.open();
      eq(snap.batches.length, 0, 'no batches');
      eq(snap.nextSeq, big + 1, 'nextSeq kept without batches');
      s2.close();
    },
  },
  {
    name: 'a corrupt database is replaced by an empty one and reported as storage_corrupt',
    async run(h) {
      const d = await h.create();
      const s = d.storage();
      s.open();
      s.append([chunk(500, 0), chunk(500, 10_000)]);
      s.close();
      await d.corrupt();
      const s2 = d.storage();
      const snap = s2.open();
      check(snap.recovered.length > 0, 'open reports what it recovered from');
      eq(snap.recovered[0]!.code, 'storage_corrupt', 'recovered error code');
      eq(snap.chunks.length, 0, 'recovered store is empty');
      const [id] = s2.append([chunk(5, 0)]);
      check(id !== undefined, 'store usable after recovery');
      s2.close();
      const again = d.storage().open();
      eq(again.recovered.length, 0, 'the replacement opens cleanly');
      eq(again.chunks.length, 1, 'data written after recovery persists');
    },
  },
  {
    name: 'a full disk (page cap) fails the write with storage_full, keeps earlier data, and frees up after deletes',
    async run(h) {
      const d = await h.create({ maxPageCount: 48 });
      const s = d.storage();
      s.open();
      const ids: number[] = [];
      let full: { code?: string } | null = null;
      for (let i = 0; i < 200 && !full; i++) {
        try {
          ids.push(...s.append([chunk(1000, i * 10_000)]));
        } catch (e) {
          full = e as { code?: string };
        }
      }
      check(full !== null, 'writes beyond the cap fail');
      eq(full.code, 'storage_full', 'error code of a full disk');
      check(ids.length > 0, 'some appends fit');
      s.deleteChunks(ids.slice(0, Math.ceil(ids.length / 2)));
      const [more] = s.append([chunk(1000, 9_999_999)]);
      check(more !== undefined, 'append works again after freeing space');
      s.close();
      const snap = d.storage().open();
      eq(snap.chunks.length, ids.length - Math.ceil(ids.length / 2) + 1, 'exactly the committed chunks are there');
    },
  },
  {
    name: 'calls on a closed storage fail with storage_closed',
    async run(h) {
      const s = (await h.create()).storage();
      s.open();
      s.close();
      let code: string | undefined;
      try {
        s.append([chunk(1, 0)]);
      } catch (e) {
        code = (e as { code?: string }).code;
      }
      eq(code, 'storage_closed', 'append after close');
    },
  },
];

/** Runs every case; returns one result per case (for the browser runner). */
export async function runConformance(h: StoreHarness): Promise<Array<{ name: string; ok: boolean; error?: string }>> {
  const out: Array<{ name: string; ok: boolean; error?: string }> = [];
  for (const c of conformanceCases) {
    try {
      await c.run(h);
      out.push({ name: c.name, ok: true });
    } catch (e) {
      out.push({ name: c.name, ok: false, error: String((e as Error)?.stack ?? e) });
    }
  }
  return out;
}
