// Inside a dedicated Worker: runs the SDK client for a page's WorkerClient over postMessage. Storage is
// the OPFS outbox unless the page asks for memory; credentials are asked from the page when it passed a
// function (the worker sends { ask }, the page answers with credentials-reply).
import { openOpfsStorage } from '../adapters/opfs-storage.js';
import { MemoryStorage } from '../adapters/memory-storage.js';
import type { OutboxStorage } from '../adapters/storage.js';
import { type FleetwireClient, createClient } from '../client.js';
import { LinkError } from '../errors.js';
import type { ClientEvents, Credentials, CredentialsRequest, SampleRecord } from '../types.js';
import { type Reply, type Request, type WireOptions, toWire } from './protocol.js';

interface Port {
  postMessage(m: unknown): void;
  addEventListener(type: 'message', fn: (ev: { data: unknown }) => void): void;
}

export interface ServeOptions {
  /** Opens the outbox (default: memory when asked, else openOpfsStorage with the page's opfs options). */
  openStorage?: (o: WireOptions['storage']) => Promise<OutboxStorage>;
}

const EVENTS: Array<keyof ClientEvents> = ['connected', 'sent', 'dropped', 'config', 'error'];

/** Serves one client to the page that created this worker. Call once at the top of the worker script. */
export function serveWorkerClient(o: ServeOptions = {}, port: Port = globalThis as unknown as Port): void {
  let client: FleetwireClient | null = null;
  let asks = 0;
  const pending = new Map<number, { resolve(c: Credentials | undefined): void; reject(e: Error): void }>();
  const post = (m: Reply) => port.postMessage(m);
  const open =
    o.openStorage ??
    (async (s: WireOptions['storage']) => ('memory' in s && s.memory ? new MemoryStorage() : openOpfsStorage(('opfs' in s ? s.opfs : undefined) ?? {})));

  const askPage = (req: CredentialsRequest) =>
    new Promise<Credentials | undefined>((resolve, reject) => {
      const ask = ++asks;
      pending.set(ask, { resolve, reject });
      post({ ask, req });
    });

  async function handle(m: Request): Promise<unknown> {
    if (m.op === 'credentials-reply') {
      const p = pending.get(m.ask);
      pending.delete(m.ask);
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve(m.value);
      return undefined;
    }
    if (m.op === 'create') {
      if (client) throw new LinkError('client_closed', 'this worker already serves a client');
      const { storage, credentials, ...rest } = m.options;
      // The storage promise is not awaited here: the client connects while sqlite-wasm loads and the OPFS outbox opens.
      const c = await createClient({ ...rest, storage: open(storage), credentials: credentials === 'ask' ? askPage : credentials });
      for (const ev of EVENTS) c.on(ev, (...args: unknown[]) => post({ event: ev, args: ev === 'error' ? [toWire(args[0])] : args }));
      client = c;
      return { bootId: c.bootId };
    }
    if (!client) throw new LinkError('client_closed', 'no client: send create first');
    switch (m.op) {
      case 'record':
        return client.record(m.samples as SampleRecord[]);
      case 'flush':
        return client.flush(m.timeoutMs !== undefined ? { timeoutMs: m.timeoutMs } : {});
      case 'suspend':
        return client.suspend(m.timeoutMs !== undefined ? { timeoutMs: m.timeoutMs } : {});
      case 'resume':
        return client.resume();
      case 'stats':
        return client.stats();
      case 'close': {
        const c = client;
        client = null;
        return c.close();
      }
    }
  }

  port.addEventListener('message', (ev) => {
    const m = ev.data as Request;
    if (typeof m !== 'object' || m === null || typeof m.op !== 'string') return;
    handle(m).then(
      (value) => {
        if (m.op !== 'credentials-reply') post({ id: m.id, ok: true, value });
      },
      (e) => post({ id: m.id, ok: false, error: toWire(e) }),
    );
  });
}
