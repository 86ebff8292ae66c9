// Every feature a model card may name, as a function of additive TripSums (so a trip and a period, the
// sum of its trips, share one definition). v1 cards use FEATURES (features.ts) in that exact order;
// v2 cards name features of this table. training/features.py mirrors both.
import { FEATURES, featuresFromSums, type TripSums } from './features.js';

/** Pseudo-exposure (km) added to the distance of v2 event rates: a 2 km trip with one hard brake is
 * 14 per 100 km, not 50 (credibility: short trips say little). */
export const V2_PSEUDO_KM = 5;

const rate = (n: number, s: TripSums) => (100 * n) / (s.distance_m / 1000 + V2_PSEUDO_KM);

const V2: Record<string, (s: TripSums) => number> = {
  braking_per_100km_adj: (s) => rate(s.harsh_braking, s),
  acceleration_per_100km_adj: (s) => rate(s.harsh_acceleration, s),
  cornering_per_100km_adj: (s) => rate(s.harsh_cornering, s),
  speeding_share: (s) => (s.moving_s > 0 ? Math.min(1, s.speeding_s / s.moving_s) : 0),
  night_share: (s) => (s.duration_s > 0 ? Math.min(1, s.night_s / s.duration_s) : 0),
  // Share of the moving time with the phone in use (v2.1+).
  phone_use_share: (s) => (s.moving_s > 0 ? Math.min(1, (s.phone_use_s ?? 0) / s.moving_s) : 0),
};

export const FEATURES_V2 = Object.freeze(Object.keys(V2));

export const KNOWN_FEATURES: ReadonlySet<string> = new Set([...FEATURES, ...FEATURES_V2]);

/** The feature vector a card asks for, in its order. Unknown names throw (checkFeatures refuses them first). */
export function featureVector(s: TripSums, names: readonly string[]): number[] {
  let v1: number[] | null = null;
  return names.map((n) => {
    const f = V2[n];
    let v: number;
    if (f) v = f(s);
    else {
      const i = FEATURES.indexOf(n as (typeof FEATURES)[number]);
      if (i < 0) throw new Error(`unknown feature "${n}"`);
      v1 ??= featuresFromSums(s);
      v = v1[i]!;
    }
    return Number.isFinite(v) ? v : 0;
  });
}
