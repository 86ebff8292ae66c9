// Shared test helpers: stack env, unique names, bounded polling, free ports.
import { createServer } from 'node:net';

export interface StackEnv {
  brokers: string[];
  databaseUrl: string;
  redisUrl: string;
}

export function stackEnv(): StackEnv {
  const brokers = process.env.FW_KAFKA_BROKERS;
  const databaseUrl = process.env.FW_DATABASE_URL;
  const redisUrl = process.env.FW_REDIS_URL;
  if (!brokers || !databaseUrl || !redisUrl) {
    throw new Error('these tests need FW_KAFKA_BROKERS, FW_DATABASE_URL, FW_REDIS_URL (eval "$(bash scripts/stack env)")');
  }
  return { brokers: brokers.split(','), databaseUrl, redisUrl };
}

/** A short unique lower-case id: safe in topic names, Postgres schemas and device ids. */
export const uniq = (p: string): string => `${p}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value or ms pass (then throws naming `what` and the last error). */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 30_000, every = 200): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(every);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes (Linux /proc), or null when it is gone. */
export async function rssOf(pid: number): Promise<number | null> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Reads a Prometheus counter/gauge value (sum over label sets matching `labels`, a substring). */
export function metricValue(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+([-+0-9.eE]+|NaN)/.exec(line);
    if (!m || m[1] !== name) continue;
    if (labels && !(m[2] ?? '').includes(labels)) continue;
    sum += Number(m[3]);
  }
  return sum;
}
