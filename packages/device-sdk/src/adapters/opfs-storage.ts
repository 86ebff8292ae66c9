// Durable outbox storage for browsers and web views: the official SQLite WebAssembly build with its
// `opfs-sahpool` VFS (Origin Private File System, synchronous access handles). Runs in a dedicated
// Worker only (sync access handles exist nowhere else), needs a secure context (https: or
// http://localhost / 127.0.0.1) and no COOP/COEP headers. One worker at a time holds the pool: a
// second tab of the same origin waits (openOpfsStorage retries) until the first one lets go.
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import { StorageError } from '../errors.js';
import type { SqlBinding, SqlConnection } from '../storage/sql.js';
import { SqlOutboxStorage } from '../storage/sql-outbox.js';
import { type WasmCapi, type WasmDb, WasmSqliteConnection } from './wasm-sqlite.js';

type Sqlite3 = Awaited<ReturnType<typeof sqlite3InitModule>>;
type Pool = Awaited<ReturnType<Sqlite3['installOpfsSAHPoolVfs']>>;

export interface OpfsStorageOptions {
  /** Database name inside the pool (absolute, like a path). Default '/fleetwire-outbox.db'. */
  name?: string;
  /** OPFS directory of the pool (default sqlite-wasm's '.opfs-sahpool'). Use one per app on a shared origin. */
  directory?: string;
  /** Cap on the database in pages of 4 KiB (PRAGMA max_page_count): the outbox's disk budget. */
  maxPageCount?: number;
  /** How long to wait for another tab or a dying worker to release the pool. Default 10000 ms. */
  lockWaitMs?: number;
}

export class OpfsBinding implements SqlBinding {
  readonly name = 'sqlite-wasm/opfs-sahpool';
  readonly pragmas = ['PRAGMA journal_mode = TRUNCATE', 'PRAGMA synchronous = FULL'] as const;

  constructor(
    private readonly sqlite3: Sqlite3,
    readonly pool: Pool,
    readonly location: string,
  ) {}

  open(): WasmSqliteConnection {
    const db = new this.pool.OpfsSAHPoolDb(this.location) as unknown as WasmDb;
    return new WasmSqliteConnection(db, this.sqlite3.capi as unknown as WasmCapi);
  }

  /** The pool has no rename: the corrupt file is removed (its samples are counted as dropped). */
  reset(conn: SqlConnection | null): WasmSqliteConnection {
    try {
      conn?.close();
    } catch {
      /* already broken */
    }
    this.pool.unlink(this.location);
    this.pool.unlink(`${this.location}-journal`);
    return this.open();
  }
}

const inWorker = (): boolean =>
  typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined' &&
  typeof (globalThis as { document?: unknown }).document === 'undefined';

let sqlite3Ready: Promise<Sqlite3> | null = null;

/** Loads SQLite and installs the opfs-sahpool VFS, waiting up to `lockWaitMs` for the pool to be free. */
export async function installOpfsPool(o: Pick<OpfsStorageOptions, 'directory' | 'lockWaitMs'>): Promise<{ sqlite3: Sqlite3; pool: Pool }> {
  if (!inWorker()) throw new StorageError('storage_io', 'OPFS storage runs in a dedicated Worker only (see the SDK README, "Web apps")');
  const nav = (globalThis as { navigator?: { storage?: { getDirectory?: unknown } } }).navigator;
  if (typeof nav?.storage?.getDirectory !== 'function')
    throw new StorageError('storage_io', 'this browser has no Origin Private File System (or the page is not a secure context)');
  sqlite3Ready ??= sqlite3InitModule();
  const sqlite3 = await sqlite3Ready;
  const deadline = Date.now() + (o.lockWaitMs ?? 10_000);
  let pool: Pool | null = null;
  for (let delay = 50; pool === null; delay = Math.min(delay * 2, 1000)) {
    try {
      pool = await sqlite3.installOpfsSAHPoolVfs({
        ...(o.directory ? { directory: o.directory, name: `opfs-sahpool-${o.directory.replace(/[^A-Za-z0-9]/g, '')}` } : {}),
        preserveOnInitFailure: true,
        forceReinitIfPreviouslyFailed: true,
      } as Parameters<Sqlite3['installOpfsSAHPoolVfs']>[0]);
    } catch (e) {
      if (Date.now() >= deadline)
        throw new StorageError('storage_io', `OPFS pool is held by another tab or worker: ${(e as Error).message}`, undefined, { cause: e });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  await pool.reserveMinimumCapacity(6);
  return { sqlite3, pool };
}

/**
 * Loads SQLite (sqlite3.wasm must be served next to the bundle, or where your bundler puts it), installs
 * the opfs-sahpool VFS and returns the outbox storage to pass as `storage` to createClient.
 * Rejects with StorageError('storage_io') outside a Worker, without OPFS, or when the pool stays locked.
 */
export async function openOpfsStorage(o: OpfsStorageOptions = {}): Promise<SqlOutboxStorage> {
  const { sqlite3, pool } = await installOpfsPool(o);
  const name = o.name ?? '/fleetwire-outbox.db';
  // The pool opens a new file only into a free slot (else SQLITE_CANTOPEN): room for the database and its journal.
  if (!pool.getFileNames().includes(name)) await pool.reserveMinimumCapacity(Number(pool.getFileCount()) + 2);
  return new SqlOutboxStorage(new OpfsBinding(sqlite3, pool, name), o.maxPageCount ? { maxPageCount: o.maxPageCount } : {});
}
