// sqlite-wasm in Node: its database files live in the module's in-memory file system (Emscripten MEMFS),
// so they outlive a connection (a "process restart" is a new connection in the same test process).
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';

export type Sqlite3 = Awaited<ReturnType<typeof sqlite3InitModule>>;
let ready: Promise<Sqlite3> | null = null;

export function nodeSqlite3(): Promise<Sqlite3> {
  ready ??= sqlite3InitModule();
  return ready;
}

/** Deletes a file for SQLite's purposes: an empty file opens as an empty database, a missing journal is none. */
export function unlinkFile(s: Sqlite3, name: string): void {
  s.capi.sqlite3_js_posix_create_file(name, new Uint8Array(0));
}

/** Keeps the 100-byte header and overwrites the rest of the file: what a torn or bit-rotted file looks like. */
export function garble(bytes: Uint8Array): Uint8Array {
  const g = bytes.slice();
  for (let i = 100; i < g.length; i++) g[i] = (i * 7919 + 13) & 255;
  return g;
}
