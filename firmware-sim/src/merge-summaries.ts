// One fleet's progress and summary from those of its shards (a fleet split over worker threads).
import type { FleetProgress, FleetSummary } from './summary.js';

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

type NumericKey<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T];

/** Per key, the sum over the parts. */
function sums<T, K extends NumericKey<T>>(parts: readonly T[], keys: readonly K[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = parts.reduce<number>((a, p) => a + (p[k] as unknown as number), 0);
  return out;
}

const PROGRESS_SUMS = [
  'generated',
  'recorded',
  'sentSamples',
  'sentBatches',
  'droppedSamples',
  'pendingSamples',
  'rejected',
  'reconnects',
  'devices',
  'connected',
  'finished',
] as const;
const SUMMARY_SUMS = [
  'devices',
  'generated',
  'generatedGps',
  'generatedAccel',
  'recorded',
  'sentSamples',
  'sentBatches',
  'droppedSamples',
  'rejected',
  'unsent',
  'reconnects',
] as const;

/** Sums of the shards' counts; elapsed is the longest, simulated time the device-weighted mean. */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function mergeProgress(parts: readonly FleetProgress[]): FleetProgress {
  const t = sums(parts, PROGRESS_SUMS);
  return {
    ...t,
    elapsedMs: Math.max(0, ...parts.map((p) => p.elapsedMs)),
    simulatedMs: t.devices > 0 ? parts.reduce((a, p) => a + p.simulatedMs * p.devices, 0) / t.devices : 0,
  };
}

/** The summary of the whole fleet: counts summed, complete only if every shard is, devices by id. */
export function mergeSummaries(parts: readonly FleetSummary[]): FleetSummary {
  if (parts.length === 0) throw new RangeError('mergeSummaries needs at least one summary');
  const errors: Record<string, number> = {};
  const truth: Record<string, number> = {};
  for (const s of parts) {
    addCounts(errors, s.errors);
    addCounts(truth, s.truth);
  }
  const nets = parts.map((s) => s.network).filter((n): n is NonNullable<FleetSummary['network']> => n !== null);
  return {
    ...sums(parts, SUMMARY_SUMS),
    simulatedMs: Math.max(...parts.map((s) => s.simulatedMs)),
    wallMs: Math.max(...parts.map((s) => s.wallMs)),
    virtualStartMs: Math.min(...parts.map((s) => s.virtualStartMs)),
    complete: parts.every((s) => s.complete),
    aborted: parts.some((s) => s.aborted),
    network:
      nets.length === 0
        ? null
        : {
            cuts: nets.reduce((a, n) => a + n.cuts, 0),
            refused: nets.reduce((a, n) => a + n.refused, 0),
            connections: nets.reduce((a, n) => a + n.connections, 0),
          },
    errors,
    truth,
    perDevice: parts.flatMap((s) => s.perDevice).sort((a, b) => cmp(a.tenant, b.tenant) || cmp(a.deviceId, b.deviceId)),
  };
}
