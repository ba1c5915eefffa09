#!/usr/bin/python3
"""Reference side of bench/hgb.ts: one histogram GBM fit with scikit-learn 1.2 and XGBoost 1.7.

Usage: hgb_reference.py OUT_DIR ROWS FEATURES THREADS [--data-only]
Writes OUT_DIR/hgb_<ROWS>x<FEATURES>.X.f64 (column-major float64) and .y.f64 (make_classification,
random_state=0, binary) when missing, then fits on the first two thirds of the rows, 100 iterations,
31 leaves, learning rate 0.1, no early stopping, after a warm-up fit of the same model on up to
20000 rows: HistGradientBoostingClassifier (OpenMP threads = THREADS) and
XGBClassifier(tree_method="hist", grow_policy="lossguide", n_jobs=THREADS). Prints one JSON line:
{engine: {seconds, cpu_seconds, accuracy}} (accuracy on the last third); --data-only: {} without
fitting.
"""
import json
import os
import sys
import time

import numpy as np


def main(out, rows, features, threads, fit=True):
    os.environ["OMP_NUM_THREADS"] = str(threads)
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier
    import sklearn.base
    import xgboost

    base = os.path.join(out, f"hgb_{rows}x{features}")
    if not os.path.exists(base + ".y.f64"):
        X, y = make_classification(n_samples=rows, n_features=features, n_informative=features // 2,
                                   n_redundant=features // 5, random_state=0)
        np.asfortranarray(X).T.astype("<f8").tofile(base + ".X.f64")
        y.astype("<f8").tofile(base + ".y.f64")
    if not fit:
        print("{}")
        return
    X = np.fromfile(base + ".X.f64", dtype="<f8").reshape(features, rows).T
    y = np.fromfile(base + ".y.f64", dtype="<f8").astype(int)
    n = rows * 2 // 3
    models = {
        "sklearn": HistGradientBoostingClassifier(max_iter=100, max_leaf_nodes=31, learning_rate=0.1,
                                                  early_stopping=False, random_state=0),
        "xgboost": xgboost.XGBClassifier(n_estimators=100, tree_method="hist", grow_policy="lossguide",
                                         max_leaves=31, max_depth=0, learning_rate=0.1, reg_lambda=0,
                                         min_child_weight=1e-3, max_bin=255, n_jobs=threads, random_state=0),
    }
    result = {}
    for name, model in models.items():
        # Warm-up (thread pools, lazy imports), as in bench/hgb.ts: a long-running worker has done this.
        sklearn.base.clone(model).fit(X[:min(n, 20000) - 1], y[:min(n, 20000) - 1])
        start, cpu = time.perf_counter(), time.process_time()
        model.fit(X[:n], y[:n])
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        result[name] = {"seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3),
                        "accuracy": float((model.predict(X[n:]) == y[n:]).mean())}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), "--data-only" not in sys.argv)
