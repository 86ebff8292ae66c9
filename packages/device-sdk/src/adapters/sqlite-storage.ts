// OutboxStorage on better-sqlite3 (Node: Linux dongles, gateways, tests): the shared SQL outbox over a
// file in WAL mode with cached prepared statements. A corrupt file is renamed to <path>.corrupt-<ts>.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { StorageError } from '../errors.js';
import type { SqlBinding, SqlConnection, SqlRow, SqlValue } from '../storage/sql.js';
import { SqlOutboxStorage } from '../storage/sql-outbox.js';
import type { Durability } from '../types.js';

export { toStorageError } from '../storage/sql.js';

export interface SqliteStorageOptions {
  /** Default 'fsync-per-batch' (synchronous=FULL). */
  durability?: Durability;
  /** Hard cap on the database file in pages (PRAGMA max_page_count); writes beyond it fail with SQLITE_FULL. */
  maxPageCount?: number;
}

/** A better-sqlite3 connection as a SqlConnection (prepared statements cached by SQL text). */
export class BetterSqliteConnection implements SqlConnection {
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) this.stmts.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  run(sql: string, params: readonly SqlValue[] = []): { lastInsertRowid: number } {
    return { lastInsertRowid: Number(this.stmt(sql).run(...params).lastInsertRowid) };
  }

  query(sql: string, params: readonly SqlValue[] = []): SqlRow[] {
    return this.stmt(sql)
      .raw()
      .all(...params) as SqlRow[];
  }

  close(): void {
    this.stmts.clear();
    this.db.close();
  }
}

export class BetterSqliteBinding implements SqlBinding {
  readonly name = 'better-sqlite3';
  readonly pragmas: readonly string[];

  constructor(
    readonly location: string,
    durability: Durability = 'fsync-per-batch',
  ) {
    this.pragmas = ['PRAGMA journal_mode = WAL', `PRAGMA synchronous = ${durability === 'normal' ? 'NORMAL' : 'FULL'}`];
  }

  open(): BetterSqliteConnection {
    return new BetterSqliteConnection(new Database(this.location));
  }

  /** Renames the file (and its -wal/-shm) to <path>.corrupt-<ts> and opens a fresh one. */
  reset(conn: SqlConnection | null): BetterSqliteConnection {
    try {
      conn?.close();
    } catch {
      /* already broken */
    }
    const suffix = `.corrupt-${Date.now()}`;
    for (const ext of ['', '-wal', '-shm']) {
      try {
        if (fs.existsSync(this.location + ext)) fs.renameSync(this.location + ext, this.location + suffix + ext);
      } catch {
        try {
          fs.rmSync(this.location + ext, { force: true });
        } catch {
          /* best effort: open() reports if the file is still unusable */
        }
      }
    }
    return this.open();
  }
}

/** The outbox in a SQLite file through better-sqlite3 (what `storage: { path }` uses in Node). */
export class SqliteStorage extends SqlOutboxStorage {
  constructor(
    readonly path: string,
    opts: SqliteStorageOptions = {},
  ) {
    super(new BetterSqliteBinding(path, opts.durability), opts.maxPageCount ? { maxPageCount: opts.maxPageCount } : {});
  }

  /** The open connection (for diagnostics and tests). */
  get database(): Database.Database {
    if (!this.conn) throw new StorageError('storage_closed', `outbox ${this.path} is not open`);
    return (this.conn as BetterSqliteConnection).db;
  }
}
