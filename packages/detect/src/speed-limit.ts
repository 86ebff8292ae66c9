// Speeding against the applicable limit: the posted limit a fix carries (from the device, the app's map
// SDK or the scorer's speed-limit source), else the configured default for an unknown road.
import type { DetectConfig, RoadType } from './config.js';
import type { CleanFix } from './gps.js';

export interface SpeedingSample {
  /** Limit applied (cm/s). */
  limitCms: number;
  /** 'posted': a posted limit was known; 'default': a road-type default (say so in reports). */
  kind: 'posted' | 'default';
  /** Speed above limit x (1 + tolerance) + margin. */
  over: boolean;
}

export const kmhToCms = (kmh: number): number => Math.round((kmh / 3.6) * 100);

/** The limit that applies to a fix, or null when its speed is unknown. */
export function applicableLimit(f: CleanFix, cfg: DetectConfig, road: RoadType = 'unknown'): SpeedingSample | null {
  if (f.v < 0) return null;
  const posted = f.limitCms > 0 && !f.limitDefault;
  const limitCms = f.limitCms > 0 ? f.limitCms : kmhToCms(cfg.defaultLimitKmh[road]);
  const thresholdMs = (limitCms / 100) * (1 + cfg.speedingTolerance) + cfg.speedingMarginKmh / 3.6;
  return { limitCms, kind: posted ? 'posted' : 'default', over: f.v > thresholdMs };
}
