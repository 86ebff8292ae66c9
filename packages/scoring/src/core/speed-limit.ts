// Pluggable posted-speed-limit lookup for fixes that arrive without one (the device or partner did not
// send it). A source may know the posted limit, or only the road type (then the road type's default is
// used and marked as a default). Without any, the detector applies the default for an unknown road.
import { kmhToCms, type RoadType } from '@fleetwire/detect';
import type { TelemetryInput } from './engine.js';

export interface SpeedLimitQuery {
  t: number;
  latE7: number;
  lonE7: number;
  /** Centidegrees, -1 unknown (direction-dependent limits). */
  headingCdeg: number;
}

export interface SpeedLimitAnswer {
  /** Posted limit in km/h, when known. */
  limitKmh?: number;
  /** Road type, when the limit itself is not known. */
  roadType?: RoadType;
}

export interface SpeedLimitSource {
  readonly name: string;
  /** One answer (or null = unknown) per query, same order. May be async (a map service). */
  lookup(points: readonly SpeedLimitQuery[]): Promise<(SpeedLimitAnswer | null)[]> | (SpeedLimitAnswer | null)[];
}

export interface SpeedLimitDefaults {
  defaultLimitKmh: Readonly<Record<RoadType, number>>;
}

/** Fills speedLimitCms (and limitDefault) for the fixes of `input` that carry no limit. Returns fixes filled. */
export async function applySpeedLimits(input: TelemetryInput, source: SpeedLimitSource, defaults?: SpeedLimitDefaults): Promise<number> {
  const g = input.gps;
  const n = g.t.length;
  const lim = g.speedLimitCms && g.speedLimitCms.length === n ? g.speedLimitCms : new Int32Array(n);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (!(lim[i]! > 0)) idx.push(i);
  if (idx.length === 0) return 0;
  const answers = await source.lookup(idx.map((i) => ({ t: g.t[i]!, latE7: g.latE7[i]!, lonE7: g.lonE7[i]!, headingCdeg: g.headingCdeg[i] ?? -1 })));
  const isDefault = g.limitDefault && g.limitDefault.length === n ? g.limitDefault : new Uint8Array(n);
  let filled = 0;
  idx.forEach((i, k) => {
    const a = answers[k];
    if (!a) return;
    if (a.limitKmh !== undefined && a.limitKmh > 0 && a.limitKmh <= 300) {
      lim[i] = kmhToCms(a.limitKmh);
      filled++;
    } else if (a.roadType && defaults) {
      lim[i] = kmhToCms(defaults.defaultLimitKmh[a.roadType]);
      isDefault[i] = 1;
      filled++;
    }
  });
  g.speedLimitCms = lim;
  g.limitDefault = isDefault;
  return filled;
}

/** A source from a list of zones (bounding boxes) with a limit or a road type; first match wins. */
export interface SpeedLimitZone {
  /** [minLat, minLon, maxLat, maxLon], degrees. */
  bbox: [number, number, number, number];
  limitKmh?: number;
  roadType?: RoadType;
}

export class ZoneSpeedLimits implements SpeedLimitSource {
  readonly name = 'zones';
  constructor(private readonly zones: readonly SpeedLimitZone[]) {
    for (const z of zones) {
      const [a, b, c, d] = z.bbox;
      if (!(a <= c && b <= d) || Math.abs(a) > 90 || Math.abs(c) > 90 || Math.abs(b) > 180 || Math.abs(d) > 180)
        throw new Error(`speed-limit zone bbox ${JSON.stringify(z.bbox)} is not [minLat, minLon, maxLat, maxLon]`);
      if (z.limitKmh === undefined && z.roadType === undefined) throw new Error('speed-limit zone needs limitKmh or roadType');
    }
  }
  lookup(points: readonly SpeedLimitQuery[]): (SpeedLimitAnswer | null)[] {
    return points.map((p) => {
      const lat = p.latE7 / 1e7;
      const lon = p.lonE7 / 1e7;
      const z = this.zones.find((x) => lat >= x.bbox[0] && lat <= x.bbox[2] && lon >= x.bbox[1] && lon <= x.bbox[3]);
      return z ? { ...(z.limitKmh !== undefined ? { limitKmh: z.limitKmh } : {}), ...(z.roadType ? { roadType: z.roadType } : {}) } : null;
    });
  }
}
