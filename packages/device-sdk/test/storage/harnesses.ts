// Conformance harnesses that run in Node: better-sqlite3 on real files, and the op-sqlite / expo-sqlite
// adapters over their sqlite-wasm stand-ins.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expoSqliteStorage, type OutboxStorage, opSqliteStorage, SqliteStorage } from '../../src/index.js';
import type { StoreHandle, StoreHarness } from './conformance.js';
import { ExpoSqliteStandIn, expoDeleteDatabaseSync, OpSqliteStandIn } from './stand-ins.js';
import { garble, nodeSqlite3, unlinkFile } from './wasm-node.js';

let n = 0;
const dropConnection = (s: OutboxStorage) => {
  // A kill: nothing is closed by the SDK; the OS drops the file handle.
  (s as unknown as { conn: { close(): void } | null }).conn?.close();
};

export const betterSqliteHarness = (dir: string): StoreHarness => ({
  name: 'better-sqlite3',
  create(o = {}): StoreHandle {
    const file = path.join(dir, `conf-${++n}.db`);
    return {
      storage: () => new SqliteStorage(file, { durability: 'normal', ...o }),
      crash: dropConnection,
      corrupt() {
        for (const ext of ['-wal', '-shm']) fs.rmSync(file + ext, { force: true });
        fs.writeFileSync(file, garble(fs.readFileSync(file)));
      },
    };
  },
});

async function corruptWasmFile(name: string): Promise<void> {
  const s = await nodeSqlite3();
  const db = new s.oo1.DB(name, 'c');
  const bytes = s.capi.sqlite3_js_db_export(db);
  db.close();
  for (const ext of ['-journal', '-wal', '-shm']) unlinkFile(s, name + ext);
  s.capi.sqlite3_js_posix_create_file(name, garble(bytes));
}

export const opSqliteHarness: StoreHarness = {
  name: 'op-sqlite (sqlite-wasm stand-in)',
  async create(o = {}) {
    const s = await nodeSqlite3();
    const name = `op-${++n}.db`;
    const opts = { ...o, reset: (old: OpSqliteStandIn) => (old.delete(), new OpSqliteStandIn(s, name)) };
    return {
      storage: () => opSqliteStorage(new OpSqliteStandIn(s, name), opts as never),
      crash: dropConnection,
      corrupt: () => corruptWasmFile(`/${name}`),
    };
  },
};

export const expoSqliteHarness: StoreHarness = {
  name: 'expo-sqlite (sqlite-wasm stand-in)',
  async create(o = {}) {
    const s = await nodeSqlite3();
    const name = `expo-${++n}.db`;
    const reset = (old: ExpoSqliteStandIn) => {
      try {
        old.closeSync();
      } catch {
        /* closed already */
      }
      expoDeleteDatabaseSync(s, name);
      return new ExpoSqliteStandIn(s, name);
    };
    return {
      storage: () => expoSqliteStorage(new ExpoSqliteStandIn(s, name), { ...o, reset } as never),
      crash: dropConnection,
      corrupt: () => corruptWasmFile(`/${name}`),
    };
  },
};

export const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fw-sdk-conf-'));
