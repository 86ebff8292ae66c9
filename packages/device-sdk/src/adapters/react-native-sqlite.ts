// React Native: the outbox over the synchronous APIs of op-sqlite (`executeSync`) and expo-sqlite
// (`execSync` / `prepareSync`, SDK 50+). The app opens the database and passes it in; the SDK needs no
// native module of its own. Both run on the JS thread, like better-sqlite3 in Node.
// Typed structurally (the SDK does not depend on either package).
import type { SqlBinding, SqlConnection, SqlRow, SqlValue } from '../storage/sql.js';
import { SqlOutboxStorage } from '../storage/sql-outbox.js';

/** What the adapter uses of an op-sqlite `DB` (`open({ name })` from '@op-engineering/op-sqlite'). */
export interface OpSqliteDb {
  executeSync(query: string, params?: unknown[]): { insertId?: number; rowsAffected: number; rows: Array<Record<string, unknown>> };
  close(): void;
}

/** What the adapter uses of an expo-sqlite `SQLiteDatabase` (`openDatabaseSync(name)` from 'expo-sqlite'). */
export interface ExpoSqliteDb {
  readonly databasePath?: string;
  execSync(source: string): void;
  prepareSync(source: string): ExpoStatement;
  closeSync(): void;
}

export interface ExpoStatement {
  executeSync(params: unknown[]): { lastInsertRowId: number; changes: number; getAllSync(): unknown[] };
  executeForRawResultSync(params: unknown[]): { lastInsertRowId: number; changes: number; getAllSync(): unknown[][] };
  finalizeSync(): void;
}

export interface ReactNativeStorageOptions<D> {
  /** Cap on the database in pages of 4 KiB (PRAGMA max_page_count): the outbox's disk budget. */
  maxPageCount?: number;
  /**
   * Replaces a corrupt database: close and delete `corrupt`, open a fresh one at the same name and return
   * it. Without it the SDK empties the database in place (DROP of its tables), which cannot repair a file
   * whose header is damaged; the outbox then reports storage_corrupt until the app reinstalls.
   */
  reset?: (corrupt: D) => D;
  /** Shown in messages. Default the database path when the binding knows it. */
  location?: string;
}

const PRAGMAS = ['PRAGMA journal_mode = WAL', 'PRAGMA synchronous = FULL'] as const;

/** Empties the outbox's tables on the same connection (last resort without a `reset` hook). */
function wipeInPlace(c: SqlConnection): SqlConnection {
  c.exec('DROP TABLE IF EXISTS chunks; DROP TABLE IF EXISTS batches; DROP TABLE IF EXISTS meta; VACUUM');
  return c;
}

class OpSqliteConnection implements SqlConnection {
  constructor(readonly db: OpSqliteDb) {}

  exec(sql: string): void {
    // executeSync runs one statement: split the schema (no ';' inside our statements).
    for (const s of sql.split(';')) if (s.trim()) this.db.executeSync(s);
  }

  run(sql: string, params: readonly SqlValue[] = []): { lastInsertRowid: number } {
    return { lastInsertRowid: Number(this.db.executeSync(sql, [...params]).insertId ?? 0) };
  }

  query(sql: string, params: readonly SqlValue[] = []): SqlRow[] {
    // Rows are objects keyed by column name, in select order.
    return this.db.executeSync(sql, [...params]).rows.map((r) => Object.values(r));
  }

  close(): void {
    this.db.close();
  }
}

class OpSqliteBinding implements SqlBinding {
  readonly name = 'op-sqlite';
  readonly pragmas = PRAGMAS;
  readonly location: string;

  constructor(
    private db: OpSqliteDb,
    private readonly o: ReactNativeStorageOptions<OpSqliteDb>,
  ) {
    this.location = o.location ?? 'op-sqlite database';
  }

  open(): SqlConnection {
    return new OpSqliteConnection(this.db);
  }

  reset(conn: SqlConnection | null): SqlConnection {
    if (!this.o.reset) return wipeInPlace(conn ?? this.open());
    this.db = this.o.reset(this.db);
    return this.open();
  }
}

class ExpoSqliteConnection implements SqlConnection {
  private readonly stmts = new Map<string, ExpoStatement>();

  constructor(readonly db: ExpoSqliteDb) {}

  private stmt(sql: string): ExpoStatement {
    let s = this.stmts.get(sql);
    if (!s) this.stmts.set(sql, (s = this.db.prepareSync(sql)));
    return s;
  }

  exec(sql: string): void {
    this.db.execSync(sql);
  }

  run(sql: string, params: readonly SqlValue[] = []): { lastInsertRowid: number } {
    return { lastInsertRowid: Number(this.stmt(sql).executeSync([...params]).lastInsertRowId) };
  }

  query(sql: string, params: readonly SqlValue[] = []): SqlRow[] {
    return this.stmt(sql)
      .executeForRawResultSync([...params])
      .getAllSync();
  }

  close(): void {
    for (const s of this.stmts.values()) {
      try {
        s.finalizeSync();
      } catch {
        /* closing anyway */
      }
    }
    this.stmts.clear();
    this.db.closeSync();
  }
}

class ExpoSqliteBinding implements SqlBinding {
  readonly name = 'expo-sqlite';
  readonly pragmas = PRAGMAS;
  readonly location: string;

  constructor(
    private db: ExpoSqliteDb,
    private readonly o: ReactNativeStorageOptions<ExpoSqliteDb>,
  ) {
    this.location = o.location ?? db.databasePath ?? 'expo-sqlite database';
  }

  open(): SqlConnection {
    return new ExpoSqliteConnection(this.db);
  }

  reset(conn: SqlConnection | null): SqlConnection {
    if (!this.o.reset) return wipeInPlace(conn ?? this.open());
    this.db = this.o.reset(this.db);
    return this.open();
  }
}

/** The outbox over an op-sqlite database the app opened: `opSqliteStorage(open({ name: 'fleetwire-outbox.db' }))`. */
export function opSqliteStorage(db: OpSqliteDb, o: ReactNativeStorageOptions<OpSqliteDb> = {}): SqlOutboxStorage {
  return new SqlOutboxStorage(new OpSqliteBinding(db, o), o.maxPageCount ? { maxPageCount: o.maxPageCount } : {});
}

/** The outbox over an expo-sqlite database the app opened: `expoSqliteStorage(openDatabaseSync('fleetwire-outbox.db'))`. */
export function expoSqliteStorage(db: ExpoSqliteDb, o: ReactNativeStorageOptions<ExpoSqliteDb> = {}): SqlOutboxStorage {
  return new SqlOutboxStorage(new ExpoSqliteBinding(db, o), o.maxPageCount ? { maxPageCount: o.maxPageCount } : {});
}
