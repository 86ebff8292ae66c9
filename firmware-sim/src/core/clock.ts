/**
 * Time warp: a virtual clock running `speedup` times faster than the real one (60 = one simulated
 * hour per real minute; Infinity = as fast as possible), and an async iterator that releases each
 * chunk of a drive only once the virtual clock has passed the chunk's end. Real time and sleeping are
 * injected, so this stays testable without timers.
 */
import type { SampleChunk } from './samples.js';

export interface TimeSource {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class VirtualClock {
  private readonly realOrigin: number;

  constructor(
    /** Virtual epoch ms at the moment of construction. */
    readonly virtualOrigin: number,
    readonly speedup: number,
    readonly time: TimeSource,
  ) {
    if (!(speedup > 0)) throw new RangeError(`speedup must be > 0 (or Infinity), got ${speedup}`);
    this.realOrigin = time.now();
  }

  /** Current virtual time (for Infinity: the origin; pacing is disabled). */
  now(): number {
    if (this.speedup === Infinity) return this.virtualOrigin;
    return this.virtualOrigin + (this.time.now() - this.realOrigin) * this.speedup;
  }

  /** Real milliseconds until the virtual clock reaches `virtualMs` (0 if already past). */
  realDelayUntil(virtualMs: number): number {
    if (this.speedup === Infinity) return 0;
    return Math.max(0, (virtualMs - this.virtualOrigin) / this.speedup - (this.time.now() - this.realOrigin));
  }

  async waitUntil(virtualMs: number, signal?: AbortSignal): Promise<void> {
    const d = this.realDelayUntil(virtualMs);
    if (d > 0) await this.time.sleep(d, signal);
  }
}

/** Paces a chunk generator by the virtual clock: each chunk is yielded once virtual time reaches its end. */
export async function* warp(chunks: Iterable<SampleChunk>, clock: VirtualClock, signal?: AbortSignal): AsyncGenerator<SampleChunk, void, undefined> {
  for (const chunk of chunks) {
    if (signal?.aborted) return;
    await clock.waitUntil(chunk.toMs, signal);
    if (signal?.aborted) return;
    yield chunk;
  }
}

/** Wall-clock time source with abortable sleep. */
export const realTime: TimeSource = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Parses "90s", "30m", "2h", "1h30m", "500ms" or a plain number of seconds into milliseconds. */
export function parseDuration(text: string): number {
  const s = String(text).trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
    total += Number(m[1]) * unit;
    pos = re.lastIndex;
  }
  if (s === '' || pos !== s.length) throw new RangeError(`bad duration "${text}" (use e.g. 90s, 30m, 2h, 1h30m, 500ms)`);
  return Math.round(total);
}
