// Node entry (the `node` / default export condition): everything, plus `storage: { path }` and
// SqliteStorage on better-sqlite3. The React Native adapters are pure code and exported here too, so
// they can be tested in Node (test/storage-conformance).
import { SqliteStorage } from './adapters/sqlite-storage.js';
import { registerPathStorage } from './client-setup.js';

registerPathStorage((path, durability) => new SqliteStorage(path, { durability }));

export * from './common.js';
export { SqliteStorage, BetterSqliteBinding, BetterSqliteConnection, type SqliteStorageOptions } from './adapters/sqlite-storage.js';
export {
  opSqliteStorage,
  expoSqliteStorage,
  type OpSqliteDb,
  type ExpoSqliteDb,
  type ExpoStatement,
  type ReactNativeStorageOptions,
} from './adapters/react-native-sqlite.js';
