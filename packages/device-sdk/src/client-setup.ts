// What createClient needs from the platform: how `storage: { path }` is opened (the Node entry registers
// better-sqlite3; browsers and React Native pass a storage object) and the credentials provider.
import { MemoryStorage } from './adapters/memory-storage.js';
import type { OutboxStorage } from './adapters/storage.js';
import type { ResolvedOptions } from './core/config.js';
import { ConfigError } from './errors.js';
import type { ClientOptions, CredentialsOption } from './types.js';

/** How `storage: { path }` is opened on this platform (the Node entry registers better-sqlite3). */
export type PathStorageFactory = (path: string, durability: ResolvedOptions['durability']) => OutboxStorage;
let pathStorage: PathStorageFactory | null = null;
let pathStorageHint = 'in browsers use openOpfsStorage() in a Worker; in React Native opSqliteStorage() or expoSqliteStorage()';

/** Sets what `storage: { path }` means (called by the platform entry point). */
export function registerPathStorage(f: PathStorageFactory | null, hint?: string): void {
  pathStorage = f;
  if (hint) pathStorageHint = hint;
}

export function makeStorage(o: ClientOptions, r: ResolvedOptions): OutboxStorage {
  const s = o.storage as unknown as Record<string, unknown>;
  if (typeof s.open === 'function' && typeof s.append === 'function') return o.storage as OutboxStorage;
  if (s.memory === true) return new MemoryStorage();
  if (typeof s.path === 'string' && s.path.length > 0) {
    if (!pathStorage) throw new ConfigError('storage', o.storage, `{ path } needs better-sqlite3 (Node); ${pathStorageHint}`);
    return pathStorage(s.path, r.durability);
  }
  throw new ConfigError('storage', o.storage, 'must be { path: string }, { memory: true } or an OutboxStorage');
}

export function credentialsProvider(c: CredentialsOption | undefined) {
  if (c === undefined) return null;
  if (typeof c === 'function') return c;
  const fixed = { username: c.username, password: c.password };
  return () => fixed;
}
