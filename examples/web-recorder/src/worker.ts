// The worker: the SDK client with the durable OPFS outbox (sqlite-wasm, opfs-sahpool).
import { serveWorkerClient } from '@fleetwire/device-sdk/worker';

serveWorkerClient();
