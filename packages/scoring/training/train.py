"""Trains the fleetwire risk model and exports it. Usage (from packages/scoring/training):
    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
    .venv/bin/python train.py --version 1.0.0
Writes ../models/<version>/{model.onnx,card.json} and ../test/fixtures/model-<version>.json."""
import argparse, datetime, hashlib, json, os, platform
import numpy as np
import onnx, onnxmltools, onnxruntime as ort, sklearn, xgboost as xgb
from onnxmltools.convert.common.data_types import FloatTensorType
from sklearn.metrics import roc_auc_score, brier_score_loss
from sklearn.model_selection import StratifiedKFold
from features import FEATURES, SUM_KEYS, features_from_sums
from synth import NAMES, PROFILES, driver_truth, make_dataset, simulate_trips

HERE = os.path.dirname(os.path.abspath(__file__))
PARAMS = dict(n_estimators=120, max_depth=4, learning_rate=0.08, subsample=0.85, colsample_bytree=0.9,
              min_child_weight=5, reg_lambda=1.0, objective="binary:logistic", eval_metric="auc",
              tree_method="hist", n_jobs=2, random_state=7)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--folds", type=int, default=5)
    a = ap.parse_args()

    X, y, profiles = make_dataset(a.rows, a.seed)
    skf = StratifiedKFold(n_splits=a.folds, shuffle=True, random_state=a.seed)
    aucs, briers = [], []
    for k, (tr, te) in enumerate(skf.split(X, y)):
        m = xgb.XGBClassifier(**PARAMS).fit(X[tr], y[tr])
        p = m.predict_proba(X[te])[:, 1]
        aucs.append(float(roc_auc_score(y[te], p)))
        briers.append(float(brier_score_loss(y[te], p)))
        print(f"fold {k}: AUC {aucs[-1]:.4f}  Brier {briers[-1]:.4f}")
    print(f"CV AUC {np.mean(aucs):.4f} ± {np.std(aucs):.4f}")

    model = xgb.XGBClassifier(**PARAMS).fit(X, y)
    gain = model.get_booster().get_score(importance_type="gain")
    importance = {FEATURES[int(k[1:])]: round(float(v), 4) for k, v in gain.items()}
    importance = dict(sorted(importance.items(), key=lambda kv: -kv[1]))
    print("importance (gain):", importance)

    onx = onnxmltools.convert_xgboost(model, initial_types=[("features", FloatTensorType([None, len(FEATURES)]))],
                                      target_opset=15)
    onnx.checker.check_model(onx)
    out_dir = os.path.join(HERE, "..", "models", a.version)
    os.makedirs(out_dir, exist_ok=True)
    onnx_path = os.path.join(out_dir, "model.onnx")
    with open(onnx_path, "wb") as f:
        f.write(onx.SerializeToString())
    sha = hashlib.sha256(open(onnx_path, "rb").read()).hexdigest()

    # Fixture: held-out style rows (fresh seed) + edge rows; Python predictions from xgboost itself.
    Xf, _, _ = make_dataset(60, a.seed + 1)
    edge = np.zeros((4, len(FEATURES)), dtype=np.float32)
    edge[1] = [55, 90, 12, 0, 0, 0, 0, 0, 0.1, 10]
    edge[2] = [70, 160, 25, 30, 20, 15, 0.5, 1, 0.05, 3]
    edge[3] = [30, 50, 8, 100, 0, 0, 0, 0, 0.9, 0.1]
    Xf = np.vstack([Xf, edge]).astype(np.float32)
    p_xgb = model.predict_proba(Xf)[:, 1]
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    outs = sess.run(None, {"features": Xf})
    probs = [o for o in outs if getattr(o, "ndim", 0) == 2][0][:, 1]
    max_diff = float(np.max(np.abs(probs - p_xgb)))
    print(f"onnxruntime(python) vs xgboost max |diff| = {max_diff:.2e}")
    assert max_diff < 1e-5, "ONNX export does not reproduce xgboost"

    card = {
        "name": "fleetwire-risk",
        "version": a.version,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "task": "binary classification: probability of an insurance claim in the next period",
        "algorithm": "XGBoost gradient-boosted trees (binary:logistic)",
        "params": PARAMS,
        "features": FEATURES,
        "input": {"name": "features", "type": "float32", "shape": [None, len(FEATURES)]},
        "outputs": {"label": "int64 [N]", "probabilities": "float32 [N,2], column 1 = P(claim)"},
        "score": "score = round(100 * (1 - risk), 1); 100 = safest",
        "metrics": {"cv_folds": a.folds, "cv_auc_mean": round(float(np.mean(aucs)), 4),
                    "cv_auc_std": round(float(np.std(aucs)), 4), "cv_auc_per_fold": [round(x, 4) for x in aucs],
                    "cv_brier_mean": round(float(np.mean(briers)), 4), "onnx_vs_xgboost_max_abs_diff": max_diff},
        "feature_importance_gain": importance,
        "training_data": {
            "kind": "synthetic",
            "rows": a.rows, "seed": a.seed, "positive_rate": round(float(y.mean()), 4),
            "description": "One row per driver-period of 1-40 trips. Drivers drawn from profiles "
                           + ", ".join(f"{k} ({v['share']:.0%})" for k, v in PROFILES.items())
                           + " with per-driver lognormal jitter; trips generated as the additive sums of "
                             "src/core/features.ts and turned into features with the same definitions "
                             "(training/features.py). Label = Bernoulli(sigmoid(latent risk of the TRUE "
                             "behaviour rates)). Not real claims data: for demonstration only.",
        },
        "onnx": {"file": "model.onnx", "sha256": sha, "opset": 15, "bytes": os.path.getsize(onnx_path)},
        "toolchain": {"python": platform.python_version(), "xgboost": xgb.__version__, "onnxmltools": onnxmltools.__version__,
                      "onnx": onnx.__version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__,
                      "onnxruntime": ort.__version__},
    }
    with open(os.path.join(out_dir, "card.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    # Feature-definition parity: a few sums and the Python features computed from them.
    rng = np.random.default_rng(a.seed + 2)
    sums = [simulate_trips(rng, driver_truth(rng, p), int(k)) for p, k in zip(NAMES * 3, rng.integers(1, 6, 12))]
    sums.append({k: 0.0 for k in SUM_KEYS})
    sum_features = features_from_sums({k: np.array([s_[k] for s_ in sums]) for k in SUM_KEYS})
    fx_dir = os.path.join(HERE, "..", "test", "fixtures")
    os.makedirs(fx_dir, exist_ok=True)
    with open(os.path.join(fx_dir, f"model-{a.version}.json"), "w") as f:
        json.dump({"version": a.version, "features": FEATURES, "rows": [[float(v) for v in r] for r in Xf],
                   "xgboost_proba": [float(v) for v in p_xgb],
                   "sums": [{k: float(v) for k, v in s_.items()} for s_ in sums],
                   "sum_features": [[float(v) for v in r] for r in sum_features]}, f)
    print(f"wrote {onnx_path} ({card['onnx']['bytes']} bytes), card and fixture")


if __name__ == "__main__":
    main()
