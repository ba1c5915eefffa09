#!/usr/bin/python3
"""Expected scikit-learn results of HistGradientBoosting* on data with missing values (NaN), for
test/unit/hist_gradient_boosting_missing.test.ts.

Run with Debian's python3-sklearn (1.2.1): OMP_NUM_THREADS=1 /usr/bin/python3 scripts/fixtures_hgb_missing.py
Writes test/fixtures/hgb_missing.json: X (column-major, NaN as null), y, the train / test rows and,
per case, scikit-learn's test predictions (probabilities or values) and test score, fitted with
early_stopping=False on the train rows.

The data: 6 numeric features (RandomState(0)); features 0-2 miss completely at random (10-30%);
feature 3 is missing where the target leans one way (missingness carries signal); feature 4 has
no NaN in the train rows but some in the test rows (NaN follows the larger child at predict);
feature 5 is all NaN in a tenth of the rows and otherwise has few distinct values.
"""
import json
import os

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, r2_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = 800


def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(N, 6))
    X[:, 5] = rng.randint(0, 4, size=N)
    signal = X[:, 0] + 0.8 * X[:, 1] - 0.6 * X[:, 2] * X[:, 4] + 0.5 * X[:, 5]
    y_reg = signal + 0.3 * rng.normal(size=N)
    for f, rate in [(0, 0.1), (1, 0.2), (2, 0.3)]:
        X[rng.rand(N) < rate, f] = np.nan
    X[(y_reg > 0.5) & (rng.rand(N) < 0.5), 3] = np.nan
    test = np.arange(N) % 4 == 0
    X[test & (rng.rand(N) < 0.25), 4] = np.nan
    X[rng.rand(N) < 0.1, 5] = np.nan
    y_bin = (y_reg > 0).astype(int)
    y_multi = np.digitize(y_reg, [-0.7, 0.7])
    return X, {"binary": y_bin, "multiclass": y_multi, "regression": y_reg}, test


CASES = [
    ("binary", {"max_iter": 30}),
    ("binary", {"max_iter": 20, "max_leaf_nodes": 8, "min_samples_leaf": 10, "l2_regularization": 1.0}),
    ("multiclass", {"max_iter": 20, "max_depth": 3}),
    ("regression", {"max_iter": 30}),
    ("regression", {"max_iter": 25, "max_bins": 16, "min_samples_leaf": 5, "learning_rate": 0.2}),
]


def main():
    X, targets, test = data()
    train_rows = np.flatnonzero(~test)
    test_rows = np.flatnonzero(test)
    assert not np.isnan(X[train_rows, 4]).any() and np.isnan(X[test_rows, 4]).any()
    cases = []
    for target, params in CASES:
        y = targets[target]
        full = dict(params, early_stopping=False, random_state=0)
        if target == "regression":
            model = HistGradientBoostingRegressor(**full).fit(X[train_rows], y[train_rows])
            pred = model.predict(X[test_rows])
            score = r2_score(y[test_rows], pred)
        else:
            model = HistGradientBoostingClassifier(**full).fit(X[train_rows], y[train_rows])
            pred = model.predict_proba(X[test_rows])
            score = accuracy_score(y[test_rows], model.predict(X[test_rows]))
        cases.append({"target": target, "params": params, "predictions": pred.tolist(), "score": score})
    out = {
        "about": "scripts/fixtures_hgb_missing.py (scikit-learn 1.2.1)",
        "n_samples": N,
        "n_features": X.shape[1],
        "X": [[None if np.isnan(v) else float(v) for v in X[:, f]] for f in range(X.shape[1])],
        "targets": {k: v.tolist() for k, v in targets.items()},
        "train": train_rows.tolist(),
        "test": test_rows.tolist(),
        "cases": cases,
    }
    with open(os.path.join(ROOT, "test", "fixtures", "hgb_missing.json"), "w") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main()
