/** Progress and summary shapes of a fleet run, and their text rendering. */

export interface Totals {
  /** Samples the simulator produced. */
  generated: number;
  /** From the clients' stats(). */
  recorded: number;
  sentSamples: number;
  sentBatches: number;
  droppedSamples: number;
  pendingSamples: number;
  /** Samples whose record() call was rejected (SampleError/StorageError). */
  rejected: number;
  reconnects: number;
}

export const emptyTotals = (): Totals => ({
  generated: 0,
  recorded: 0,
  sentSamples: 0,
  sentBatches: 0,
  droppedSamples: 0,
  pendingSamples: 0,
  rejected: 0,
  reconnects: 0,
});

export interface FleetProgress extends Totals {
  devices: number;
  connected: number;
  finished: number;
  elapsedMs: number;
  /** Mean simulated time the devices' drives have reached. */
  simulatedMs: number;
}

/** One device's totals (see Totals) and what else is known about it. */
export interface DeviceSummary extends Totals {
  /** The device is (tenant, deviceId). */
  tenant: string;
  deviceId: string;
  profile: string;
  sealedUnacked: number;
  errors: Record<string, number>;
  /** Ground-truth driving events (harsh_braking, light_stop, trip_start, ...). */
  truth: Record<string, number>;
}

export interface FleetSummary {
  devices: number;
  simulatedMs: number;
  wallMs: number;
  virtualStartMs: number;
  generated: number;
  generatedGps: number;
  generatedAccel: number;
  recorded: number;
  /** Samples in batches acknowledged by the gateway (PUBACK). */
  sentSamples: number;
  sentBatches: number;
  droppedSamples: number;
  rejected: number;
  /** Recorded but neither acknowledged nor dropped when the run ended (stays in the outboxes). */
  unsent: number;
  reconnects: number;
  /** Every recorded sample acknowledged or accounted as dropped, nothing rejected, not aborted. */
  complete: boolean;
  aborted: boolean;
  network: { cuts: number; refused: number; connections: number } | null;
  errors: Record<string, number>;
  truth: Record<string, number>;
  perDevice: DeviceSummary[];
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : String(n));

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function progressLine(p: FleetProgress, totalSimMs: number): string {
  const pct = Number.isFinite(p.simulatedMs) ? ` ${((100 * p.simulatedMs) / totalSimMs).toFixed(0)}%` : '';
  return (
    `sim ${formatDuration(p.simulatedMs)}/${formatDuration(totalSimMs)}${pct} | wall ${formatDuration(p.elapsedMs)} | ` +
    `devices ${p.connected}/${p.devices} connected, ${p.finished} done | recorded ${fmt(p.recorded)} sent ${fmt(p.sentSamples)} ` +
    `(${fmt(p.sentBatches)} batches) pending ${fmt(p.pendingSamples)} dropped ${fmt(p.droppedSamples)} rejected ${fmt(p.rejected)} reconnects ${p.reconnects}`
  );
}

export function formatSummary(s: FleetSummary): string {
  const lines = [
    `fleetwire-sim: ${s.devices} devices, ${formatDuration(s.simulatedMs)} simulated in ${formatDuration(s.wallMs)} wall${s.aborted ? ' (aborted)' : ''}`,
    `  generated ${s.generated} samples (gps ${s.generatedGps}, accel ${s.generatedAccel})`,
    `  recorded  ${s.recorded}`,
    `  sent/acked ${s.sentSamples} samples in ${s.sentBatches} batches`,
    `  dropped   ${s.droppedSamples}`,
    `  rejected  ${s.rejected}`,
    `  unsent    ${s.unsent} (left in the outboxes)`,
    `  reconnects ${s.reconnects}${s.network ? `, network cuts ${s.network.cuts}, refused connects ${s.network.refused}` : ''}`,
  ];
  if (Object.keys(s.truth).length > 0)
    lines.push(
      `  driving   ${Object.entries(s.truth)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
  if (Object.keys(s.errors).length > 0)
    lines.push(
      `  errors    ${Object.entries(s.errors)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
  lines.push(`  result    ${s.complete ? 'complete: every recorded sample acknowledged' : 'INCOMPLETE'}`);
  return lines.join('\n');
}
