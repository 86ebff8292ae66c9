// One worker thread of a multi-worker `fleetwire-sim run`: runs its shard of the fleet and reports
// progress and its summary to the parent (src/fleet-workers.ts). {type:'abort'} from the parent stops it.
import { parentPort, workerData } from 'node:worker_threads';
import type { RunArgs } from './cli-args.js';
import { fleetOptionsFromArgs } from './run-options.js';
import { runFleet } from './runner.js';

export interface FleetWorkerInput {
  args: RunArgs;
  shard: { index: number; count: number };
  startMs: number;
}

const port = parentPort;
if (!port) throw new Error('fleet-worker runs as a worker thread of fleetwire-sim run --workers');
const input = workerData as FleetWorkerInput;
const ac = new AbortController();
port.on('message', (m: { type?: string }) => {
  if (m?.type === 'abort') ac.abort();
});
const opts = await fleetOptionsFromArgs(input.args);
const summary = await runFleet({
  ...opts,
  shard: input.shard,
  startMs: input.startMs,
  signal: ac.signal,
  onProgress: (p) => port.postMessage({ type: 'progress', p }),
});
port.postMessage({ type: 'summary', summary });
port.close();
