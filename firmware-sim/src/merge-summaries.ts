// One fleet's progress and summary from those of its shards (a fleet split over worker threads).
import type { FleetProgress, FleetSummary } from './summary.js';

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Sums of the shards' counts; elapsed is the longest, simulated time the device-weighted mean. */
export function mergeProgress(parts: readonly FleetProgress[]): FleetProgress {
  const sum = (f: (p: FleetProgress) => number) => parts.reduce((a, p) => a + f(p), 0);
  const devices = sum((p) => p.devices);
  return {
    generated: sum((p) => p.generated),
    recorded: sum((p) => p.recorded),
    sentSamples: sum((p) => p.sentSamples),
    sentBatches: sum((p) => p.sentBatches),
    droppedSamples: sum((p) => p.droppedSamples),
    pendingSamples: sum((p) => p.pendingSamples),
    rejected: sum((p) => p.rejected),
    reconnects: sum((p) => p.reconnects),
    devices,
    connected: sum((p) => p.connected),
    finished: sum((p) => p.finished),
    elapsedMs: Math.max(0, ...parts.map((p) => p.elapsedMs)),
    simulatedMs: devices > 0 ? sum((p) => p.simulatedMs * p.devices) / devices : 0,
  };
}

/** The summary of the whole fleet: counts summed, complete only if every shard is, devices by id. */
export function mergeSummaries(parts: readonly FleetSummary[]): FleetSummary {
  if (parts.length === 0) throw new RangeError('mergeSummaries needs at least one summary');
  const sum = (f: (s: FleetSummary) => number) => parts.reduce((a, s) => a + f(s), 0);
  const errors: Record<string, number> = {};
  const truth: Record<string, number> = {};
  for (const s of parts) {
    addCounts(errors, s.errors);
    addCounts(truth, s.truth);
  }
  const nets = parts.map((s) => s.network).filter((n): n is NonNullable<FleetSummary['network']> => n !== null);
  return {
    devices: sum((s) => s.devices),
    simulatedMs: Math.max(...parts.map((s) => s.simulatedMs)),
    wallMs: Math.max(...parts.map((s) => s.wallMs)),
    virtualStartMs: Math.min(...parts.map((s) => s.virtualStartMs)),
    generated: sum((s) => s.generated),
    generatedGps: sum((s) => s.generatedGps),
    generatedAccel: sum((s) => s.generatedAccel),
    recorded: sum((s) => s.recorded),
    sentSamples: sum((s) => s.sentSamples),
    sentBatches: sum((s) => s.sentBatches),
    droppedSamples: sum((s) => s.droppedSamples),
    rejected: sum((s) => s.rejected),
    unsent: sum((s) => s.unsent),
    reconnects: sum((s) => s.reconnects),
    complete: parts.every((s) => s.complete),
    aborted: parts.some((s) => s.aborted),
    network: nets.length === 0 ? null : { cuts: nets.reduce((a, n) => a + n.cuts, 0), refused: nets.reduce((a, n) => a + n.refused, 0), connections: nets.reduce((a, n) => a + n.connections, 0) },
    errors,
    truth,
    perDevice: parts.flatMap((s) => s.perDevice).sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0)),
  };
}
