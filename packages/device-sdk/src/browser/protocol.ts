// Messages between a page (WorkerClient) and the dedicated Worker that runs the SDK (serveWorkerClient).
// Everything is structured-cloneable; errors travel as { name, code, message } and are rebuilt as the
// SDK's typed errors on the page.
import { ConfigError, type FleetwireError, LinkError, SampleError, StorageError } from '../errors.js';
import type { ClientEvents, ClientOptions, CredentialsRequest, Credentials } from '../types.js';

/** Where the worker keeps the outbox: OPFS (durable, default) or memory (tests, no durability). */
export type WorkerStorageOption = { opfs?: { name?: string; maxPageCount?: number; directory?: string } } | { memory: true };

/** ClientOptions as they cross to the worker: storage is described, credentials may stay a function on the page. */
export type WireOptions = Omit<ClientOptions, 'storage' | 'credentials' | 'tls'> & { storage: WorkerStorageOption; credentials?: Credentials | 'ask' };

export type Request =
  | { id: number; op: 'create'; options: WireOptions }
  | { id: number; op: 'record'; samples: unknown }
  | { id: number; op: 'flush'; timeoutMs?: number }
  | { id: number; op: 'suspend'; timeoutMs?: number }
  | { id: number; op: 'resume' }
  | { id: number; op: 'stats' }
  | { id: number; op: 'close' }
  | { id: number; op: 'credentials-reply'; ask: number; value?: Credentials; error?: string };

export interface WireError {
  name: string;
  code: string;
  message: string;
  extra?: Record<string, unknown>;
}

export type Reply =
  | { id: number; ok: true; value?: unknown }
  | { id: number; ok: false; error: WireError }
  | { event: keyof ClientEvents; args: unknown[] }
  | { ask: number; req: CredentialsRequest };

export function toWire(e: unknown): WireError {
  const o = e as { name?: string; code?: string; message?: string; option?: unknown; index?: number; field?: string; sqliteCode?: string };
  const extra: Record<string, unknown> = {};
  if (o?.option !== undefined) extra.option = o.option;
  if (o?.index !== undefined) extra.index = o.index;
  if (o?.field !== undefined) extra.field = o.field;
  if (o?.sqliteCode !== undefined) extra.sqliteCode = o.sqliteCode;
  return { name: o?.name ?? 'Error', code: o?.code ?? 'unknown', message: o?.message ?? String(e), extra };
}

export function fromWire(w: WireError): FleetwireError | Error {
  const x = w.extra ?? {};
  let e: FleetwireError | Error;
  switch (w.name) {
    case 'StorageError':
      e = new StorageError(w.code as StorageError['code'], w.message, x.sqliteCode as string | undefined);
      break;
    case 'LinkError':
      e = new LinkError(w.code as LinkError['code'], w.message);
      break;
    case 'SampleError':
      e = new SampleError(Number(x.index ?? 0), String(x.field ?? ''), undefined, w.message);
      break;
    case 'ConfigError':
      e = new ConfigError(String(x.option ?? ''), undefined, w.message);
      break;
    default:
      e = new Error(w.message);
  }
  // Keep the worker's exact message (the constructors above add their own prefixes).
  Object.defineProperty(e, 'message', { value: w.message });
  return e;
}
