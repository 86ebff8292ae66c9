// Sample streams shared by the SDK benches (Node and the Chromium page bundle the same code, so both
// record the same stream). Pure: no Node built-ins.
import type { SampleRecord } from '@fleetwire/device-sdk';

export const DRIVE_T0 = Date.UTC(2024, 4, 1);

/** Sample i of a 100 Hz accelerometer stream with a GPS fix every 100th sample (1 Hz), from `t0`. */
export function benchSample(i: number, t0 = DRIVE_T0): SampleRecord {
  return i % 100 === 99
    ? { kind: 'gps', t: t0 + i * 10, lat: 48 + i * 1e-6, lon: 11 + i * 1e-6, speed: 12.5, heading: 90, hdop: 0.9, alt: 500 }
    : { kind: 'accel', t: t0 + i * 10, x: ((i % 2000) - 1000) / 1000, y: (i % 97) / 1000, z: 1 };
}

/** Samples [from, to) of the bench stream. */
export function makeSamples(n: number, from = 0, t0 = DRIVE_T0): SampleRecord[] {
  const out: SampleRecord[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = benchSample(from + i, t0);
  return out;
}

export const WARMUP_SAMPLES = 5000;
export const RECORD_CHUNK = 1000;

/**
 * The record() loop every platform runs the same way: a warm-up of WARMUP_SAMPLES (untimed), then `n`
 * samples as arrays of RECORD_CHUNK awaited one after another (single=false), or as RECORD_CHUNK
 * one-sample calls per tick (single=true, what an app does with a sensor callback). Returns samples/s.
 */
export async function recordStream(
  record: (s: SampleRecord) => Promise<unknown>,
  recordMany: (s: SampleRecord[]) => Promise<unknown>,
  n: number,
  single: boolean,
): Promise<number> {
  const warm = makeSamples(WARMUP_SAMPLES, 0);
  for (let i = 0; i < warm.length; i += RECORD_CHUNK) await recordMany(warm.slice(i, i + RECORD_CHUNK));
  const samples = makeSamples(n, WARMUP_SAMPLES);
  const t0 = performance.now();
  for (let i = 0; i < samples.length; i += RECORD_CHUNK) {
    const part = samples.slice(i, i + RECORD_CHUNK);
    if (single) await Promise.all(part.map((s) => record(s)));
    else await recordMany(part);
  }
  return (n * 1000) / (performance.now() - t0);
}
