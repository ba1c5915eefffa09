#!/usr/bin/python3
"""Write scikit-learn's shuffled folds and cross_val_score for test/unit/model_selection.test.ts
(test/fixtures/folds_shuffled.json).

Run with Debian's python3-sklearn (1.2.1): `/usr/bin/python3 scripts/fixtures_folds.py`. The JSON file
is committed; scikit-learn is not a runtime or test dependency.

For each sample data set, seed and n_splits: the test fold of every row under
KFold(n_splits, shuffle=True, random_state=seed) and, for classification, under
StratifiedKFold(n_splits, shuffle=True, random_state=seed), written as a string of fold digits
(row i's fold is the i-th character). Then cross_val_score of a deterministic estimator on the
splitter the service uses (stratified for classification, KFold for regression):
make_pipeline(StandardScaler(), LogisticRegression()) scored by accuracy, or Ridge() scored by r2.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SAMPLES = os.path.join(ROOT, "data", "samples")
OUT = os.path.join(ROOT, "test", "fixtures", "folds_shuffled.json")

DATASETS = {"iris": "classification", "wine": "classification", "breast_cancer": "classification", "diabetes": "regression"}
SEEDS = [0, 1, 42, 12345]
N_SPLITS = [3, 5]


def load(name):
    data = np.loadtxt(os.path.join(SAMPLES, f"{name}.csv"), delimiter=",", skiprows=1)
    return data[:, :-1], data[:, -1]


def fold_digits(splitter, X, y):
    fold = np.full(len(X), -1)
    for f, (_, test) in enumerate(splitter.split(X, y)):
        fold[test] = f
    assert fold.min() >= 0 and fold.max() < 10
    return "".join(str(int(f)) for f in fold)


def main():
    cases = []
    for name, task in DATASETS.items():
        X, y = load(name)
        if task == "classification":
            y = y.astype(int)
            estimator, scoring = make_pipeline(StandardScaler(), LogisticRegression()), "accuracy"
        else:
            estimator, scoring = Ridge(), "r2"
        for n_splits in N_SPLITS:
            for seed in SEEDS:
                kfold = KFold(n_splits, shuffle=True, random_state=seed)
                stratified = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
                service_cv = stratified if task == "classification" else kfold
                case = {
                    "dataset": name, "task": task, "n_splits": n_splits, "seed": seed,
                    "kfold": fold_digits(kfold, X, y),
                    "scoring": scoring,
                    "scores": [float(s) for s in cross_val_score(estimator, X, y, cv=service_cv, scoring=scoring)],
                }
                if task == "classification":
                    case["stratified"] = fold_digits(stratified, X, y)
                cases.append(case)
    with open(OUT, "w") as f:
        json.dump({"sklearn_version": sklearn.__version__, "numpy_version": np.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print("wrote", os.path.relpath(OUT, ROOT), file=sys.stderr)


if __name__ == "__main__":
    main()
