// The outbox's SQL, once, over any synchronous SQLite binding (sql.ts): schema, statements, one
// transaction per call, recovery of a corrupt database and the quota cap (PRAGMA max_page_count).
// better-sqlite3, sqlite-wasm (OPFS) and the React Native bindings are thin adapters around it.
import type { BatchInfo } from '../core/retention.js';
import { StorageError } from '../errors.js';
import type { NewChunk, OutboxSnapshot, OutboxStorage, SealRecord } from '../adapters/storage.js';
import { asBytes, decodeInt, encodeInt, packChunk, unpackChunk } from './chunk-codec.js';
import { type SqlBinding, type SqlConnection, toStorageError } from './sql.js';

export interface SqlOutboxOptions {
  /** Hard cap on the database file in pages (PRAGMA max_page_count); writes beyond it fail with SQLITE_FULL. */
  maxPageCount?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS chunks (id INTEGER PRIMARY KEY, stored_at INTEGER NOT NULL, n INTEGER NOT NULL, skip INTEGER NOT NULL DEFAULT 0, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS batches (seq INTEGER PRIMARY KEY, boot_id TEXT NOT NULL, samples INTEGER NOT NULL, sealed_at INTEGER NOT NULL, size INTEGER NOT NULL, bytes BLOB NOT NULL);
`;

const SQL = {
  insChunk: 'INSERT INTO chunks (stored_at, n, skip, data) VALUES (?, ?, 0, ?)',
  delChunk: 'DELETE FROM chunks WHERE id = ?',
  trimChunk: 'UPDATE chunks SET skip = ? WHERE id = ?',
  insBatch: 'INSERT OR REPLACE INTO batches (seq, boot_id, samples, sealed_at, size, bytes) VALUES (?, ?, ?, ?, ?, ?)',
  getBatch: 'SELECT bytes FROM batches WHERE seq = ?',
  delBatch: 'DELETE FROM batches WHERE seq = ?',
  setMeta: 'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)',
  meta: 'SELECT key, value FROM meta',
  maxSeq: 'SELECT MAX(seq) FROM batches',
  chunks: 'SELECT id, stored_at, n, skip, data FROM chunks ORDER BY id',
  batches: 'SELECT seq, boot_id, size, samples, sealed_at FROM batches ORDER BY seq',
} as const;

/** OutboxStorage over a SqlBinding. Every method is one transaction and throws StorageError. */
export class SqlOutboxStorage implements OutboxStorage {
  readonly name: string;
  protected conn: SqlConnection | null = null;

  constructor(
    readonly binding: SqlBinding,
    private readonly opts: SqlOutboxOptions = {},
  ) {
    this.name = binding.name;
  }

  open(): OutboxSnapshot {
    try {
      return this.load(this.connect(() => this.binding.open()));
    } catch (e) {
      const err = toStorageError(e, `opening outbox ${this.binding.location}`);
      if (err.code !== 'storage_corrupt') {
        this.closeQuietly();
        throw err;
      }
      const snap = this.recover();
      snap.recovered.unshift(err);
      return snap;
    }
  }

  private connect(open: () => SqlConnection): SqlConnection {
    const c = open();
    this.conn = c;
    for (const p of this.binding.pragmas) c.exec(p);
    if (this.opts.maxPageCount) c.query(`PRAGMA max_page_count = ${Math.floor(this.opts.maxPageCount)}`);
    c.exec(SCHEMA);
    return c;
  }

  private load(c: SqlConnection): OutboxSnapshot {
    const meta = new Map<string, unknown>();
    for (const r of c.query(SQL.meta)) meta.set(String(r[0]), r[1]);
    const seqRaw = meta.get('next_seq');
    const maxSeq = Number(c.query(SQL.maxSeq)[0]?.[0] ?? 0);
    const nextSeq = Math.max(seqRaw != null ? decodeInt(seqRaw) : 1, maxSeq + 1);
    if (!Number.isFinite(nextSeq)) throw new StorageError('storage_corrupt', `outbox ${this.binding.location}: next_seq is not a number`);
    const chunks = c.query(SQL.chunks).map((r) => {
      const id = Number(r[0]);
      return unpackChunk(id, Number(r[1]), Number(r[2]), Number(r[3]), asBytes(r[4], `chunk ${id}`));
    });
    const batches = c
      .query(SQL.batches)
      .map((r): BatchInfo => ({ seq: Number(r[0]), bootId: String(r[1]), bytes: Number(r[2]), samples: Number(r[3]), sealedAt: Number(r[4]) }));
    const cfg = meta.get('config');
    const det = meta.get('detection');
    return {
      nextSeq,
      chunks,
      batches,
      config: cfg != null ? asBytes(cfg, 'config').slice() : null,
      detection: det != null ? asBytes(det, 'detection').slice() : null,
      recovered: [],
    };
  }

  private live(): SqlConnection {
    if (!this.conn) throw new StorageError('storage_closed', `outbox ${this.binding.location} is not open`);
    return this.conn;
  }

  private tx<T>(what: string, fn: (c: SqlConnection) => T): T {
    const c = this.live();
    try {
      c.exec('BEGIN IMMEDIATE');
    } catch (e) {
      throw toStorageError(e, what);
    }
    try {
      const out = fn(c);
      c.exec('COMMIT');
      return out;
    } catch (e) {
      try {
        c.exec('ROLLBACK');
      } catch {
        // SQLite may have rolled back already (SQLITE_FULL does); nothing else to undo
      }
      throw toStorageError(e, what);
    }
  }

  append(chunks: readonly NewChunk[]): number[] {
    return this.tx('appending samples', (c) => chunks.map((x) => Number(c.run(SQL.insChunk, [x.storedAt, x.n, packChunk(x)]).lastInsertRowid)));
  }

  seal(rec: SealRecord): void {
    this.tx(`sealing batch ${rec.info.seq}`, (c) => {
      const i = rec.info;
      c.run(SQL.insBatch, [i.seq, i.bootId, i.samples, i.sealedAt, rec.bytes.length, rec.bytes]);
      for (const id of rec.deletedChunks) c.run(SQL.delChunk, [id]);
      if (rec.trimmed) c.run(SQL.trimChunk, [rec.trimmed.skip, rec.trimmed.id]);
      c.run(SQL.setMeta, ['next_seq', encodeInt(rec.nextSeq)]);
    });
  }

  readBatch(seq: number): Uint8Array | null {
    try {
      const r = this.live().query(SQL.getBatch, [seq])[0];
      return r ? asBytes(r[0], `batch ${seq}`) : null;
    } catch (e) {
      throw toStorageError(e, `reading batch ${seq}`);
    }
  }

  deleteBatches(seqs: readonly number[]): void {
    if (seqs.length > 0) this.tx('deleting batches', (c) => seqs.forEach((q) => c.run(SQL.delBatch, [q])));
  }

  deleteChunks(ids: readonly number[]): void {
    if (ids.length > 0) this.tx('deleting chunks', (c) => ids.forEach((id) => c.run(SQL.delChunk, [id])));
  }

  saveConfig(bytes: Uint8Array): void {
    this.tx('saving config', (c) => c.run(SQL.setMeta, ['config', bytes.slice()]));
  }

  saveDetectionState(bytes: Uint8Array): void {
    this.tx('saving detection state', (c) => c.run(SQL.setMeta, ['detection', bytes.slice()]));
  }

  /** Replaces the corrupt database by an empty one (the binding keeps the old file aside where it can). */
  recover(): OutboxSnapshot {
    const old = this.conn;
    this.conn = null;
    try {
      return this.load(this.connect(() => this.binding.reset(old)));
    } catch (e) {
      this.closeQuietly();
      throw toStorageError(e, `recreating outbox ${this.binding.location}`);
    }
  }

  protected closeQuietly(): void {
    try {
      this.conn?.close();
    } catch {
      /* already broken */
    }
    this.conn = null;
  }

  close(): void {
    this.closeQuietly();
  }
}
