#!/usr/bin/python3
"""Expected scikit-learn results of the tree ensembles, for test/unit/ensemble.test.ts.

Run with Debian's python3-sklearn (1.2.1): OMP_NUM_THREADS=1 /usr/bin/python3 scripts/fixtures_ensemble.py
(a few minutes; one thread keeps HistGradientBoosting* from crawling on a busy machine).
Data: data/samples/<dataset>.csv; split: test rows are those with index % 4 == 0 (exported).

- ensemble_boosting.json: GradientBoosting* (subsample=1, max_features=None) and
  HistGradientBoosting* (early_stopping=False) are deterministic up to ties between equally good
  splits, so their test predictions (labels, probabilities, regression values) are recorded for
  random_state=0, with `seed_spread`: on how many test rows random_state 1-9 change them (beyond
  1e-6 relative), `seed_max_difference`: by how much at most, and the test scores (accuracy / r2)
  over random_state 0-9.
- ensemble_forests.json: random forests / extra trees draw from NumPy's generator, which ours does
  not reproduce; recorded per case are the test scores over random_state 0..N_SEEDS-1 and, per
  test row, the mean and standard deviation over those seeds of the predicted value (regression)
  or of the probability of the row's true class (classification).
"""
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor, GradientBoostingClassifier,
                              GradientBoostingRegressor, HistGradientBoostingClassifier,
                              HistGradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor)
from sklearn.metrics import accuracy_score, r2_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLASSIFICATION = {"iris", "wine", "breast_cancer", "digits"}
MODELS = {cls.__name__: cls for cls in [
    GradientBoostingClassifier, GradientBoostingRegressor, HistGradientBoostingClassifier,
    HistGradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor, ExtraTreesClassifier,
    ExtraTreesRegressor]}

N_BOOSTING_SEEDS = 10
BOOSTING_CASES = [
    # Depth-2 trees with leaves of at least 5 rows: deeper trees or smaller leaves meet ties between
    # features that order the rows alike (breast_cancer's radius / perimeter / area), which
    # random_state breaks, so that even scikit-learn's seeds disagree (the cases after these).
    ("breast_cancer", "GradientBoostingClassifier", {"n_estimators": 40, "max_depth": 2, "min_samples_leaf": 5}),
    ("breast_cancer", "GradientBoostingClassifier", {"n_estimators": 30, "max_depth": 2, "min_samples_leaf": 5,
                                                     "learning_rate": 0.3}),
    ("breast_cancer", "GradientBoostingClassifier", {"n_estimators": 30, "max_depth": 2, "min_samples_leaf": 5,
                                                     "loss": "exponential"}),
    ("iris", "GradientBoostingClassifier", {"n_estimators": 50, "min_samples_leaf": 10}),
    ("wine", "GradientBoostingClassifier", {"n_estimators": 30, "max_depth": 1}),
    ("breast_cancer", "GradientBoostingClassifier", {"n_estimators": 50}),
    ("breast_cancer", "GradientBoostingClassifier", {"n_estimators": 30, "criterion": "squared_error",
                                                     "min_samples_leaf": 5, "max_leaf_nodes": 6}),
    # Leaves of at least 5 rows: in smaller nodes several features often isolate the same rows
    # (a tie that random_state breaks), which would make even scikit-learn's seeds disagree.
    ("diabetes", "GradientBoostingRegressor", {"n_estimators": 50, "min_samples_leaf": 5}),
    ("diabetes", "GradientBoostingRegressor", {"n_estimators": 50, "loss": "huber", "alpha": 0.8,
                                               "min_samples_leaf": 10}),
    ("diabetes", "GradientBoostingRegressor", {"n_estimators": 40, "max_depth": None, "max_leaf_nodes": 8,
                                               "min_samples_leaf": 10, "learning_rate": 0.2}),
    # Gradients of ±1 (absolute_error) or alpha / alpha - 1 (quantile) tie often whatever the leaf
    # size: these are compared by score over seeds.
    ("diabetes", "GradientBoostingRegressor", {"n_estimators": 50, "loss": "absolute_error", "min_samples_leaf": 10}),
    ("diabetes", "GradientBoostingRegressor", {"n_estimators": 50, "loss": "quantile", "alpha": 0.7,
                                               "min_samples_leaf": 10}),
    # Not the defaults on breast_cancer: its bigger trees meet splits whose gains tie up to the last
    # bits (features isolating the same rows, a gain of 7e-15), which summation order decides.
    ("breast_cancer", "HistGradientBoostingClassifier", {"max_iter": 50, "min_samples_leaf": 40}),
    ("breast_cancer", "HistGradientBoostingClassifier", {"max_iter": 50, "max_leaf_nodes": 6,
                                                         "l2_regularization": 1.0, "learning_rate": 0.2}),
    ("breast_cancer", "HistGradientBoostingClassifier", {"max_iter": 50, "max_bins": 32, "max_depth": 3}),
    ("iris", "HistGradientBoostingClassifier", {"max_iter": 30, "min_samples_leaf": 5}),
    ("wine", "HistGradientBoostingClassifier", {"max_iter": 30, "max_depth": 3, "min_samples_leaf": 10}),
    ("diabetes", "HistGradientBoostingRegressor", {"max_iter": 50}),
    ("diabetes", "HistGradientBoostingRegressor", {"max_iter": 40, "max_bins": 16, "max_depth": 3,
                                                   "l2_regularization": 1.0}),
    ("diabetes", "HistGradientBoostingRegressor", {"max_iter": 30, "max_leaf_nodes": 8, "min_samples_leaf": 5,
                                                   "learning_rate": 0.3}),
]

N_SEEDS = 30
FOREST_CASES = [
    ("breast_cancer", "RandomForestClassifier", {"n_estimators": 50}),
    ("breast_cancer", "ExtraTreesClassifier", {"n_estimators": 50, "max_features": 0.5}),
    ("wine", "RandomForestClassifier", {"n_estimators": 30, "max_depth": 3}),
    ("wine", "ExtraTreesClassifier", {"n_estimators": 50}),
    ("iris", "RandomForestClassifier", {"n_estimators": 30, "max_samples": 0.5, "class_weight": "balanced_subsample"}),
    ("diabetes", "RandomForestRegressor", {"n_estimators": 50, "max_features": 0.5, "min_samples_leaf": 5}),
    ("diabetes", "RandomForestRegressor", {"n_estimators": 30, "max_depth": 4}),
    ("diabetes", "ExtraTreesRegressor", {"n_estimators": 50, "min_samples_leaf": 5}),
    ("diabetes", "ExtraTreesRegressor", {"n_estimators": 30, "bootstrap": True, "max_leaf_nodes": 16}),
]


def load(name):
    data = np.loadtxt(os.path.join(ROOT, "data", "samples", f"{name}.csv"), delimiter=",", skiprows=1)
    X, y = data[:, :-1], data[:, -1]
    return X, (y.astype(int) if name in CLASSIFICATION else y)


def split(n):
    idx = np.arange(n)
    return idx[idx % 4 != 0], idx[idx % 4 == 0]


def make(model, params, seed):
    extra = {"early_stopping": False} if model.startswith("Hist") else {}
    return MODELS[model](random_state=seed, **extra, **params)


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def score(name, y_true, pred):
    return accuracy_score(y_true, pred) if name in CLASSIFICATION else r2_score(y_true, pred)


def boosting_fixture(datasets):
    cases = []
    for name, model, params in BOOSTING_CASES:
        X, y, train, test = datasets[name]
        fitted = make(model, params, 0).fit(X[train], y[train])
        output = fitted.predict_proba(X[test]) if name in CLASSIFICATION else fitted.predict(X[test])
        scores, spread, max_difference = [], 0, 0.0
        for seed in range(N_BOOSTING_SEEDS):
            other = make(model, params, seed).fit(X[train], y[train]) if seed else fitted
            scores.append(score(name, y[test], other.predict(X[test])))
            other_output = other.predict_proba(X[test]) if name in CLASSIFICATION else other.predict(X[test])
            difference = np.abs(other_output - output)
            max_difference = max(max_difference, float(difference.max()))
            differs = difference > 1e-6 * np.maximum(1, np.abs(output))
            spread = max(spread, int(differs.reshape(len(test), -1).any(axis=1).sum()))
        case = {"dataset": name, "model": model, "params": params, "predict": floats(fitted.predict(X[test])),
                "seed_spread": spread, "seed_max_difference": max_difference, "scores": floats(scores)}
        if name in CLASSIFICATION:
            case["proba"] = floats(output)
        cases.append(case)
        print(name, model, params, "seed_spread", spread, file=sys.stderr)
    return cases


def forest_fixture(datasets):
    cases = []
    for name, model, params in FOREST_CASES:
        X, y, train, test = datasets[name]
        scores, per_row = [], []
        for seed in range(N_SEEDS):
            fitted = make(model, params, seed).fit(X[train], y[train])
            scores.append(score(name, y[test], fitted.predict(X[test])))
            if name in CLASSIFICATION:
                proba = fitted.predict_proba(X[test])
                per_row.append(proba[np.arange(len(test)), np.searchsorted(fitted.classes_, y[test])])
            else:
                pred = fitted.predict(X[test])
                per_row.append(pred)
        per_row = np.array(per_row)
        cases.append({"dataset": name, "model": model, "params": params, "scores": floats(scores),
                      "row_mean": floats(per_row.mean(axis=0)), "row_std": floats(per_row.std(axis=0, ddof=1))})
        print(name, model, params, "score %.4f ± %.4f" % (np.mean(scores), np.std(scores, ddof=1)), file=sys.stderr)
    return cases


def main():
    datasets = {}
    for name in sorted({c[0] for c in BOOSTING_CASES + FOREST_CASES}):
        X, y = load(name)
        datasets[name] = (X, y, *split(len(y)))
    splits = {name: {"task": "classification" if name in CLASSIFICATION else "regression",
                     "train": d[2].tolist(), "test": d[3].tolist()} for name, d in datasets.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outputs = {"ensemble_boosting.json": boosting_fixture(datasets),
                   "ensemble_forests.json": forest_fixture(datasets)}
    for file, cases in outputs.items():
        with open(os.path.join(ROOT, "test", "fixtures", file), "w") as fh:
            json.dump({"sklearn": sklearn.__version__, "splits": splits, "cases": cases}, fh, separators=(",", ":"))
            fh.write("\n")


if __name__ == "__main__":
    main()
