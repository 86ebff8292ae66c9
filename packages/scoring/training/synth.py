"""Synthetic labelled data from driver profiles. Each row = one driver over a period of k trips
(k = 1..40, so both single trips and periods are represented). Trips are generated as the same
additive sums the TypeScript core accumulates, then turned into features by features.py.
Label: a claim in the next period, Bernoulli(sigmoid(latent risk)); the latent risk depends on the
driver's TRUE behaviour rates, so observed features of short periods are noisy (as in reality)."""
import numpy as np
from features import SUM_KEYS, features_from_sums

# mean moving speed km/h, harsh braking / acceleration / cornering per 100 km, speeding fraction,
# probability a trip is at night, idle fraction, mean trip km
PROFILES = {
    # phone: share of moving time with the phone in use (issue 17; CMT reports ~2 min of phone motion per hour
    # of driving for the average driver, several times that for the most distracted).
    "calm":       dict(share=0.30, speed=42, hb=0.6, ha=0.4, hc=0.4, spd=0.005, night=0.05, idle=0.12, km=9, phone=0.01),
    "normal":     dict(share=0.40, speed=52, hb=1.8, ha=1.2, hc=1.2, spd=0.03, night=0.10, idle=0.15, km=12, phone=0.03),
    "aggressive": dict(share=0.18, speed=60, hb=7.0, ha=6.0, hc=5.0, spd=0.08, night=0.18, idle=0.10, km=14, phone=0.08),
    "speeder":    dict(share=0.12, speed=78, hb=2.5, ha=2.0, hc=1.5, spd=0.28, night=0.22, idle=0.08, km=25, phone=0.05),
}
NAMES = list(PROFILES)


def driver_truth(rng, profile):
    p = PROFILES[profile]
    j = lambda x, s=0.25: x * rng.lognormal(0.0, s)
    return dict(speed=j(p["speed"], 0.12), hb=j(p["hb"], 0.4), ha=j(p["ha"], 0.4), hc=j(p["hc"], 0.4),
                spd=min(0.9, j(p["spd"], 0.5)), night=min(0.95, j(p["night"], 0.4)), idle=min(0.6, j(p["idle"], 0.3)),
                km=j(p["km"], 0.3), phone=min(0.6, j(p["phone"], 0.7)))


def simulate_trips(rng, t, k):
    s = {key: 0.0 for key in SUM_KEYS + ["phone_use_s"]}
    for _ in range(k):
        km = max(0.3, t["km"] * rng.lognormal(0.0, 0.6))
        v = max(8.0, t["speed"] * rng.lognormal(0.0, 0.15)) / 3.6  # m/s
        moving = km * 1000.0 / v
        idle = min(0.8, max(0.0, t["idle"] * rng.lognormal(0.0, 0.4)))
        dur = moving / (1.0 - idle)
        std = v * rng.uniform(0.2, 0.45)
        spd_frac = min(1.0, t["spd"] * rng.lognormal(0.0, 0.6))
        vmax = v + std * rng.uniform(1.5, 3.0) + (8.0 * rng.uniform(0.5, 1.5) if spd_frac > 0.02 else 0.0)
        s["trips"] += 1
        s["distance_m"] += km * 1000.0
        s["duration_s"] += dur
        s["moving_s"] += moving
        s["sum_v_dt"] += v * moving
        s["sum_v2_dt"] += (v * v + std * std) * moving
        s["max_speed_ms"] = max(s["max_speed_ms"], vmax)
        s["harsh_braking"] += rng.poisson(t["hb"] * km / 100.0)
        s["harsh_acceleration"] += rng.poisson(t["ha"] * km / 100.0)
        s["harsh_cornering"] += rng.poisson(t["hc"] * km / 100.0)
        s["speeding_s"] += spd_frac * moving
        s["night_s"] += dur if rng.random() < t["night"] else 0.0
        s["phone_use_s"] += min(1.0, t["phone"] * rng.lognormal(0.0, 0.8)) * moving
    return s


def latent_logit(t):
    return (-2.6 + 0.16 * t["hb"] + 0.10 * t["ha"] + 0.14 * t["hc"] + 5.0 * t["spd"] + 1.5 * t["night"]
            + 0.012 * max(0.0, t["speed"] - 50.0) + 6.0 * t.get("phone", 0.0))


def make_dataset(n, seed):
    rng = np.random.default_rng(seed)
    profiles = rng.choice(NAMES, size=n, p=[PROFILES[x]["share"] for x in NAMES])
    sums = {key: np.zeros(n) for key in SUM_KEYS}
    y = np.zeros(n, dtype=np.int64)
    for i, prof in enumerate(profiles):
        t = driver_truth(rng, prof)
        k = int(rng.integers(1, 41))
        s = simulate_trips(rng, t, k)
        for key in SUM_KEYS:
            sums[key][i] = s[key]
        p = 1.0 / (1.0 + np.exp(-latent_logit(t)))
        y[i] = 1 if rng.random() < p else 0
    X = features_from_sums(sums).astype(np.float32)
    return X, y, profiles
