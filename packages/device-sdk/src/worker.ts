// Worker entry (`@fleetwire/device-sdk/worker`): runs inside a dedicated Worker. `serveWorkerClient()`
// answers a page's createWorkerClient(); `openOpfsStorage()` is the durable outbox (sqlite-wasm, OPFS).
export * from './common.js';
export { installOpfsPool, openOpfsStorage, OpfsBinding, type OpfsStorageOptions } from './adapters/opfs-storage.js';
export { serveWorkerClient, type ServeOptions } from './browser/worker-host.js';
