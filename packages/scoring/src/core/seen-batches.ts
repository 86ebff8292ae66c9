// The batches a device state remembers as processed, for de-duplication inside the core: the last N
// (boot, seq) keys in the order they were processed, stored run-length encoded. A device sends seq 1, 2, 3, ...
// per boot, so 64 remembered keys are one or two runs (~30 bytes of JSON) instead of 64 strings of
// "<tenant>/<device>/<boot>/<seq>" (~1.5 KB, half of a persisted state, written on every batch).
// The encoding is exact: hasSeen and markSeen behave as a list of keys, oldest first, capped at N.
import { batchKey } from '@fleetwire/proto';

/** [bootId, firstSeq, count]: seqs firstSeq .. firstSeq + count - 1 of that boot, processed in that order. */
export type SeenRun = [string, number, number];
/** Oldest run first. */
export type SeenRuns = SeenRun[];

export function hasSeen(runs: SeenRuns, bootId: string, seq: number): boolean {
  for (const [b, first, count] of runs) if (b === bootId && seq >= first && seq < first + count) return true;
  return false;
}

/** Remembers (bootId, seq) as the newest key and forgets the oldest beyond `cap`. The caller checks hasSeen first. */
export function markSeen(runs: SeenRuns, bootId: string, seq: number, cap: number): void {
  const last = runs[runs.length - 1];
  if (last && last[0] === bootId && last[1] + last[2] === seq) last[2]++;
  else runs.push([bootId, seq, 1]);
  let total = 0;
  for (const r of runs) total += r[2];
  while (total > cap) {
    const oldest = runs[0]!;
    const drop = Math.min(oldest[2], total - cap);
    oldest[1] += drop;
    oldest[2] -= drop;
    total -= drop;
    if (oldest[2] === 0) runs.shift();
  }
}

/** The keys the runs stand for, oldest first, in proto's batchKey form (for tests and inspection). */
export function seenKeys(runs: SeenRuns, tenant: string, deviceId: string): string[] {
  const keys: string[] = [];
  for (const [b, first, count] of runs) for (let i = 0; i < count; i++) keys.push(batchKey(tenant, deviceId, b, first + i));
  return keys;
}

/**
 * Appends keys persisted as strings (by scorers before `seen`, or by one rolled back to that version) as the
 * newest: proto's batchKey "<tenant>/<device>/<boot>/<seq>" or the older "boot:seq". A key that parses as
 * neither (no integer seq) is dropped: it could never match a batch.
 */
export function markSeenKeys(runs: SeenRuns, keys: readonly string[], tenant: string, deviceId: string, cap: number): void {
  const prefix = batchKey(tenant, deviceId, '', '').slice(0, -1); // "<tenant>/<device>/"
  for (const k of keys) {
    const [body, sep] = k.startsWith(prefix) ? [k.slice(prefix.length), '/'] : [k, ':'];
    const i = body.lastIndexOf(sep);
    const seqText = body.slice(i + 1);
    const seq = Number(seqText);
    if (i < 0 || seqText === '' || !Number.isInteger(seq)) continue;
    const boot = body.slice(0, i);
    if (!hasSeen(runs, boot, seq)) markSeen(runs, boot, seq, cap);
  }
}
