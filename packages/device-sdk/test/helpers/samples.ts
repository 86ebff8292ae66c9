// Deterministic sample streams and checks over decoded batches.
import { accelColumns, type DeviceBatch, gpsColumns } from '@fleetwire/proto';
import type { SampleRecord } from '../../src/index.js';

export const T0 = Date.UTC(2024, 4, 1, 8, 0, 0);

/** Sample i of a 100 Hz accelerometer stream with a GPS fix every 100th sample. Unique values per i. */
export function sample(i: number): SampleRecord {
  if (i % 100 === 99) {
    return { kind: 'gps', t: T0 + i * 10, lat: 48 + i * 1e-6, lon: 11 + i * 1e-6, speed: 10 + (i % 7), heading: (i / 100) % 360, hdop: 0.9, alt: 500 };
  }
  return { kind: 'accel', t: T0 + i * 10, x: ((i % 2000) - 1000) / 1000, y: (i % 97) / 1000, z: 1 };
}

export function samples(from: number, to: number): SampleRecord[] {
  const out: SampleRecord[] = [];
  for (let i = from; i < to; i++) out.push(sample(i));
  return out;
}

/** Deduplicates by (device_id, boot_id, seq) and orders by seq. */
export function dedupe(batches: readonly DeviceBatch[]): { unique: DeviceBatch[]; duplicates: number } {
  const seen = new Map<string, DeviceBatch>();
  for (const b of batches) seen.set(`${b.deviceId}/${b.bootId}/${String(b.seq)}`, b);
  const unique = [...seen.values()].sort((a, b) => Number(a.seq) - Number(b.seq));
  return { unique, duplicates: batches.length - unique.length };
}

/** Recovers the sample indexes from the decoded batches, in batch order (time order within a batch). */
export function sampleIndexes(unique: readonly DeviceBatch[]): number[] {
  const out: number[] = [];
  for (const b of unique) {
    const idx: { t: number; i: number }[] = [];
    const a = accelColumns(b.accel);
    for (let k = 0; k < a.t.length; k++) {
      const i = Math.round((a.t[k]! - T0) / 10);
      const s = sample(i);
      if (s.kind !== 'accel' || Math.round(s.x * 1000) !== a.xMg[k] || Math.round(s.y * 1000) !== a.yMg[k])
        throw new Error(`accel sample ${i} has wrong values`);
      idx.push({ t: a.t[k]!, i });
    }
    const g = gpsColumns(b.gps);
    for (let k = 0; k < g.t.length; k++) {
      const i = Math.round((g.t[k]! - T0) / 10);
      const s = sample(i);
      if (s.kind !== 'gps' || Math.round(s.lat * 1e7) !== g.latE7[k]) throw new Error(`gps sample ${i} has wrong values`);
      idx.push({ t: g.t[k]!, i });
    }
    idx.sort((x, y) => x.t - y.t);
    for (const x of idx) out.push(x.i);
  }
  return out;
}

/** Asserts indexes are exactly 0..n-1 in order; returns a description of the first problem or null. */
export function checkComplete(idx: readonly number[], n: number): string | null {
  if (idx.length !== n) {
    const seen = new Set(idx);
    let missing = -1;
    for (let i = 0; i < n; i++)
      if (!seen.has(i)) {
        missing = i;
        break;
      }
    return `got ${idx.length} samples, expected ${n}; first missing ${missing}`;
  }
  for (let i = 0; i < n; i++) if (idx[i] !== i) return `sample at position ${i} is ${idx[i]}`;
  return null;
}
