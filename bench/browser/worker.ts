// The bench worker: serves the SDK client to the page (OPFS outbox), and runs the bulk record() loop
// inside the worker when asked (op 'bench-direct'), with no postMessage per call.
import { createClient, openOpfsStorage, serveWorkerClient } from '@fleetwire/device-sdk/worker';
import { recordStream, WARMUP_SAMPLES } from '../lib-drive.js';

const scope = globalThis as unknown as {
  addEventListener(t: 'message', f: (e: { data: { op?: string; n?: number; db?: string; url?: string } }) => void): void;
  postMessage(m: unknown): void;
};
scope.addEventListener('message', (e) => {
  if (e.data?.op !== 'bench-direct') return;
  const { n = 100_000, db, url } = e.data;
  void (async () => {
    const c = await createClient({
      deviceId: 'bench-direct',
      tenant: 'bench',
      url: url!,
      storage: await openOpfsStorage({ name: db ?? '/bench-direct.db' }),
      reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    c.on('error', () => {});
    const rate = await recordStream(
      (s) => c.record(s),
      (s) => c.record(s),
      n,
      false,
    );
    const recorded = c.stats().recorded;
    await c.close();
    if (recorded !== n + WARMUP_SAMPLES) throw new Error(`recorded ${recorded} of ${n + WARMUP_SAMPLES}`);
    return { rate };
  })().then(
    (direct) => scope.postMessage({ direct }),
    (err) => scope.postMessage({ direct: { error: String(err?.stack ?? err) } }),
  );
});
serveWorkerClient();
