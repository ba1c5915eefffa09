#!/usr/bin/python3
"""Expected scikit-learn predictions of single decision trees, for test/unit/tree*.test.ts.

Run with Debian's python3-sklearn: /usr/bin/python3 scripts/fixtures_trees.py
Writes test/fixtures/tree_<dataset>.json. Split: test rows are those with index % 4 == 0.
Per case: the predictions of random_state=0 and, over random_state 0..N_SEEDS-1, on how many test
rows they change (seed_spread), each row's smallest / largest prediction and the test scores
(accuracy / r2).
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, r2_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

N_SEEDS = 30
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = {
    "iris": ("classification", [{}, {"criterion": "entropy"}, {"max_depth": 2}]),
    "wine": ("classification", [{}, {"min_samples_leaf": 3}]),
    "breast_cancer": ("classification", [{}, {"criterion": "entropy"}, {"max_leaf_nodes": 8},
                                          {"min_samples_split": 10, "max_depth": 5},
                                          {"class_weight": "balanced"}, {"ccp_alpha": 0.01}]),
    "digits": ("classification", [{}, {"max_depth": 8, "min_samples_leaf": 2}]),
    "diabetes": ("regression", [{}, {"max_depth": 4}, {"min_samples_leaf": 5, "max_leaf_nodes": 20},
                                {"criterion": "absolute_error", "max_depth": 3},
                                {"max_depth": 6, "ccp_alpha": 50.0},
                                {"criterion": "friedman_mse", "max_leaf_nodes": 8, "min_samples_leaf": 5}]),
}


def make(task, seed, params):
    return (DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor)(random_state=seed, **params)


def main():
    for name, (task, param_sets) in CASES.items():
        data = np.loadtxt(os.path.join(ROOT, "data", "samples", f"{name}.csv"), delimiter=",", skiprows=1)
        X, y = data[:, :-1], data[:, -1]
        idx = np.arange(len(y))
        train, test = idx[idx % 4 != 0], idx[idx % 4 == 0]
        out = {"dataset": name, "task": task, "sklearn": sklearn.__version__,
               "train": train.tolist(), "test": test.tolist(), "cases": []}
        for params in param_sets:
            model = make(task, 0, params).fit(X[train], y[train])
            pred = model.predict(X[test])
            # Ties between equally good splits are broken by random_state (in an order ours does not
            # reproduce), so the other seeds give the range the predictions and scores may take.
            seeds = np.array([pred] + [make(task, seed, params).fit(X[train], y[train]).predict(X[test])
                                       for seed in range(1, N_SEEDS)])
            scores = [accuracy_score(y[test], p) if task == "classification" else r2_score(y[test], p) for p in seeds]
            out["cases"].append({"params": params, "predict": pred.tolist(),
                                 "seed_spread": int((seeds != pred).any(axis=0).sum()),
                                 "seed_min": seeds.min(axis=0).tolist(), "seed_max": seeds.max(axis=0).tolist(),
                                 "scores": scores,
                                 "node_count": int(model.tree_.node_count), "depth": int(model.get_depth())})
        with open(os.path.join(ROOT, "test", "fixtures", f"tree_{name}.json"), "w") as fh:
            json.dump(out, fh)
        print(name, len(param_sets))


if __name__ == "__main__":
    main()
