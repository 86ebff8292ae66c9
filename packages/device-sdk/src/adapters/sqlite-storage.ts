// OutboxStorage on better-sqlite3: WAL, prepared statements, one transaction per call. Rows of one group
// commit are stored packed in a single BLOB (Float64 times then Int32 values), so appends cost one row.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { PendingChunk } from '../core/batch.js';
import type { BatchInfo } from '../core/retention.js';
import { ROW_INTS } from '../core/samples.js';
import { StorageError } from '../errors.js';
import type { Durability } from '../types.js';
import type { NewChunk, OutboxSnapshot, OutboxStorage, SealRecord } from './storage.js';

export interface SqliteStorageOptions {
  /** Default 'fsync-per-batch' (synchronous=FULL). */
  durability?: Durability;
  /** Hard cap on the database file in pages (PRAGMA max_page_count); writes beyond it fail with SQLITE_FULL. */
  maxPageCount?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS chunks (id INTEGER PRIMARY KEY, stored_at INTEGER NOT NULL, n INTEGER NOT NULL, skip INTEGER NOT NULL DEFAULT 0, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS batches (seq INTEGER PRIMARY KEY, boot_id TEXT NOT NULL, samples INTEGER NOT NULL, sealed_at INTEGER NOT NULL, size INTEGER NOT NULL, bytes BLOB NOT NULL);
`;

const CORRUPT = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_INDEX', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_VTAB']);

/** Maps a driver error to a StorageError with a stable code. */
export function toStorageError(e: unknown, what: string): StorageError {
  if (e instanceof StorageError) return e;
  const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : undefined;
  const msg = `${what}: ${(e as Error)?.message ?? String(e)}`;
  if (code === 'SQLITE_FULL' || code?.startsWith('SQLITE_IOERR_WRITE') || (e as { code?: string })?.code === 'ENOSPC') return new StorageError('storage_full', msg, code, { cause: e });
  if (code && CORRUPT.has(code)) return new StorageError('storage_corrupt', msg, code, { cause: e });
  return new StorageError('storage_io', msg, code, { cause: e });
}

function pack(c: NewChunk): Buffer {
  const buf = Buffer.allocUnsafe(c.n * 8 + c.n * ROW_INTS * 4);
  Buffer.from(c.t.buffer, c.t.byteOffset, c.n * 8).copy(buf, 0);
  Buffer.from(c.v.buffer, c.v.byteOffset, c.n * ROW_INTS * 4).copy(buf, c.n * 8);
  return buf;
}

function unpack(id: number, storedAt: number, n: number, skip: number, data: Buffer): PendingChunk {
  if (data.length !== n * (8 + ROW_INTS * 4)) throw new StorageError('storage_corrupt', `chunk ${id} has ${data.length} bytes for ${n} rows`);
  const t = new Float64Array(n);
  const v = new Int32Array(n * ROW_INTS);
  data.copy(new Uint8Array(t.buffer), 0, 0, n * 8);
  data.copy(new Uint8Array(v.buffer), 0, n * 8);
  return { id, storedAt, n, skip, t, v };
}

type Stmts = ReturnType<typeof prepare>;

function prepare(db: Database.Database) {
  return {
    insChunk: db.prepare('INSERT INTO chunks (stored_at, n, skip, data) VALUES (?, ?, 0, ?)'),
    delChunk: db.prepare('DELETE FROM chunks WHERE id = ?'),
    trimChunk: db.prepare('UPDATE chunks SET skip = ? WHERE id = ?'),
    insBatch: db.prepare('INSERT OR REPLACE INTO batches (seq, boot_id, samples, sealed_at, size, bytes) VALUES (?, ?, ?, ?, ?, ?)'),
    getBatch: db.prepare('SELECT bytes FROM batches WHERE seq = ?').pluck(),
    delBatch: db.prepare('DELETE FROM batches WHERE seq = ?'),
    setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
  };
}

export class SqliteStorage implements OutboxStorage {
  readonly name = 'better-sqlite3';
  private db: Database.Database | null = null;
  private st: Stmts | null = null;

  constructor(
    readonly path: string,
    private readonly opts: SqliteStorageOptions = {},
  ) {}

  /** The open connection (for diagnostics and tests). */
  get database(): Database.Database {
    if (!this.db) throw new StorageError('storage_closed', `outbox ${this.path} is not open`);
    return this.db;
  }

  open(): OutboxSnapshot {
    try {
      return this.openOnce();
    } catch (e) {
      const err = toStorageError(e, `opening outbox ${this.path}`);
      if (err.code !== 'storage_corrupt') throw err;
      const snap = this.recover();
      snap.recovered.unshift(err);
      return snap;
    }
  }

  private openOnce(): OutboxSnapshot {
    this.closeQuietly();
    const db = new Database(this.path);
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${this.opts.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
    if (this.opts.maxPageCount) db.pragma(`max_page_count = ${Math.floor(this.opts.maxPageCount)}`);
    db.exec(SCHEMA);
    this.st = prepare(db);
    const meta = new Map<string, Buffer>();
    for (const r of db.prepare('SELECT key, value FROM meta').all() as { key: string; value: Buffer }[]) meta.set(r.key, r.value);
    const seqRaw = meta.get('next_seq');
    const maxSeq = (db.prepare('SELECT MAX(seq) FROM batches').pluck().get() as number | null) ?? 0;
    const nextSeq = Math.max(seqRaw ? Number(seqRaw.toString()) : 1, maxSeq + 1);
    const chunks = (db.prepare('SELECT id, stored_at, n, skip, data FROM chunks ORDER BY id').raw().all() as [number, number, number, number, Buffer][]).map((r) =>
      unpack(r[0], r[1], r[2], r[3], r[4]),
    );
    const batches = (db.prepare('SELECT seq, boot_id, size, samples, sealed_at FROM batches ORDER BY seq').raw().all() as [number, string, number, number, number][]).map(
      (r): BatchInfo => ({ seq: r[0], bootId: r[1], bytes: r[2], samples: r[3], sealedAt: r[4] }),
    );
    const cfg = meta.get('config');
    return { nextSeq, chunks, batches, config: cfg ? new Uint8Array(cfg) : null, recovered: [] };
  }

  private stmts(): Stmts {
    if (!this.st) throw new StorageError('storage_closed', `outbox ${this.path} is not open`);
    return this.st;
  }

  private tx<T>(what: string, fn: (s: Stmts) => T): T {
    const s = this.stmts();
    try {
      return this.db!.transaction(() => fn(s))();
    } catch (e) {
      throw toStorageError(e, what);
    }
  }

  append(chunks: readonly NewChunk[]): number[] {
    return this.tx('appending samples', (s) => chunks.map((c) => Number(s.insChunk.run(c.storedAt, c.n, pack(c)).lastInsertRowid)));
  }

  seal(rec: SealRecord): void {
    this.tx(`sealing batch ${rec.info.seq}`, (s) => {
      const i = rec.info;
      s.insBatch.run(i.seq, i.bootId, i.samples, i.sealedAt, rec.bytes.length, Buffer.from(rec.bytes.buffer, rec.bytes.byteOffset, rec.bytes.length));
      for (const id of rec.deletedChunks) s.delChunk.run(id);
      if (rec.trimmed) s.trimChunk.run(rec.trimmed.skip, rec.trimmed.id);
      s.setMeta.run('next_seq', Buffer.from(String(rec.nextSeq)));
    });
  }

  readBatch(seq: number): Uint8Array | null {
    try {
      const b = this.stmts().getBatch.get(seq) as Buffer | undefined;
      return b ? new Uint8Array(b.buffer, b.byteOffset, b.length) : null;
    } catch (e) {
      throw toStorageError(e, `reading batch ${seq}`);
    }
  }

  deleteBatches(seqs: readonly number[]): void {
    if (seqs.length > 0) this.tx('deleting batches', (s) => seqs.forEach((q) => s.delBatch.run(q)));
  }

  deleteChunks(ids: readonly number[]): void {
    if (ids.length > 0) this.tx('deleting chunks', (s) => ids.forEach((id) => s.delChunk.run(id)));
  }

  saveConfig(bytes: Uint8Array): void {
    this.tx('saving config', (s) => s.setMeta.run('config', Buffer.from(bytes)));
  }

  /** Renames the file (and its -wal/-shm) to <path>.corrupt-<ts> and opens a fresh outbox. */
  recover(): OutboxSnapshot {
    this.closeQuietly();
    const suffix = `.corrupt-${Date.now()}`;
    for (const ext of ['', '-wal', '-shm']) {
      try {
        if (fs.existsSync(this.path + ext)) fs.renameSync(this.path + ext, this.path + suffix + ext);
      } catch {
        try {
          fs.rmSync(this.path + ext, { force: true });
        } catch {
          /* best effort: openOnce reports if the file is still unusable */
        }
      }
    }
    try {
      return this.openOnce();
    } catch (e) {
      this.closeQuietly();
      throw toStorageError(e, `recreating outbox ${this.path}`);
    }
  }

  private closeQuietly(): void {
    try {
      this.db?.close();
    } catch {
      /* already broken */
    }
    this.db = null;
    this.st = null;
  }

  close(): void {
    this.closeQuietly();
  }
}
