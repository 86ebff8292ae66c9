"""Mirror of src/core/features.ts. FEATURES order and definitions must stay identical
(test/onnx.test.ts checks the card against the TypeScript list; test/features-parity checks values)."""
import numpy as np

FEATURES = [
    "mean_speed_kmh",
    "max_speed_kmh",
    "speed_std_kmh",
    "harsh_braking_per_100km",
    "harsh_acceleration_per_100km",
    "harsh_cornering_per_100km",
    "speeding_fraction",
    "night_fraction",
    "idle_fraction",
    "mean_trip_km",
]

SUM_KEYS = [
    "trips", "distance_m", "duration_s", "moving_s", "sum_v_dt", "sum_v2_dt", "max_speed_ms",
    "harsh_braking", "harsh_acceleration", "harsh_cornering", "speeding_s", "night_s",
]
# Added with issue 17 (absent = 0 in older sums).
SUM_KEYS_PHONE = SUM_KEYS + ["phone_use_s"]

MIN_EXPOSURE_KM = 1.0


def features_from_sums(s):
    """s: dict of numpy arrays (or floats) keyed by SUM_KEYS -> array [n, len(FEATURES)] (float64)."""
    km = np.asarray(s["distance_m"], dtype=np.float64) / 1000.0
    exposure = np.maximum(km, MIN_EXPOSURE_KM)
    mov = np.asarray(s["moving_s"], dtype=np.float64)
    dur = np.asarray(s["duration_s"], dtype=np.float64)
    trips = np.asarray(s["trips"], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_v = np.where(mov > 0, s["sum_v_dt"] / np.where(mov > 0, mov, 1), 0.0)
        var_v = np.where(mov > 0, np.maximum(0.0, s["sum_v2_dt"] / np.where(mov > 0, mov, 1) - mean_v * mean_v), 0.0)
        cols = [
            np.where(mov > 0, km / np.where(mov > 0, mov, 1) * 3600.0, 0.0),
            np.asarray(s["max_speed_ms"], dtype=np.float64) * 3.6,
            np.sqrt(var_v) * 3.6,
            s["harsh_braking"] / exposure * 100.0,
            s["harsh_acceleration"] / exposure * 100.0,
            s["harsh_cornering"] / exposure * 100.0,
            np.where(mov > 0, np.minimum(1.0, s["speeding_s"] / np.where(mov > 0, mov, 1)), 0.0),
            np.where(dur > 0, np.minimum(1.0, s["night_s"] / np.where(dur > 0, dur, 1)), 0.0),
            np.where(dur > 0, np.minimum(1.0, np.maximum(0.0, 1.0 - mov / np.where(dur > 0, dur, 1))), 0.0),
            np.where(trips > 0, km / np.where(trips > 0, trips, 1), 0.0),
        ]
    out = np.stack([np.asarray(c, dtype=np.float64) for c in cols], axis=1)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


# v2 (src/core/feature-defs.ts): exposure-normalised with a pseudo-exposure of V2_PSEUDO_KM.
FEATURES_V2 = ["braking_per_100km_adj", "acceleration_per_100km_adj", "cornering_per_100km_adj", "speeding_share", "night_share"]
V2_PSEUDO_KM = 5.0


def features_v2_from_sums(s):
    km = np.asarray(s["distance_m"], dtype=np.float64) / 1000.0 + V2_PSEUDO_KM
    mov = np.asarray(s["moving_s"], dtype=np.float64)
    dur = np.asarray(s["duration_s"], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        cols = [
            100.0 * np.asarray(s["harsh_braking"], dtype=np.float64) / km,
            100.0 * np.asarray(s["harsh_acceleration"], dtype=np.float64) / km,
            100.0 * np.asarray(s["harsh_cornering"], dtype=np.float64) / km,
            np.where(mov > 0, np.minimum(1.0, s["speeding_s"] / np.where(mov > 0, mov, 1)), 0.0),
            np.where(dur > 0, np.minimum(1.0, s["night_s"] / np.where(dur > 0, dur, 1)), 0.0),
        ]
    out = np.stack([np.asarray(c, dtype=np.float64) for c in cols], axis=1)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


# v2.1 (feature-defs.ts phone_use_share): the v2 features plus the share of moving time with the phone in use.
FEATURES_V21 = FEATURES_V2 + ["phone_use_share"]


def features_v21_from_sums(s):
    mov = np.asarray(s["moving_s"], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ph = np.where(mov > 0, np.minimum(1.0, np.asarray(s.get("phone_use_s", np.zeros_like(mov)), dtype=np.float64) / np.where(mov > 0, mov, 1)), 0.0)
    return np.nan_to_num(np.concatenate([features_v2_from_sums(s), ph[:, None]], axis=1), nan=0.0, posinf=0.0, neginf=0.0)
