// React Native entry (the `react-native` export condition): the client core and the outbox over the
// app's op-sqlite or expo-sqlite database. No Node built-ins, no native module of the SDK's own.
import { registerPathStorage } from './client-setup.js';

registerPathStorage(null, 'in React Native pass storage: opSqliteStorage(open({ name })) or expoSqliteStorage(openDatabaseSync(name))');

export * from './common.js';
export {
  opSqliteStorage,
  expoSqliteStorage,
  type OpSqliteDb,
  type ExpoSqliteDb,
  type ExpoStatement,
  type ReactNativeStorageOptions,
} from './adapters/react-native-sqlite.js';
