#!/usr/bin/python3
"""Write the scikit-learn reference values for the core engine's tests (test/fixtures/core_*.json).

Run with Debian's python3-sklearn (1.2.1): `/usr/bin/python3 scripts/fixtures_core.py`. The JSON files
are committed; scikit-learn is not a runtime or test dependency.

- core_metrics.json: fixed y_true / predictions / probabilities → every scorer's value, computed
  through sklearn's own scorer objects (get_scorer) on an estimator that returns those predictions.
- core_cv.json: StratifiedKFold / KFold folds. Unshuffled test indices are deterministic and must
  match exactly; shuffled folds use NumPy's RNG, so only their per-class allocation is recorded.
- core_models.json: predictions of LogisticRegression, Ridge, LinearRegression and KNeighbors* on a
  fixed train/test split of the sample data sets (data/samples/*.csv), with the registry's
  `standardize` default applied as make_pipeline(StandardScaler(), model).
"""
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from scipy.linalg import LinAlgWarning
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import get_scorer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SAMPLES = os.path.join(ROOT, "data", "samples")
OUT = os.path.join(ROOT, "test", "fixtures")

CLASSIFICATION_SCORERS = [
    "accuracy", "balanced_accuracy",
    "f1", "f1_macro", "f1_micro", "f1_weighted",
    "precision", "precision_macro", "precision_micro", "precision_weighted",
    "recall", "recall_macro", "recall_micro", "recall_weighted",
    "roc_auc", "roc_auc_ovr", "roc_auc_ovr_weighted", "roc_auc_ovo", "roc_auc_ovo_weighted",
    "average_precision", "neg_log_loss", "neg_brier_score",
]
REGRESSION_SCORERS = [
    "r2", "explained_variance", "max_error", "neg_mean_squared_error", "neg_root_mean_squared_error",
    "neg_mean_absolute_error", "neg_median_absolute_error", "neg_mean_absolute_percentage_error",
]
BINARY_ONLY = {"f1", "precision", "recall", "average_precision", "neg_brier_score"}
PROBA = {"roc_auc", "roc_auc_ovr", "roc_auc_ovr_weighted", "roc_auc_ovo", "roc_auc_ovo_weighted",
         "average_precision", "neg_log_loss", "neg_brier_score"}


class FixedClassifier(ClassifierMixin, BaseEstimator):
    """Returns given predictions; classes_ = 0..k-1."""

    def __init__(self, pred=None, proba=None, n_classes=2):
        self.pred = pred
        self.proba = proba
        self.n_classes = n_classes
        self.classes_ = np.arange(n_classes)

    def predict(self, X):
        return self.pred

    def predict_proba(self, X):
        return self.proba


class FixedRegressor(RegressorMixin, BaseEstimator):
    def __init__(self, pred=None):
        self.pred = pred

    def predict(self, X):
        return self.pred


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def ints(a):
    return [int(v) for v in np.asarray(a).ravel()]


def classification_case(name, y_true, y_pred, proba, n_classes, note=""):
    est = FixedClassifier(np.asarray(y_pred), None if proba is None else np.asarray(proba), n_classes)
    X = np.zeros((len(y_true), 1))
    scores = {}
    for s in CLASSIFICATION_SCORERS:
        if proba is None and s in PROBA:
            continue
        if n_classes > 2 and s in BINARY_ONLY:
            continue
        if s == "roc_auc" and n_classes > 2:
            # sklearn's 'roc_auc' scorer raises on multiclass targets; ours is the OvR macro average.
            s_value = get_scorer("roc_auc_ovr")(est, X, np.asarray(y_true))
        else:
            s_value = get_scorer(s)(est, X, np.asarray(y_true))
        scores[s] = float(s_value)
    case = {"name": name, "task": "classification", "n_classes": n_classes, "y_true": ints(y_true),
            "y_pred": ints(y_pred), "scores": scores}
    if proba is not None:
        case["proba"] = floats(proba)
    if note:
        case["note"] = note
    return case


def regression_case(name, y_true, y_pred, note=""):
    est = FixedRegressor(np.asarray(y_pred, dtype=float))
    X = np.zeros((len(y_true), 1))
    scores = {s: float(get_scorer(s)(est, X, np.asarray(y_true, dtype=float))) for s in REGRESSION_SCORERS}
    case = {"name": name, "task": "regression", "y_true": floats(y_true), "y_pred": floats(y_pred), "scores": scores}
    if note:
        case["note"] = note
    return case


def metrics_fixture():
    rng = np.random.RandomState(7)
    cases = []

    # Binary: probabilities on a 0.1 grid, so there are ties for roc_auc / average_precision.
    n = 40
    y = rng.randint(0, 2, n)
    p1 = np.clip(np.round(0.5 * y + 0.5 * rng.rand(n) + 0.1 * rng.randn(n), 1), 0.0, 1.0)
    proba = np.column_stack([1 - p1, p1])
    pred = (p1 > 0.5).astype(int)
    cases.append(classification_case("binary", y, pred, proba, 2, "probabilities with ties and exact 0/1 values"))

    # Binary, nothing predicted positive: precision's zero division gives 0.
    y = np.array([0, 1, 0, 1, 1, 0, 0, 1, 0, 0])
    pred = np.zeros(10, dtype=int)
    p1 = np.array([0.1, 0.4, 0.2, 0.3, 0.45, 0.05, 0.3, 0.2, 0.1, 0.4])
    cases.append(classification_case("binary_no_positive_prediction", y, pred, np.column_stack([1 - p1, p1]), 2))

    # Binary, perfect.
    y = np.array([0, 1, 1, 0, 1, 0])
    p1 = np.array([0.2, 0.9, 0.7, 0.1, 0.6, 0.3])
    cases.append(classification_case("binary_perfect", y, y.copy(), np.column_stack([1 - p1, p1]), 2))

    # 3 classes.
    n = 60
    y = rng.randint(0, 3, n)
    logits = rng.randn(n, 3) + 1.5 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pred = proba.argmax(axis=1)
    cases.append(classification_case("multiclass", y, pred, proba, 3))

    # 3 classes, imbalanced, with probabilities 0 and 1 (log loss clipping).
    y = np.array([0] * 12 + [1] * 5 + [2] * 3)
    proba = np.tile([0.7, 0.2, 0.1], (20, 1))
    proba[12:17] = [0.3, 0.5, 0.2]
    proba[17:] = [0.1, 0.3, 0.6]
    proba[0] = [1.0, 0.0, 0.0]
    proba[12] = [1.0, 0.0, 0.0]
    proba[5] = [0.2, 0.2, 0.6]
    proba[18] = [0.0, 0.0, 1.0]
    pred = proba.argmax(axis=1)
    cases.append(classification_case("multiclass_imbalanced", y, pred, proba, 3))

    # 4 classes: class 2 only in y_true, class 3 only in y_pred (labels = union of both).
    y = np.array([0, 0, 1, 1, 2, 2, 0, 1, 2, 0])
    pred = np.array([0, 3, 1, 0, 1, 3, 0, 1, 0, 1])
    cases.append(classification_case("multiclass_label_union", y, pred, None, 4,
                                     "no probabilities: sklearn's multiclass AUC / log loss need every class in y_true"))

    # Regression.
    n = 30
    y = rng.randn(n) * 10 + 50
    pred = y + rng.randn(n) * 4 + 1.0
    cases.append(regression_case("regression", y, pred))
    y = np.array([3.0, -0.5, 2.0, 7.0, 0.0, 4.5])
    pred = np.array([2.5, 0.0, 2.0, 8.0, 0.25, 4.0])
    cases.append(regression_case("regression_with_zero_target", y, pred, "MAPE divides by max(|y|, eps)"))
    cases.append(regression_case("regression_constant_target", np.full(5, 2.0), np.array([2.0, 2.5, 1.5, 2.0, 2.0]),
                                 "r2 / explained_variance of a constant y_true: 0 unless perfect (force_finite)"))
    cases.append(regression_case("regression_constant_perfect", np.full(4, 2.0), np.full(4, 2.0)))
    return {"sklearn_version": sklearn.__version__, "cases": cases}


def load(name):
    with open(os.path.join(SAMPLES, f"{name}.csv")) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(os.path.join(SAMPLES, f"{name}.csv"), delimiter=",", skiprows=1)
    return data[:, :-1], data[:, -1], header


def allocation(y, folds, n_classes):
    return [[int(np.sum(y[test] == k)) for k in range(n_classes)] for _, test in folds]


def cv_fixture():
    stratified = []
    ys = {}
    for name in ["iris", "wine", "breast_cancer", "digits"]:
        ys[name] = load(name)[1].astype(int)
    ys["imbalanced"] = np.array([0] * 50 + [1] * 7 + [2] * 3)
    # Classes first appear in the order 2, 0, 1 (sklearn encodes them by first appearance).
    ys["first_appearance"] = np.array([2, 0, 1, 1, 2, 0, 0, 0, 1, 2, 2, 0, 1, 0, 2, 0, 0, 1, 2, 2, 1, 0, 0])
    for name, y in ys.items():
        n_classes = int(y.max()) + 1
        for n_splits in [2, 3, 5, 10]:
            if n_splits > np.bincount(y).max():
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                plain = list(StratifiedKFold(n_splits).split(np.zeros(len(y)), y))
                shuffled = list(StratifiedKFold(n_splits, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
            stratified.append({
                "name": name, "y": ints(y), "n_classes": n_classes, "n_splits": n_splits,
                "test_indices_unshuffled": [ints(test) for _, test in plain],
                "allocation": allocation(y, plain, n_classes),
                "allocation_shuffled": allocation(y, shuffled, n_classes),
            })
    kfold = []
    for n in [10, 11, 150, 442]:
        for n_splits in [2, 3, 5, 10]:
            plain = list(KFold(n_splits).split(np.zeros(n)))
            kfold.append({"n": n, "n_splits": n_splits, "test_indices_unshuffled": [ints(t) for _, t in plain],
                          "fold_sizes": [len(t) for _, t in plain]})
    return {"sklearn_version": sklearn.__version__, "stratified": stratified, "kfold": kfold}


# model_type → (sklearn class, task, standardize default)
MODELS = {
    "logistic_regression": (LogisticRegression, True),
    "ridge": (Ridge, False),
    "linear_regression": (LinearRegression, False),
    "knn_classification": (KNeighborsClassifier, True),
    "knn_regression": (KNeighborsRegressor, True),
}

MODEL_CASES = {
    "iris": [
        ("logistic_regression", {}),
        ("logistic_regression", {"C": 0.1}),
        ("logistic_regression", {"C": 10.0, "class_weight": "balanced"}),
        ("logistic_regression", {"standardize": False, "max_iter": 1000}),
        ("knn", {}),
        ("knn", {"weights": "distance", "n_neighbors": 7}),
        ("knn", {"p": 1, "n_neighbors": 3}),
        ("knn", {"standardize": False}),
    ],
    "wine": [
        ("logistic_regression", {}),
        ("logistic_regression", {"C": 0.5, "fit_intercept": False}),
        ("logistic_regression", {"class_weight": {"1": 2.5, "2": 0.5}}),
        ("knn", {}),
        ("knn", {"weights": "distance", "p": 3}),
    ],
    "breast_cancer": [
        ("logistic_regression", {}),
        ("logistic_regression", {"C": 0.05, "class_weight": "balanced"}),
        ("logistic_regression", {"C": 0.5, "fit_intercept": False}),
        ("knn", {}),
        ("knn", {"weights": "distance", "n_neighbors": 10}),
    ],
    "digits": [
        ("knn", {}),
        ("knn", {"weights": "distance", "n_neighbors": 3, "standardize": False}),
    ],
    "diabetes": [
        ("ridge", {}),
        ("ridge", {"alpha": 0.01}),
        ("ridge", {"alpha": 10.0, "standardize": True}),
        ("ridge", {"alpha": 0.5, "fit_intercept": False}),
        ("linear_regression", {}),
        ("linear_regression", {"fit_intercept": False}),
        ("linear_regression", {"standardize": True}),
        ("knn", {}),
        ("knn", {"weights": "distance", "n_neighbors": 8}),
        ("knn", {"p": 1.5, "standardize": False}),
    ],
    # diabetes plus a column equal to age + bmi (exactly collinear)
    "diabetes_collinear": [
        ("linear_regression", {}),
        ("ridge", {"alpha": 0.0}),
    ],
}

CLASSIFICATION_DATA = {"iris", "wine", "breast_cancer", "digits"}


def sklearn_model(model_type, task, params):
    params = dict(params)
    key = f"knn_{task}" if model_type == "knn" else model_type
    cls, default_standardize = MODELS[key]
    standardize = params.pop("standardize", default_standardize)
    if isinstance(params.get("class_weight"), dict):
        params["class_weight"] = {int(k): w for k, w in params["class_weight"].items()}
    model = cls(**params)
    return (make_pipeline(StandardScaler(), model) if standardize else model), standardize


def models_fixture():
    cases = []
    splits = {}
    for data_name, model_list in MODEL_CASES.items():
        base = "diabetes" if data_name.startswith("diabetes") else data_name
        X, y, _ = load(base)
        if data_name == "diabetes_collinear":
            X = np.column_stack([X, X[:, 0] + X[:, 2]])
        task = "classification" if base in CLASSIFICATION_DATA else "regression"
        if task == "classification":
            y = y.astype(int)
            train, test = next(StratifiedKFold(5, shuffle=True, random_state=42).split(X, y))
        else:
            train, test = next(KFold(5, shuffle=True, random_state=42).split(X))
        splits[data_name] = {"dataset": base, "task": task, "train": ints(train), "test": ints(test)}
        for model_type, params in model_list:
            model, standardize = sklearn_model(model_type, task, params)
            with warnings.catch_warnings():
                warnings.simplefilter("error", ConvergenceWarning)
                warnings.simplefilter("ignore", LinAlgWarning)  # Ridge(alpha=0) on the collinear columns
                model.fit(X[train], y[train])
            final = model[-1] if standardize else model
            case = {"data": data_name, "model_type": model_type, "params": params, "standardize": standardize,
                    "predictions": floats(model.predict(X[test]))}
            if task == "classification":
                case["predictions"] = ints(model.predict(X[test]))
                case["proba"] = floats(model.predict_proba(X[test]))
            if standardize:
                case["scaler_mean"] = floats(model[0].mean_)
                case["scaler_scale"] = floats(model[0].scale_)
            if hasattr(final, "coef_"):
                case["coef"] = floats(final.coef_)
                case["intercept"] = floats(np.atleast_1d(final.intercept_))
            if getattr(final, "n_iter_", None) is not None:
                case["n_iter"] = ints(final.n_iter_)
            if model_type == "knn":
                # Test rows whose k-th and (k+1)-th neighbour are (near-)equidistant: the choice among
                # tied neighbours is implementation-defined (sklearn's kd-tree vs our brute force).
                Xt = model[0].transform(X[train]) if standardize else X[train]
                Xq = model[0].transform(X[test]) if standardize else X[test]
                k = final.n_neighbors
                dist, _ = final.kneighbors(Xq, n_neighbors=min(k + 1, len(train)))
                ties = [int(i) for i in range(len(test)) if dist.shape[1] > k and abs(dist[i, k] - dist[i, k - 1]) <= 1e-9 * max(dist[i, k], 1e-300)]
                case["boundary_ties"] = ties
            cases.append(case)
    return {"sklearn_version": sklearn.__version__, "splits": splits, "cases": cases}


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(path, ROOT), file=sys.stderr)


def main():
    os.makedirs(OUT, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero-division and "y_pred contains classes not in y_true"
        metrics = metrics_fixture()
    write("core_metrics.json", metrics)
    write("core_cv.json", cv_fixture())
    write("core_models.json", models_fixture())


if __name__ == "__main__":
    main()
