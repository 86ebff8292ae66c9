/// <reference lib="dom" />
// The test page: runs the SDK in a Worker with the OPFS outbox and records a synthetic drive
// (test/helpers/samples.ts: 100 Hz accelerometer, a GPS fix every second) or drains what is left.
// Query: mode=record|drain|conformance, n (samples), url (ws:// gateway), device, token (URL of the
// token endpoint, the "app backend"). Progress is exposed on window.fw for the test to read.
import { createWorkerClient, type WorkerClient } from '../../src/browser.js';
import { samples } from '../helpers/samples.js';

interface Progress {
  resolved: number;
  errors: string[];
  done: boolean;
  failed: string | null;
  tokens: number;
  sent: number;
  bootId: string;
  conformance?: Array<{ name: string; ok: boolean; error?: string }>;
  manyNames?: { names?: string[]; error?: string };
}

const fw: Progress = { resolved: 0, errors: [], done: false, failed: null, tokens: 0, sent: 0, bootId: '' };
(globalThis as unknown as { fw: Progress }).fw = fw;

const q = new URLSearchParams(location.search);
const mode = q.get('mode') ?? 'record';
const worker = new Worker('./worker.js', { type: 'module' });

async function run(): Promise<void> {
  if (mode === 'many-names') {
    fw.manyNames = await new Promise((resolve) => {
      worker.addEventListener('message', (e: MessageEvent) => {
        if (e.data?.manyNames) resolve(e.data.manyNames);
      });
      worker.postMessage({ op: 'many-names' });
    });
    fw.done = true;
    return;
  }
  if (mode === 'conformance') {
    fw.conformance = await new Promise((resolve) => {
      worker.addEventListener('message', (e: MessageEvent) => {
        if (e.data?.conformance) resolve(e.data.conformance);
      });
      worker.postMessage({ op: 'conformance' });
    });
    fw.done = true;
    return;
  }
  const device = q.get('device')!;
  const tokenUrl = q.get('token')!;
  const client: WorkerClient = await createWorkerClient(worker, {
    deviceId: device,
    tenant: q.get('tenant')!,
    url: q.get('url')!,
    storage: { opfs: { name: q.get('db') ?? '/fleetwire-outbox.db' } },
    batch: { intervalMs: 1000, maxSamples: 2000 },
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
    credentials: async () => {
      fw.tokens++;
      const r = await fetch(tokenUrl);
      if (!r.ok) throw new Error(`token endpoint: HTTP ${r.status}`);
      return { username: device, password: await r.text() };
    },
  });
  fw.bootId = client.bootId;
  client.on('error', (e) => fw.errors.push(`${e.code}: ${e.message}`));
  client.on('sent', (s) => (fw.sent += s.samples));
  if (mode === 'record') {
    const n = Number(q.get('n') ?? 12_000);
    const step = Number(q.get('step') ?? 200);
    // 200 samples (2 s of driving) every 20 ms: ~10x real time, records stay ahead of the uplink.
    for (let i = 0; i < n; i += step) {
      await client.record(samples(i, Math.min(n, i + step)));
      fw.resolved = Math.min(n, i + step);
      await new Promise((r) => setTimeout(r, Number(q.get('pace') ?? 20)));
    }
  }
  await client.flush({ timeoutMs: 60_000 });
  fw.done = true;
}

run().catch((e) => (fw.failed = String((e as Error)?.stack ?? e)));
