/** Writes one synthetic drive as GPX or CSV (used to make the sample files). */
import type { AccelSample, GpsSample } from '@fleetwire/proto';
import type { ExportArgs } from './cli-args.js';
import { formatCsv, formatGpx } from './core/csv.js';
import { synthesizeDrive } from './core/drive.js';
import { getProfile } from './core/profiles.js';
import { generateCity } from './core/road-graph.js';

export function exportDrive(a: Omit<ExportArgs, 'command' | 'out'>, startMs = Date.UTC(2025, 0, 6, 8, 0, 0)): string {
  const graph = generateCity(a.centre ? { centre: a.centre } : {});
  const gps: GpsSample[] = [];
  const accel: AccelSample[] = [];
  for (const chunk of synthesizeDrive({ graph, profile: getProfile(a.profile), seed: a.seed, startMs, durationMs: a.durationMs, accelRateHz: a.accelHz })) {
    for (const s of chunk.samples) {
      const { kind, ...rest } = s;
      if (kind === 'gps') gps.push(rest as GpsSample);
      else if (a.withAccel) accel.push(rest as AccelSample);
    }
  }
  return a.format === 'gpx' ? formatGpx(gps, `fleetwire-sim ${a.profile} ${a.seed}`) : formatCsv({ gps, accel });
}
