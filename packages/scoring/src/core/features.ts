/**
 * Model features. The order of FEATURES is part of the model contract: the model card lists the same
 * names in the same order and the loader refuses a model whose list differs. Every feature is a
 * function of additive sums (TripSums), so a trip and a period (the sum of its trips) use one definition.
 * training/features.py mirrors this file.
 */
export const FEATURES = Object.freeze([
  'mean_speed_kmh',
  'max_speed_kmh',
  'speed_std_kmh',
  'harsh_braking_per_100km',
  'harsh_acceleration_per_100km',
  'harsh_cornering_per_100km',
  'speeding_fraction',
  'night_fraction',
  'idle_fraction',
  'mean_trip_km',
] as const);

export type FeatureName = (typeof FEATURES)[number];

/** Additive totals over one trip or many; max_speed_ms combines by max. */
export interface TripSums {
  trips: number;
  distance_m: number;
  /** Wall duration of the trips (s). */
  duration_s: number;
  /** Time spent above the start speed (s). */
  moving_s: number;
  /** Sum of speed x dt over moving intervals (m) and of speed^2 x dt (m^2/s). */
  sum_v_dt: number;
  sum_v2_dt: number;
  max_speed_ms: number;
  harsh_braking: number;
  harsh_acceleration: number;
  harsh_cornering: number;
  /** Moving seconds above the applicable limit (posted where known, else the default for an unknown road). */
  speeding_s: number;
  night_s: number;
  /** Diagnostics, not persisted in trips (absent in sums read back from Postgres): moving seconds with a
   * posted limit known, and the part of speeding_s measured against a posted limit. */
  posted_limit_s?: number;
  speeding_posted_s?: number;
  /** Phone use while moving (s) and its episodes (PHONE_USE events); absent in sums of trips before issue 17 (= 0). */
  phone_use_s?: number;
  phone_use_events?: number;
}

export const emptySums = (): TripSums => ({
  trips: 0,
  distance_m: 0,
  duration_s: 0,
  moving_s: 0,
  sum_v_dt: 0,
  sum_v2_dt: 0,
  max_speed_ms: 0,
  harsh_braking: 0,
  harsh_acceleration: 0,
  harsh_cornering: 0,
  speeding_s: 0,
  night_s: 0,
});

export function addSums(a: TripSums, b: TripSums): TripSums {
  return {
    trips: a.trips + b.trips,
    distance_m: a.distance_m + b.distance_m,
    duration_s: a.duration_s + b.duration_s,
    moving_s: a.moving_s + b.moving_s,
    sum_v_dt: a.sum_v_dt + b.sum_v_dt,
    sum_v2_dt: a.sum_v2_dt + b.sum_v2_dt,
    max_speed_ms: Math.max(a.max_speed_ms, b.max_speed_ms),
    harsh_braking: a.harsh_braking + b.harsh_braking,
    harsh_acceleration: a.harsh_acceleration + b.harsh_acceleration,
    harsh_cornering: a.harsh_cornering + b.harsh_cornering,
    speeding_s: a.speeding_s + b.speeding_s,
    night_s: a.night_s + b.night_s,
    posted_limit_s: (a.posted_limit_s ?? 0) + (b.posted_limit_s ?? 0),
    speeding_posted_s: (a.speeding_posted_s ?? 0) + (b.speeding_posted_s ?? 0),
    phone_use_s: (a.phone_use_s ?? 0) + (b.phone_use_s ?? 0),
    phone_use_events: (a.phone_use_events ?? 0) + (b.phone_use_events ?? 0),
  };
}

/** Rates per 100 km use at least 1 km of exposure so very short trips do not explode. */
const MIN_EXPOSURE_KM = 1;

/** Feature vector in FEATURES order. Float32-representable; NaN never appears. */
export function featuresFromSums(s: TripSums): number[] {
  const km = s.distance_m / 1000;
  const exposure = Math.max(km, MIN_EXPOSURE_KM);
  const mov = s.moving_s;
  const meanV = mov > 0 ? s.sum_v_dt / mov : 0;
  const varV = mov > 0 ? Math.max(0, s.sum_v2_dt / mov - meanV * meanV) : 0;
  const f = [
    mov > 0 ? km / (mov / 3600) : 0,
    s.max_speed_ms * 3.6,
    Math.sqrt(varV) * 3.6,
    (s.harsh_braking / exposure) * 100,
    (s.harsh_acceleration / exposure) * 100,
    (s.harsh_cornering / exposure) * 100,
    mov > 0 ? Math.min(1, s.speeding_s / mov) : 0,
    s.duration_s > 0 ? Math.min(1, s.night_s / s.duration_s) : 0,
    s.duration_s > 0 ? Math.min(1, Math.max(0, 1 - mov / s.duration_s)) : 0,
    s.trips > 0 ? km / s.trips : 0,
  ];
  return f.map((v) => (Number.isFinite(v) ? v : 0));
}

/** Risk probability [0,1] -> 0..100 score (100 = safest), rounded to 0.1. */
export const scoreFromRisk = (risk: number): number => Math.round((1 - Math.min(1, Math.max(0, risk))) * 1000) / 10;
