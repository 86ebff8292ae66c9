// Browser and web-view entry (the `browser` export condition): the client core and the main-thread
// proxy of a client that runs in a dedicated Worker with the OPFS outbox (see ./worker). SQLite itself
// is loaded only by the worker entry, so this bundle stays small.
import { registerPathStorage } from './client-setup.js';

registerPathStorage(null, 'in browsers run the client in a Worker (createWorkerClient + @fleetwire/device-sdk/worker) with OPFS storage');

export * from './common.js';
export { createWorkerClient, WorkerClient, type WorkerClientOptions, type WorkerStorageOption } from './browser/worker-client.js';
