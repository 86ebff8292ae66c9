// The minimal synchronous SQLite interface the outbox needs, so one SQL implementation (sql-outbox.ts)
// runs over every binding: better-sqlite3 (Node), sqlite-wasm with OPFS (browsers, in a Worker),
// op-sqlite and expo-sqlite (React Native). Plus the one mapping of driver errors to StorageError.
import { StorageError } from '../errors.js';

/** Values bound and read: integers and floats as number, blobs as Uint8Array (or ArrayBuffer when read). */
export type SqlValue = number | string | Uint8Array | null;
export type SqlRow = unknown[];

/** One open database. Every call is synchronous and throws the driver's error. */
export interface SqlConnection {
  /** Runs one or more statements that return no rows (schema, PRAGMA, BEGIN/COMMIT). */
  exec(sql: string): void;
  /** Runs one statement; returns the rowid of the last insert. */
  run(sql: string, params?: readonly SqlValue[]): { lastInsertRowid: number };
  /** Runs one SELECT (or PRAGMA); returns the rows as arrays of column values in select order. */
  query(sql: string, params?: readonly SqlValue[]): SqlRow[];
  close(): void;
}

/** A SQLite binding: how to open the outbox database and how to replace it when it is corrupt. */
export interface SqlBinding {
  /** Shown in errors and stats ('better-sqlite3', 'sqlite-wasm/opfs-sahpool', 'op-sqlite', ...). */
  readonly name: string;
  /** Where the database lives, for messages (a path, an OPFS name). */
  readonly location: string;
  /** PRAGMAs run after every open, before the schema (journal mode, synchronous). */
  readonly pragmas: readonly string[];
  /** Opens (creating it if needed) the database. */
  open(): SqlConnection;
  /**
   * Replaces a corrupt database with an empty one and returns a connection to it. `conn` (if any) is the
   * open connection to the corrupt one. The file is kept aside where the binding can (`*.corrupt-<ts>`).
   */
  reset(conn: SqlConnection | null): SqlConnection;
}

// Primary SQLite result codes (https://sqlite.org/rescode.html).
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_NOTADB = 26;
const IOERR_WRITE = 3; // extended: SQLITE_IOERR_WRITE = 10 | (3 << 8)

const NAMED: Record<string, number> = { SQLITE_FULL, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_IOERR };
const nameOf = (rc: number): string =>
  rc === (SQLITE_IOERR | (IOERR_WRITE << 8)) ? 'SQLITE_IOERR_WRITE' : (Object.keys(NAMED).find((k) => NAMED[k] === (rc & 0xff)) ?? `SQLITE_RC_${rc}`);

/** The SQLite result code of a driver error, from whichever form the binding gives it. */
export function sqliteResultCode(e: unknown): { code: number; name: string } | null {
  const o = e as { code?: unknown; resultCode?: unknown; message?: unknown } | null;
  if (o && typeof o.code === 'string' && o.code.startsWith('SQLITE_')) {
    // better-sqlite3: 'SQLITE_FULL', 'SQLITE_CORRUPT_INDEX', 'SQLITE_IOERR_WRITE', ...
    const base = o.code.split('_').slice(0, 2).join('_');
    const primary = NAMED[base] ?? -1;
    return { code: o.code.startsWith('SQLITE_IOERR_WRITE') ? SQLITE_IOERR | (IOERR_WRITE << 8) : primary, name: o.code };
  }
  if (o && typeof o.resultCode === 'number') return { code: o.resultCode, name: nameOf(o.resultCode) }; // sqlite-wasm
  const msg = typeof o?.message === 'string' ? o.message : String(e);
  // op-sqlite: "[op-sqlite] SQLite code: 13 execution error: ..."; expo-sqlite: "Error code 13: ..."
  const m = /(?:SQLite code|Error code)\s*:?\s*(\d+)/i.exec(msg);
  if (m) return { code: Number(m[1]), name: nameOf(Number(m[1])) };
  if (/database or disk is full/i.test(msg)) return { code: SQLITE_FULL, name: 'SQLITE_FULL' };
  if (/file is not a database/i.test(msg)) return { code: SQLITE_NOTADB, name: 'SQLITE_NOTADB' };
  if (/disk image is malformed/i.test(msg)) return { code: SQLITE_CORRUPT, name: 'SQLITE_CORRUPT' };
  return null;
}

/** Maps a driver error to a StorageError with a stable code (storage_full / storage_corrupt / storage_io). */
export function toStorageError(e: unknown, what: string): StorageError {
  if (e instanceof StorageError) return e;
  const msg = `${what}: ${(e as Error)?.message ?? String(e)}`;
  const rc = sqliteResultCode(e);
  const nodeCode = (e as { code?: unknown })?.code;
  const name = rc?.name ?? (typeof nodeCode === 'string' ? nodeCode : undefined);
  if (nodeCode === 'ENOSPC' || (e as { name?: unknown })?.name === 'QuotaExceededError') return new StorageError('storage_full', msg, name, { cause: e });
  if (!rc) return new StorageError('storage_io', msg, name, { cause: e });
  const primary = rc.code & 0xff;
  if (primary === SQLITE_FULL || rc.code === (SQLITE_IOERR | (IOERR_WRITE << 8))) return new StorageError('storage_full', msg, name, { cause: e });
  if (primary === SQLITE_CORRUPT || primary === SQLITE_NOTADB) return new StorageError('storage_corrupt', msg, name, { cause: e });
  return new StorageError('storage_io', msg, name, { cause: e });
}
