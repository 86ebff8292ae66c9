import { generateCity, synthesizeDrive, PROFILES, type ProfileName, type SimSample, type TruthEvent, type RoadGraph } from '../../src/core/index.js';

let city: RoadGraph | null = null;
export const testCity = (): RoadGraph => (city ??= generateCity());
export const T0 = Date.UTC(2025, 0, 6, 8);

export function collectDrive(profile: ProfileName, seed: string, durationMs: number, accelRateHz = 25): { samples: SimSample[]; events: TruthEvent[] } {
  const samples: SimSample[] = [];
  const events: TruthEvent[] = [];
  for (const c of synthesizeDrive({ graph: testCity(), profile: PROFILES[profile], seed, startMs: T0, durationMs, accelRateHz, chunkMs: 60_000 })) {
    for (const s of c.samples) samples.push(s);
    events.push(...c.events);
  }
  return { samples, events };
}

/**
 * Counts harsh episodes in an accelerometer stream the way a simple edge detector would: |signal| over
 * the threshold for >= minMs, episodes closer than 1.5 s merged. Gravity is removed from x by a slow mean.
 */
export function countEpisodes(samples: SimSample[], axis: 'x' | 'y', pred: (v: number) => boolean, minMs = 200): number {
  let count = 0;
  let runStart = -1;
  let lastEnd = -Infinity;
  let counted = false;
  for (const s of samples) {
    if (s.kind !== 'accel') continue;
    if (pred(s[axis])) {
      if (runStart < 0) {
        runStart = s.t;
        counted = s.t - lastEnd < 1500 && counted;
      }
      if (!counted && s.t - runStart >= minMs) {
        count++;
        counted = true;
      }
    } else if (runStart >= 0) {
      runStart = -1;
      lastEnd = s.t;
    }
  }
  return count;
}
