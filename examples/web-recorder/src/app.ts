/// <reference lib="dom" />
// The page: sensors -> SDK (in a Worker) -> gateway. Geolocation and DeviceMotion exist only on the main
// thread, so samples are posted to the worker, which keeps the durable outbox. Lifecycle: suspend when
// the page is hidden, resume when it is visible again or the network comes back. The form can be
// prefilled from the query: ?gateway=wss://host:8080/mqtt&device=phone-1&tenant=acme&token=/token
import { createWorkerClient, type SampleRecord, type WorkerClient } from '@fleetwire/device-sdk';
import { bindSensors, requestMotionPermission } from './sensors.js';

const $ = (id: string) => document.getElementById(id) as HTMLInputElement;
const out = $('out');
let client: WorkerClient | null = null;
let worker: Worker | null = null;
let unbind: (() => void) | null = null;
let poll: ReturnType<typeof setInterval> | null = null;
let lastError = '';
// Sensor callbacks arrive at up to 60 Hz. The page hands them to the SDK once a second as one array: one
// message and one OPFS commit a second instead of ~51 (a quarter of the CPU, bench sdk-wire). The price:
// the last second lives only in page memory until then, and is lost if the tab dies before.
let buffer: SampleRecord[] = [];

function recordBuffered(): Promise<void> {
  const c = client;
  const b = buffer;
  buffer = [];
  if (!c || b.length === 0) return Promise.resolve();
  return c.record(b).catch(async (e: Error & { code?: string }) => {
    if (e.code !== 'sample_invalid') return log(e.message);
    // A bad sample rejects the whole call and keeps nothing of it: record one by one, losing only that one.
    for (const s of b) await c.record(s).catch((x: Error) => log(x.message));
  });
}

const q = new URLSearchParams(location.search);
for (const [param, id] of [
  ['gateway', 'url'],
  ['device', 'device'],
  ['tenant', 'tenant'],
  ['token', 'token'],
] as const) {
  const v = q.get(param);
  if (v) $(id).value = v;
}

async function start(): Promise<void> {
  $('start').disabled = true;
  await requestMotionPermission(); // called inside the tap, before any other await: iOS asks only from a user gesture
  const deviceId = $('device').value;
  const tokenUrl = new URL($('token').value, location.href);
  tokenUrl.searchParams.set('device', deviceId);
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  client = await createWorkerClient(worker, {
    deviceId,
    tenant: $('tenant').value,
    url: $('url').value,
    // One outbox per device id: what another id left unsent is never shipped under this one.
    storage: { opfs: { name: `/fleetwire-${deviceId}.db` } },
    sampleRates: { gpsHz: 1, accelHz: 50 },
    detection: true,
    // Short-lived tokens from the app backend, fetched before every (re)connect.
    credentials: async () => {
      const r = await fetch(tokenUrl, { cache: 'no-store' });
      if (!r.ok) throw new Error(`token endpoint answered ${r.status}`);
      return { username: deviceId, password: await r.text() };
    },
  });
  client.on('error', (e) => log(`${e.code}: ${e.message}`));
  unbind = bindSensors((s) => buffer.push(s));
  poll = setInterval(() => {
    void recordBuffered();
    void show('recording');
  }, 1000);
  $('stop').disabled = false;
}

async function show(state: string): Promise<void> {
  const s = await client?.stats().catch(() => null);
  if (!s) return;
  out.dataset.state = state;
  out.dataset.recorded = String(s.recorded);
  out.dataset.sent = String(s.sent.samples);
  out.dataset.events = String(s.events);
  // sent.samples counts every row of the acknowledged batches: the samples and the edge events.
  out.textContent = `${state}: recorded ${s.recorded}  events ${s.events}  sent ${s.sent.samples}  pending ${s.pendingSamples}  batches waiting ${s.sealedBatches}\nconnected ${s.connected}  suspended ${s.suspended}  reconnects ${s.reconnects}${lastError ? `\nlast error: ${lastError}` : ''}`;
}

function log(m: string): void {
  lastError = m;
  console.warn(m);
}

async function stop(): Promise<void> {
  $('stop').disabled = true;
  unbind?.();
  unbind = null;
  if (poll) clearInterval(poll);
  await recordBuffered();
  await client?.flush({ timeoutMs: 10_000 }).catch((e: Error) => log(e.message));
  await show('stopped');
  await client?.close().catch(() => undefined);
  // The worker holds the OPFS pool until it ends: let it go, so the next drive (or tab) can open it.
  worker?.terminate();
  client = null;
  worker = null;
  $('start').disabled = false;
}

document.addEventListener('visibilitychange', () => {
  if (!client) return;
  if (document.visibilityState === 'hidden') {
    void recordBuffered(); // posted before the suspend, so sealed with it
    void client.suspend({ timeoutMs: 2000 });
  } else void client.resume();
});
addEventListener('online', () => void client?.resume());

$('start').onclick = () =>
  void start().catch((e: Error) => {
    out.textContent = `failed: ${e.message}`;
    out.dataset.state = 'failed';
    $('start').disabled = false;
  });
$('stop').onclick = () => void stop();
