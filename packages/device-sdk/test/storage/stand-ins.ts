// Faithful stand-ins of the React Native SQLite bindings, built on sqlite-wasm in Node, for testing the
// SDK's adapters where no phone runs. They reproduce the surface the adapters use, as the libraries
// document and implement it:
// - op-sqlite `open({ name })` -> DB: executeSync(sql, params) -> { insertId, rowsAffected, rows }
//   with rows as objects keyed by column name and blobs returned as ArrayBuffer; errors thrown as
//   Error('[op-sqlite] SQLite code: <rc> execution error: <msg>'); close(); delete().
// - expo-sqlite `openDatabaseSync(name)` -> SQLiteDatabase: execSync, prepareSync -> statement with
//   executeSync / executeForRawResultSync(params) -> result with getAllSync(), finalizeSync; closeSync;
//   blobs as Uint8Array; errors as Error with code 'ERR_INTERNAL_SQLITE_ERROR' and message
//   "Calling the '<fn>' function has failed\n→ Caused by: Error code <rc>: <msg>";
//   `deleteDatabaseSync(name)`.
import type { ExpoSqliteDb, ExpoStatement, OpSqliteDb } from '../../src/index.js';
import { type Sqlite3, unlinkFile } from './wasm-node.js';

type OoDb = InstanceType<Sqlite3['oo1']['DB']>;
type OoStmt = ReturnType<OoDb['prepare']>;

const rcOf = (e: unknown): number => (e as { resultCode?: number }).resultCode ?? 1;
const msgOf = (e: unknown): string => String((e as Error).message ?? e).replace(/^SQLITE_[A-Z_]+: sqlite3 result code \d+: /, '');
const toArrayBuffer = (v: unknown): unknown =>
  v instanceof Uint8Array ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : typeof v === 'bigint' ? Number(v) : v;

function bindValue(v: unknown): unknown {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return v;
}

function runAll(db: OoDb, sql: string, params: unknown[]): { rows: Record<string, unknown>[]; raw: unknown[][]; names: string[] } {
  const st: OoStmt = db.prepare(sql);
  try {
    if (params.length > 0) st.bind(params.map(bindValue) as never);
    const names = st.columnCount > 0 ? st.getColumnNames() : [];
    const raw: unknown[][] = [];
    while (st.step()) raw.push(st.get([]));
    const rows = raw.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
    return { rows, raw, names };
  } finally {
    st.finalize();
  }
}

export class OpSqliteStandIn implements OpSqliteDb {
  private db: OoDb | null;

  constructor(
    private readonly s: Sqlite3,
    readonly name: string,
  ) {
    this.db = new s.oo1.DB(`/${name}`, 'c');
  }

  private live(): OoDb {
    if (!this.db) throw new Error('[op-sqlite] DB is not open');
    return this.db;
  }

  executeSync(query: string, params: unknown[] = []): { insertId?: number; rowsAffected: number; rows: Array<Record<string, unknown>> } {
    const db = this.live();
    try {
      const { rows } = runAll(db, query, params);
      for (const r of rows) for (const k of Object.keys(r)) r[k] = toArrayBuffer(r[k]);
      return { insertId: Number(this.s.capi.sqlite3_last_insert_rowid(db)), rowsAffected: this.s.capi.sqlite3_changes(db), rows };
    } catch (e) {
      throw new Error(`[op-sqlite] SQLite code: ${rcOf(e)} execution error: ${msgOf(e)}`);
    }
  }

  close(): void {
    this.live().close();
    this.db = null;
  }

  /** Closes (if open) and deletes the database file, like op-sqlite's db.delete(). */
  delete(): void {
    if (this.db) this.close();
    unlinkFile(this.s, `/${this.name}`);
    unlinkFile(this.s, `/${this.name}-journal`);
    unlinkFile(this.s, `/${this.name}-wal`);
  }
}

const expoError = (fn: string, e: unknown) =>
  Object.assign(new Error(`Calling the '${fn}' function has failed\n→ Caused by: Error code ${rcOf(e)}: ${msgOf(e)}`), { code: 'ERR_INTERNAL_SQLITE_ERROR' });

export class ExpoSqliteStandIn implements ExpoSqliteDb {
  private db: OoDb | null;
  readonly databasePath: string;

  constructor(
    private readonly s: Sqlite3,
    name: string,
  ) {
    this.databasePath = `/${name}`;
    this.db = new s.oo1.DB(this.databasePath, 'c');
  }

  private live(): OoDb {
    if (!this.db) throw Object.assign(new Error('Access to closed resource'), { code: 'ERR_INTERNAL_SQLITE_ERROR' });
    return this.db;
  }

  execSync(source: string): void {
    try {
      this.live().exec(source);
    } catch (e) {
      throw expoError('execSync', e);
    }
  }

  prepareSync(source: string): ExpoStatement {
    const db = this.live();
    const s = this.s;
    const exec = (params: unknown[]) => {
      try {
        const r = runAll(db, source, params);
        return { lastInsertRowId: Number(s.capi.sqlite3_last_insert_rowid(db)), changes: s.capi.sqlite3_changes(db), r };
      } catch (e) {
        throw expoError('executeSync', e);
      }
    };
    return {
      executeSync(params: unknown[]) {
        const { lastInsertRowId, changes, r } = exec(params);
        return { lastInsertRowId, changes, getAllSync: () => r.rows };
      },
      executeForRawResultSync(params: unknown[]) {
        const { lastInsertRowId, changes, r } = exec(params);
        return { lastInsertRowId, changes, getAllSync: () => r.raw.map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v))) };
      },
      finalizeSync() {},
    };
  }

  closeSync(): void {
    this.live().close();
    this.db = null;
  }
}

/** expo-sqlite's deleteDatabaseSync(name). */
export function expoDeleteDatabaseSync(s: Sqlite3, name: string): void {
  for (const ext of ['', '-journal', '-wal', '-shm']) unlinkFile(s, `/${name}${ext}`);
}
