"""Score model v2: a transparent scorecard exported as ONNX. Usage (from packages/scoring/training):
    node ../dist/cli.js eval --model 1.0.0 --json data/real-eval.json     # real trips through the v2 detector
    .venv/bin/python train_v2.py --version 2.0.0 --real data/real-eval.json
Per factor k (braking, acceleration, cornering, speeding, night): factor score s_k = 100 * 2^(-x_k / h_k),
x_k the exposure-normalised feature, h_k the rate at which the factor scores 50. Total = sum_k w_k s_k,
sum w = 1; risk = 1 - total / 100 (a relative risk index, not a claim probability).
  h_k: calibrated on REAL recordings (the calibration half of the bundled naturalistic drives): h_k is the
       larger of a floor from published practice and the 90th percentile of real trips, so a real driver's
       ordinary trip scores high and only clearly unusual rates pull a factor down.
  w_k: fitted on SYNTHETIC driver-periods with claim labels (synth.py): logistic regression of the claim on
       the factor deficits (100 - s_k), coefficients clipped at 0 and normalised to sum 1.
Validation on the other half of the real recordings is written into the card."""
import argparse, datetime, hashlib, json, os, platform
import numpy as np
import onnx, onnxruntime as ort, sklearn
from onnx import TensorProto, helper
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from features import FEATURES_V2, FEATURES_V21, SUM_KEYS, SUM_KEYS_PHONE, V2_PSEUDO_KM, features_v2_from_sums, features_v21_from_sums
from synth import NAMES, PROFILES, driver_truth, simulate_trips

HERE = os.path.dirname(os.path.abspath(__file__))
FACTORS = ["braking", "acceleration", "cornering", "speeding", "night"]
# Floors of h_k (rate at which a factor scores 50). Events per 100 km: ~1 harsh event every 7 km of an
# insurer-level threshold (0.32 g brake) is already well above ordinary driving; speeding: 15 % of the moving
# time over limit+10 %; night: a trip entirely at night halves the night factor.
H_FLOOR = np.array([15.0, 15.0, 15.0, 0.15, 1.0])
# v2.1 (--phone): phone use while moving as a sixth factor; 5 % of the moving time with the phone in use halves it.
PHONE = False


def factor_scores(X, h):
    return 100.0 * np.power(2.0, -X / h)


def keys():
    return SUM_KEYS_PHONE if PHONE else SUM_KEYS


def feats(sums):
    return features_v21_from_sums(sums) if PHONE else features_v2_from_sums(sums)


def real_rows(path):
    d = json.load(open(path))
    rows = []
    for r in d["recordings"]:
        for s in r.get("tripSums", []):
            rows.append((r["id"], r["set"], {k: float(s.get(k, 0.0)) for k in keys()}))
    return rows


def synth_periods(n, seed):
    rng = np.random.default_rng(seed)
    profiles = rng.choice(NAMES, size=n, p=[PROFILES[x]["share"] for x in NAMES])
    sums = {k: np.zeros(n) for k in keys()}
    y = np.zeros(n, dtype=np.int64)
    from synth import latent_logit
    for i, p in enumerate(profiles):
        t = driver_truth(rng, p)
        s = simulate_trips(rng, t, int(rng.integers(1, 41)))
        for k in keys():
            sums[k][i] = s[k]
        y[i] = 1 if rng.random() < 1 / (1 + np.exp(-latent_logit(t))) else 0
    return feats(sums), y, profiles


def build_onnx(h, w):
    x = helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, len(h)])
    fac = helper.make_tensor_value_info("factor_scores", TensorProto.FLOAT, [None, len(FACTORS)])
    prob = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2])
    c = lambda name, arr: helper.make_tensor(name, TensorProto.FLOAT, list(np.shape(arr)), np.asarray(arr, dtype=np.float32).ravel().tolist())
    inits = [c("neg_ln2_over_h", -np.log(2.0) / h), c("hundred", [100.0]), c("w", np.asarray(w).reshape(-1, 1)), c("one", [1.0]), c("cent", [0.01])]
    nodes = [
        helper.make_node("Mul", ["features", "neg_ln2_over_h"], ["e"]),
        helper.make_node("Exp", ["e"], ["ex"]),
        helper.make_node("Mul", ["ex", "hundred"], ["factor_scores"]),
        helper.make_node("MatMul", ["factor_scores", "w"], ["total"]),
        helper.make_node("Mul", ["total", "cent"], ["safe"]),
        helper.make_node("Sub", ["one", "safe"], ["risk"]),
        helper.make_node("Concat", ["safe", "risk"], ["probabilities"], axis=1),
    ]
    g = helper.make_graph(nodes, "fleetwire_scorecard_v2", [x], [prob, fac], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 15)], producer_name="fleetwire train_v2.py")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", default="2.0.0")
    ap.add_argument("--real", default=os.path.join(HERE, "data", "real-eval.json"))
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--phone", action="store_true", help="v2.1: phone use while moving as a sixth factor")
    a = ap.parse_args()
    global PHONE, FACTORS, H_FLOOR
    if a.phone:
        PHONE = True
        FACTORS = FACTORS + ["phone_use"]
        H_FLOOR = np.append(H_FLOOR, 0.05)
    FEATS = FEATURES_V21 if PHONE else FEATURES_V2

    real = real_rows(a.real)
    # Calibration / validation split by recording (never a trip of one recording on both sides).
    ids = sorted({rid for rid, _, _ in real})
    cal_ids = set(ids[0::2])
    Xr = feats({k: np.array([s[k] for _, _, s in real]) for k in keys()})
    is_cal = np.array([rid in cal_ids for rid, _, _ in real])
    q90 = np.quantile(Xr[is_cal], 0.9, axis=0)
    h = np.maximum(H_FLOOR, q90)

    Xs, ys, prof = synth_periods(a.rows, a.seed)
    D = 100.0 - factor_scores(Xs, h)
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(D / 100.0, ys)
    coef = np.clip(lr.coef_[0], 0.0, None)
    if coef.sum() <= 0:
        coef = np.ones(len(FACTORS))
    w = coef / coef.sum()
    total_s = factor_scores(Xs, h) @ w
    auc_synth = float(roc_auc_score(ys, -total_s))
    agg = np.isin(prof, ["aggressive"]); norm_ = np.isin(prof, ["calm", "normal"])
    auc_profile = float(roc_auc_score(np.r_[np.ones(agg.sum()), np.zeros(norm_.sum())], -np.r_[total_s[agg], total_s[norm_]]))

    def real_stats(mask):
        t = factor_scores(Xr[mask], h) @ w
        by = {}
        for (rid, st, _), v in zip([r for r, m in zip(real, mask) if m], t):
            by.setdefault(st, []).append(float(v))
        return {st: {"trips": len(v), "mean": round(float(np.mean(v)), 1), "median": round(float(np.median(v)), 1),
                     "min": round(float(np.min(v)), 1), "share_ge_80": round(float(np.mean(np.array(v) >= 80)), 3)} for st, v in sorted(by.items())}

    out_dir = os.path.join(HERE, "..", "models", a.version)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "model.onnx")
    m = build_onnx(h, w)
    with open(path, "wb") as f:
        f.write(m.SerializeToString())
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(a.seed + 1)
    fx = np.vstack([Xs[:40], Xr[:20], np.zeros((1, len(FACTORS))), [[50, 40, 30, 1, 1] + ([0.3] if PHONE else [])]]).astype(np.float32)
    prob, fac = sess.run(["probabilities", "factor_scores"], {"features": fx})
    ref = factor_scores(fx.astype(np.float64), h)
    diff = float(np.max(np.abs(fac - ref)))
    assert diff < 1e-3, diff
    card = {
        "name": "fleetwire-score",
        "version": a.version,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "task": "driving-behaviour score 0-100 (100 = safest) with a per-factor breakdown; risk = 1 - score/100 is a relative risk index, NOT a calibrated claim probability",
        "algorithm": "scorecard: factor_k = 100 * 2^(-x_k / h_k); score = sum_k w_k factor_k (ONNX graph, opset 15)",
        "features": FEATS,
        "factors": FACTORS,
        "input": {"name": "features", "type": "float32", "shape": [None, len(FEATS)]},
        "outputs": {"probabilities": "float32 [N,2], column 0 = score/100, column 1 = risk", "factor_scores": f"float32 [N,{len(FACTORS)}], 0-100 per factor, order of 'factors'"},
        "score": "score = round(100 * (1 - risk), 1) = sum_k w_k factor_k; 100 = safest",
        "params": {"half_score_rate": dict(zip(FACTORS, [round(float(x), 4) for x in h])), "weights": dict(zip(FACTORS, [round(float(x), 4) for x in w])),
                   "pseudo_exposure_km": V2_PSEUDO_KM, "h_floor": dict(zip(FACTORS, H_FLOOR.tolist())), "real_q90_calibration": dict(zip(FACTORS, [round(float(x), 4) for x in q90]))},
        "metrics": {
            "synthetic_claim_auc": round(auc_synth, 4),
            "synthetic_aggressive_vs_calm_normal_auc": round(auc_profile, 4),
            "real_calibration_half": real_stats(is_cal),
            "real_validation_half": real_stats(~is_cal),
            "onnx_vs_numpy_max_abs_diff_factor": diff,
        },
        "training_data": {
            "synthetic": {"rows": a.rows, "seed": a.seed, "description": "driver-periods from synth.py profiles with claim labels (as v1)"},
            "real": {"file": os.path.relpath(a.real, HERE), "trips": int(len(real)), "recordings": len(ids), "calibration_recordings": sorted(cal_ids),
                     "description": "bundled naturalistic recordings (eval/data: NDS-BR Curitiba, DrivePlotR Nebraska, quat-orient Auckland; MIT) run through the v2 detector; no behaviour labels: used to calibrate h_k and to check that ordinary real driving scores high" + ("; phone use: NDS-BR's video labels replayed as app states (the only real phone-use data)" if PHONE else "")},
        },
        "onnx": {"file": "model.onnx", "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(), "opset": 15, "bytes": os.path.getsize(path)},
        "toolchain": {"python": platform.python_version(), "onnx": onnx.__version__, "onnxruntime": ort.__version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__},
    }
    with open(os.path.join(out_dir, "card.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    fx_dir = os.path.join(HERE, "..", "test", "fixtures")
    with open(os.path.join(fx_dir, f"model-{a.version}.json"), "w") as f:
        json.dump({"version": a.version, "features": FEATS, "factors": FACTORS, "rows": fx.astype(float).tolist(),
                   "score": (prob[:, 0] * 100).astype(float).tolist(), "factor_scores": fac.astype(float).tolist()}, f)
    print(json.dumps(card["params"], indent=1)); print(json.dumps(card["metrics"], indent=1))


if __name__ == "__main__":
    main()
