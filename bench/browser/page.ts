/// <reference lib="dom" />
// The bench page (bundled by bench/lib-browser.ts against the SDK's built browser entry): one mode per
// page load, the result on window.bench. Modes:
//   record  record() samples/s through the WorkerClient into the OPFS outbox (shape=bulk: arrays of 1000
//           awaited one after another; shape=single: 1000 one-sample calls per tick), offline
//   direct  the same bulk loop inside the worker (createClient + openOpfsStorage): no postMessage
//   resume  trials of suspend -> record while suspended -> suspend (seals) -> resume(): ms to the first 'sent'
//   prepare record n samples offline, seal them (suspend), close: data for a cold start
//   cold    open the outbox with data and connect: ms from navigation start to the first 'sent'
//   floor   mqtt.js alone: token, connect, publish one batch QoS 1, PUBACK (the protocol floor of resume)
import { createWorkerClient, type WorkerClient } from '@fleetwire/device-sdk';
import mqtt from 'mqtt';
import { makeSamples, recordStream, WARMUP_SAMPLES } from '../lib-drive.js';

const bootAt = performance.now();
interface Bench {
  done: boolean;
  failed: string | null;
  result: Record<string, unknown> | null;
}
const bench: Bench = { done: false, failed: null, result: null };
(globalThis as unknown as { bench: Bench }).bench = bench;

const q = new URLSearchParams(location.search);
const mode = q.get('mode') ?? 'record';
const device = q.get('device') ?? 'bench-phone';
const n = Number(q.get('n') ?? 100_000);
const token = async () => {
  const r = await fetch(`/token?device=${encodeURIComponent(device)}`, { cache: 'no-store' });
  if (!r.ok) throw new Error(`token: HTTP ${r.status}`);
  return { username: device, password: await r.text() };
};

function open(worker: Worker, url: string): Promise<WorkerClient> {
  return createWorkerClient(worker, {
    deviceId: device,
    tenant: q.get('tenant') ?? 'bench',
    url,
    storage: { opfs: { name: q.get('db') ?? '/bench.db' } },
    reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 }, // offline runs never retry; online ones connect at once
    credentials: token,
  });
}

const firstSent = (c: WorkerClient) => new Promise<number>((r) => c.once('sent', () => r(performance.now())));

async function run(): Promise<Record<string, unknown>> {
  const url = q.get('url')!;
  const worker = new Worker('./worker.js', { type: 'module' });
  switch (mode) {
    case 'record': {
      const c = await open(worker, url);
      const rate = await recordStream(
        (s) => c.record(s),
        (s) => c.record(s),
        n,
        q.get('shape') === 'single',
      );
      const st = await c.stats();
      await c.close();
      if (st.recorded !== n + WARMUP_SAMPLES) throw new Error(`recorded ${st.recorded} of ${n + WARMUP_SAMPLES}`);
      return { rate };
    }
    case 'direct': {
      const r = await new Promise<Record<string, unknown>>((resolve) => {
        worker.addEventListener('message', (e: MessageEvent) => e.data?.direct && resolve(e.data.direct));
        worker.postMessage({ op: 'bench-direct', n, db: q.get('db'), url });
      });
      if (r.error) throw new Error(String(r.error));
      return r;
    }
    case 'resume': {
      const c = await open(worker, url);
      c.on('error', () => {});
      await new Promise((r) => c.once('connected', r));
      const trials: number[] = [];
      const perTrial = Number(q.get('perTrial') ?? 2500);
      for (let k = 0; k < Number(q.get('trials') ?? 5); k++) {
        await c.suspend({ timeoutMs: 10_000 }); // everything so far acknowledged, then offline
        await c.record(makeSamples(perTrial, k * perTrial));
        await c.suspend(); // seals what was recorded while suspended
        const sent = firstSent(c);
        const t0 = performance.now();
        await c.resume();
        trials.push((await sent) - t0);
      }
      await c.flush({ timeoutMs: 30_000 });
      await c.close();
      return { trials };
    }
    case 'prepare': {
      const c = await open(worker, url); // an offline URL: nothing is sent
      await c.record(makeSamples(n, 0));
      await c.suspend();
      const st = await c.stats();
      await c.close();
      worker.terminate(); // lets the OPFS pool go for the next page
      return { sealed: st.sealedBatches };
    }
    case 'cold': {
      const created = performance.now();
      const c = await open(worker, url);
      const opened = performance.now();
      c.on('error', () => {});
      let connectedAt = NaN;
      c.once('connected', () => (connectedAt = performance.now()));
      const sentAt = await firstSent(c);
      await c.flush({ timeoutMs: 30_000 });
      await c.close();
      // Phases from navigation start: page script running, outbox open in the worker, connected, first PUBACK.
      return { fromNavigationMs: sentAt, fromCreateMs: sentAt - created, scriptMs: bootAt, openMs: opened, connectedMs: connectedAt };
    }
    case 'floor': {
      const bytes = new Uint8Array(await (await fetch('/batch.bin')).arrayBuffer());
      const trials: number[] = [];
      let firstFromNavigationMs = NaN; // the cold-start floor: page load + mqtt.js + token + connect + PUBACK
      for (let k = 0; k < Number(q.get('trials') ?? 5); k++) {
        const t0 = performance.now();
        const cred = await token();
        const m = await mqtt.connectAsync(url, { ...cred, clientId: `${device}-floor-${k}`, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
        await m.publishAsync(`fw/${q.get('tenant') ?? 'bench'}/${device}/up/batch`, bytes as never, { qos: 1 });
        trials.push(performance.now() - t0);
        if (k === 0) firstFromNavigationMs = performance.now();
        await m.endAsync();
      }
      return { trials, firstFromNavigationMs };
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

run().then(
  (r) => {
    bench.result = r;
    bench.done = true;
  },
  (e) => (bench.failed = String((e as Error)?.stack ?? e)),
);
