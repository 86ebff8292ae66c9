// What every platform entry exports: the client, errors, types, the SQL outbox and the pure cores.
export { createClient, FleetwireClient } from './client.js';
export { ConfigError, LinkError, SampleError, StorageError } from './errors.js';
export type { FleetwireError, LinkErrorCode, StorageErrorCode } from './errors.js';
export type * from './types.js';
export type { OutboxStorage, OutboxSnapshot, NewChunk, SealRecord } from './adapters/storage.js';
export { MemoryStorage } from './adapters/memory-storage.js';
export { SqlOutboxStorage, type SqlOutboxOptions } from './storage/sql-outbox.js';
export { toStorageError, sqliteResultCode, type SqlBinding, type SqlConnection, type SqlRow, type SqlValue } from './storage/sql.js';
export { WasmSqliteConnection, type WasmDb, type WasmStmt, type WasmCapi } from './adapters/wasm-sqlite.js';
export type { PendingChunk } from './core/batch.js';
export type { BatchInfo } from './core/retention.js';
export { backoffDelay } from './core/backoff.js';
export { HarshDetector, TripDetector, type EdgeEventRow } from './core/detection.js';
export { TypedEmitter } from './core/emitter.js';
