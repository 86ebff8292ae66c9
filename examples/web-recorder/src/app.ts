/// <reference lib="dom" />
// The page: sensors -> SDK (in a Worker) -> gateway. Geolocation and DeviceMotion exist only on the main
// thread, so samples are posted to the worker, which keeps the durable outbox. Lifecycle: suspend when
// the page is hidden, resume when it is visible again or the network comes back.
import { createWorkerClient, type WorkerClient } from '@fleetwire/device-sdk';
import { bindSensors } from './sensors.js';

const $ = (id: string) => document.getElementById(id) as HTMLInputElement;
const out = $('out');
let client: WorkerClient | null = null;
let unbind: (() => void) | null = null;

async function start(): Promise<void> {
  const deviceId = $('device').value;
  client = await createWorkerClient(new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }), {
    deviceId,
    tenant: $('tenant').value,
    url: $('url').value,
    sampleRates: { gpsHz: 1, accelHz: 50 },
    detection: true,
    // Short-lived tokens from the app backend, fetched before every (re)connect.
    credentials: async () => {
      const r = await fetch($('token').value, { cache: 'no-store' });
      if (!r.ok) throw new Error(`token endpoint answered ${r.status}`);
      return { username: deviceId, password: await r.text() };
    },
  });
  client.on('error', (e) => log(`${e.code}: ${e.message}`));
  unbind = await bindSensors((s) => void client?.record(s).catch((e: Error) => log(e.message)));
  setInterval(async () => {
    if (!client) return;
    const s = await client.stats();
    out.textContent = `recorded ${s.recorded}  sent ${s.sent.samples}  pending ${s.pendingSamples}  batches waiting ${s.sealedBatches}\nconnected ${s.connected}  suspended ${s.suspended}  reconnects ${s.reconnects}`;
  }, 1000);
  $('start').disabled = true;
  $('stop').disabled = false;
}

function log(m: string): void {
  console.warn(m);
}

document.addEventListener('visibilitychange', () => {
  if (!client) return;
  if (document.visibilityState === 'hidden') void client.suspend({ timeoutMs: 2000 });
  else void client.resume();
});
addEventListener('online', () => void client?.resume());

$('start').onclick = () => void start().catch((e: Error) => (out.textContent = e.message));
$('stop').onclick = async () => {
  unbind?.();
  await client?.flush({ timeoutMs: 10_000 }).catch(() => undefined);
  await client?.close();
  client = null;
  $('start').disabled = false;
  $('stop').disabled = true;
};
