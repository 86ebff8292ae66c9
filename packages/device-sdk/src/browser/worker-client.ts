// On the page: a client whose SDK runs in a dedicated Worker (durable OPFS outbox; sync storage off the
// UI thread). Same calls as FleetwireClient, but stats() is async. record() resolves once the samples
// are durable in the worker's outbox.
import { TypedEmitter } from '../core/emitter.js';
import { LinkError } from '../errors.js';
import type { ClientEvents, ClientOptions, CredentialsOption, SampleRecord, Stats, SuspendOptions } from '../types.js';
import { type Reply, type Request, type WireOptions, type WorkerStorageOption, fromWire } from './protocol.js';

export type { WorkerStorageOption };

export type WorkerClientOptions = Omit<ClientOptions, 'storage' | 'tls'> & {
  /** Default { opfs: {} }: the durable outbox in the Origin Private File System. */
  storage?: WorkerStorageOption;
};

interface WorkerLike {
  postMessage(m: unknown): void;
  addEventListener(type: 'message', fn: (ev: { data: unknown }) => void): void;
  addEventListener(type: 'error', fn: (ev: { message?: string }) => void): void;
  terminate?(): void;
}

type Distribute<U> = U extends unknown ? Omit<U, 'id'> : never;

export class WorkerClient extends TypedEmitter<ClientEvents> {
  private seq = 0;
  private readonly calls = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  bootId = '';

  constructor(
    private readonly worker: WorkerLike,
    private readonly credentials: CredentialsOption | undefined,
  ) {
    super();
    worker.addEventListener('message', (ev) => this.onMessage(ev.data as Reply));
    worker.addEventListener('error', (ev) => {
      const e = new LinkError('client_closed', `fleetwire worker failed: ${ev.message ?? 'error'}`);
      for (const c of this.calls.values()) c.reject(e);
      this.calls.clear();
    });
  }

  call(m: Distribute<Request>): Promise<unknown> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id });
    });
  }

  private onMessage(m: Reply): void {
    if ('event' in m) {
      if (m.event === 'error' && this.listenerCount('error') === 0) return;
      this.emit(m.event, ...((m.event === 'error' ? [fromWire(m.args[0] as never)] : m.args) as never));
      return;
    }
    if ('ask' in m) return void this.answer(m.ask, m.req);
    const c = this.calls.get(m.id);
    if (!c) return;
    this.calls.delete(m.id);
    if (m.ok) c.resolve(m.value);
    else c.reject(fromWire(m.error));
  }

  private async answer(ask: number, req: Parameters<Extract<CredentialsOption, (...a: never[]) => unknown>>[0]): Promise<void> {
    const f = this.credentials;
    try {
      const value = typeof f === 'function' ? await f(req) : f;
      this.worker.postMessage({ id: 0, op: 'credentials-reply', ask, ...(value ? { value: { username: value.username, password: value.password } } : {}) });
    } catch (e) {
      this.worker.postMessage({ id: 0, op: 'credentials-reply', ask, error: String((e as Error)?.message ?? e) });
    }
  }

  record(input: SampleRecord | readonly SampleRecord[]): Promise<void> {
    return this.call({ op: 'record', samples: input }) as Promise<void>;
  }

  flush(o: { timeoutMs?: number } = {}): Promise<void> {
    return this.call({ op: 'flush', ...o }) as Promise<void>;
  }

  suspend(o: SuspendOptions = {}): Promise<void> {
    return this.call({ op: 'suspend', ...o }) as Promise<void>;
  }

  resume(): Promise<void> {
    return this.call({ op: 'resume' }) as Promise<void>;
  }

  stats(): Promise<Stats> {
    return this.call({ op: 'stats' }) as Promise<Stats>;
  }

  async close(): Promise<void> {
    await this.call({ op: 'close' });
  }
}

/**
 * Starts the SDK in `worker` (a dedicated Worker whose script calls serveWorkerClient()) and resolves once
 * its outbox is open. `credentials` may be a function: it runs on the page, asked before every connect.
 */
export async function createWorkerClient(worker: WorkerLike, options: WorkerClientOptions): Promise<WorkerClient> {
  const { storage, credentials, ...rest } = options;
  const c = new WorkerClient(worker, credentials);
  const wire: WireOptions = {
    ...rest,
    storage: storage ?? { opfs: {} },
    ...(credentials === undefined
      ? {}
      : { credentials: typeof credentials === 'function' ? 'ask' : { username: credentials.username, password: credentials.password } }),
  };
  const r = (await c.call({ op: 'create', options: wire })) as { bootId: string };
  c.bootId = r.bootId;
  return c;
}
