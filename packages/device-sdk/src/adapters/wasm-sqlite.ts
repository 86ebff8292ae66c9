// SQLite compiled to WebAssembly (@sqlite.org/sqlite-wasm, its oo1 API) as a SqlConnection: used by the
// OPFS storage in browsers (opfs-storage.ts) and by the Node stand-ins of the React Native bindings.
// Typed structurally, so this file does not import sqlite-wasm itself.
import type { SqlConnection, SqlRow, SqlValue } from '../storage/sql.js';

/** The parts of sqlite-wasm's oo1 `Stmt` used here. */
export interface WasmStmt {
  bind(values: readonly SqlValue[]): WasmStmt;
  step(): boolean;
  get(into: unknown[]): unknown[];
  reset(alsoClearBinds?: boolean): WasmStmt;
  finalize(): unknown;
}

/** The parts of sqlite-wasm's oo1 `DB` used here. */
export interface WasmDb {
  exec(sql: string): unknown;
  prepare(sql: string): WasmStmt;
  close(): void;
  readonly pointer?: unknown;
}

export interface WasmCapi {
  sqlite3_last_insert_rowid(db: WasmDb): number | bigint;
}

const num = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

export class WasmSqliteConnection implements SqlConnection {
  private readonly stmts = new Map<string, WasmStmt>();

  constructor(
    readonly db: WasmDb,
    private readonly capi: WasmCapi,
  ) {}

  private stmt(sql: string, params: readonly SqlValue[]): WasmStmt {
    let s = this.stmts.get(sql);
    if (!s) this.stmts.set(sql, (s = this.db.prepare(sql)));
    if (params.length > 0) s.bind(params);
    return s;
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  run(sql: string, params: readonly SqlValue[] = []): { lastInsertRowid: number } {
    const s = this.stmt(sql, params);
    try {
      s.step();
    } finally {
      s.reset(true);
    }
    return { lastInsertRowid: Number(this.capi.sqlite3_last_insert_rowid(this.db)) };
  }

  query(sql: string, params: readonly SqlValue[] = []): SqlRow[] {
    const s = this.stmt(sql, params);
    const rows: SqlRow[] = [];
    try {
      while (s.step()) rows.push(s.get([]).map(num));
    } finally {
      s.reset(true);
    }
    return rows;
  }

  close(): void {
    for (const s of this.stmts.values()) {
      try {
        s.finalize();
      } catch {
        /* closing anyway */
      }
    }
    this.stmts.clear();
    this.db.close();
  }
}
