#!/usr/bin/env python3
"""Optuna's TPE on one tuning case, for bench/search.ts to compare against.

Run with Debian's interpreter (python3-optuna, python3-sklearn): /usr/bin/python3.
Usage:
  optuna_tpe.py DATA_DIR SEED[,SEED...] < case.json
      Optuna's TPE with scikit-learn's cross_val_score as the objective. The case (on stdin) is
      shaped like the entries of shared/bench/cases.json: dataset, task, model_type, space
      (Optuna-style distributions), n_iter, cv_folds, scoring, seed (for the folds and the model's
      random_state). SEED seeds the TPESampler. Prints one JSON line per sampler seed:
      {"seed", "values": [score per trial], "best_so_far": [...], "seconds"}.
  optuna_tpe.py --ask-tell SEED
      Optuna's TPE driven by the caller (ask/tell), so it can be run on another objective: reads
      the case as the first line of stdin, then for each of n_iter trials prints the parameters
      as a JSON line and reads the score back as a line.
"""
import json
import math
import os
import sys
import time

import numpy as np
from sklearn import ensemble, linear_model, model_selection, neighbors, tree

MODELS = {
    ("random_forest", "classification"): ensemble.RandomForestClassifier,
    ("random_forest", "regression"): ensemble.RandomForestRegressor,
    ("gradient_boosting", "classification"): ensemble.GradientBoostingClassifier,
    ("gradient_boosting", "regression"): ensemble.GradientBoostingRegressor,
    ("extra_trees", "classification"): ensemble.ExtraTreesClassifier,
    ("extra_trees", "regression"): ensemble.ExtraTreesRegressor,
    ("decision_tree", "classification"): tree.DecisionTreeClassifier,
    ("decision_tree", "regression"): tree.DecisionTreeRegressor,
}


def load(data_dir, name):
    data = np.loadtxt(os.path.join(data_dir, f"{name}.csv"), delimiter=",", skiprows=1)
    return data[:, :-1], data[:, -1]


def suggest(trial, name, spec):
    if spec["type"] == "categorical":
        return trial.suggest_categorical(name, spec["choices"])
    if spec["type"] == "int":
        return trial.suggest_int(name, spec["low"], spec["high"], step=spec.get("step", 1), log=spec.get("log", False))
    return trial.suggest_float(name, spec["low"], spec["high"], step=spec.get("step"), log=spec.get("log", False))


def run(case, data_dir, sampler_seed):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X, y = load(data_dir, case["dataset"])
    model = MODELS[(case["model_type"], case["task"])]
    if case["task"] == "classification":
        cv = model_selection.StratifiedKFold(case["cv_folds"], shuffle=True, random_state=case["seed"])
    else:
        cv = model_selection.KFold(case["cv_folds"], shuffle=True, random_state=case["seed"])

    def objective(trial):
        params = suggest_params(trial, case["space"])
        scores = model_selection.cross_val_score(model(random_state=case["seed"], **params), X, y, cv=cv,
                                                 scoring=case["scoring"], n_jobs=1)
        return float(scores.mean())

    start = time.perf_counter()
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=sampler_seed))
    study.optimize(objective, n_trials=case["n_iter"])
    values = [t.value for t in study.trials]
    best, best_so_far = -math.inf, []
    for v in values:
        best = max(best, v)
        best_so_far.append(best)
    return {"seed": sampler_seed, "values": values, "best_so_far": best_so_far,
            "seconds": round(time.perf_counter() - start, 3)}


def suggest_params(trial, space):
    params = {}
    for name, spec in space.items():
        cond = spec.get("condition")
        if cond is not None:
            allowed = cond["equals"] if isinstance(cond["equals"], list) else [cond["equals"]]
            if params.get(cond["param"], object()) not in allowed:
                continue
        params[name] = suggest(trial, name, spec)
    return params


def ask_tell(sampler_seed):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    case = json.loads(sys.stdin.readline())
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=sampler_seed))
    for _ in range(case["n_iter"]):
        trial = study.ask()
        print(json.dumps(suggest_params(trial, case["space"])), flush=True)
        line = sys.stdin.readline()
        if not line:
            return
        study.tell(trial, float(line))


def main(argv):
    if argv[0] == "--ask-tell":
        ask_tell(int(argv[1]))
        return
    data_dir, seeds = argv[0], [int(s) for s in argv[1].split(",")]
    case = json.load(sys.stdin)
    for seed in seeds:
        print(json.dumps(run(case, data_dir, seed)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
