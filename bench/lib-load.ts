// Runs bench/mqtt-load.worker in a child process (see there) and returns its result.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './mqtt-load.worker.js';

export type { LoadClient, LoadResult, LoadSpec } from './mqtt-load.worker.js';

// Next to the built bench (bench/dist), or bench/dist when this file runs from source (tests under vitest).
const worker = [new URL('./mqtt-load.worker.js', import.meta.url), new URL('./dist/mqtt-load.worker.js', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((f) => existsSync(f));

export interface LoadRun {
  child: ChildProcess;
  /** hold mode: resolves with the figures once every client connected and published. */
  ready: Promise<LoadResult>;
  /** Resolves with the final figures (hold mode: after stop()). */
  done: Promise<LoadResult>;
  /** rate mode: resolves when the warm-up is over and the measured part of the run begins. */
  measuring: Promise<void>;
  stop(): void;
}

export function startLoad(spec: LoadSpec): LoadRun {
  if (!worker) throw new Error('bench/dist/mqtt-load.worker.js missing: build the bench first (npm run build -w @fleetwire/bench)');
  const dir = mkdtempSync(join(tmpdir(), 'fw-load-'));
  const file = join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  // FW_LOAD_NODE_ARGS: extra node flags for the load process (e.g. --trace-gc when chasing latency spikes).
  const nodeArgs = (process.env.FW_LOAD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, worker, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = '';
  let onReady: (r: LoadResult) => void = () => undefined;
  let onDone: (r: LoadResult) => void = () => undefined;
  let onFail: (e: Error) => void = () => undefined;
  const ready = new Promise<LoadResult>((res, rej) => {
    onReady = res;
    child.once('exit', () => rej(new Error('load worker exited before it was ready')));
  });
  const done = new Promise<LoadResult>((res, rej) => {
    onDone = res;
    onFail = rej;
  });
  let onMeasure: () => void = () => undefined;
  const measuring = new Promise<void>((res) => (onMeasure = res));
  ready.catch(() => undefined);
  done.catch(() => undefined); // callers that await it still see the rejection
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line === 'MEASURE') onMeasure();
      else if (line.startsWith('READY ')) onReady(JSON.parse(line.slice(6)) as LoadResult);
      else if (line.startsWith('LOAD ')) onDone(JSON.parse(line.slice(5)) as LoadResult);
    }
  });
  child.once('exit', (code, sig) => {
    rmSync(dir, { recursive: true, force: true });
    onFail(new Error(`load worker exited (${code ?? sig}) without a result`));
  });
  return { child, ready, done, measuring, stop: () => child.stdin!.write('stop\n') };
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const r = startLoad(spec);
  if (spec.mode === 'hold')
    void r.ready.then(
      () => r.stop(),
      () => undefined,
    );
  return r.done;
}
