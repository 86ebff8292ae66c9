// Shared test helpers: stack env, unique names, bounded polling and free ports come from
// @fleetwire/test-kit (one copy for every workspace); the rest is for the system tests only.
import { until as pollUntil } from '@fleetwire/test-kit';

export { freePort, stackEnv, uniq, type StackEnv } from '@fleetwire/test-kit';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value or ms pass (then throws naming `what` and the last error); every 200 ms. */
export function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 30_000, every = 200): Promise<T> {
  return pollUntil(what, fn, ms, every);
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
