"""The Python client against the real service: studies evaluated by real training code (XGBoost,
a scikit-learn pipeline), an ask/tell loop, the README's example, and a built-in run."""
import ast
import io
import math
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import tuning_client as tc
from tuning_client.progress import ProgressBar
from results_shape import check_finished_study

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 40
REPORT_EVERY = 5


class ReportLogLoss(xgb.callback.TrainingCallback):
    """Reports the validation log loss every few boosting rounds; stops training when the service says prune."""

    def __init__(self, trial):
        super().__init__()
        self.trial = trial
        self.pruned = False

    def after_iteration(self, model, epoch, evals_log):
        if (epoch + 1) % REPORT_EVERY:
            return False
        self.trial.report(evals_log["validation_0"]["logloss"][-1], step=epoch + 1)
        self.pruned = self.trial.should_prune()
        return self.pruned


def test_xgboost_with_pruning_on_its_per_round_log_loss(client):
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    pruned_here, completed_here, lock = set(), {}, threading.Lock()

    def objective(trial):
        callback = ReportLogLoss(trial)
        model = xgb.XGBClassifier(**trial.params, n_estimators=ROUNDS, eval_metric="logloss", n_jobs=1, callbacks=[callback])
        model.fit(X_train, y_train, eval_set=[(X_valid, y_valid)], verbose=False)
        if callback.pruned:
            with lock:
                pruned_here.add(trial.number)
            raise tc.TrialPruned()
        value = model.evals_result()["validation_0"]["logloss"][-1]
        with lock:
            completed_here[trial.number] = value
        return value

    n_iter = 20
    study = client.create_study(
        # Learning rates down to 1e-4 barely move the log loss in 40 rounds: the pruner's prey.
        space={"max_depth": tc.int_param(2, 6), "learning_rate": tc.float_param(1e-4, 0.5, log=True),
               "subsample": tc.float_param(0.6, 1.0)},
        n_iter=n_iter, direction="minimize", tuning_method="bayesian", pruner="median", seed=0,
        name="xgboost breast cancer", scoring="val_logloss", trial_timeout_seconds=120,
    )
    study.optimize(objective, n_jobs=2)

    trials = check_finished_study(study, n_iter, "minimize", "bayesian")
    states = {t["number"]: t["state"] for t in trials}
    assert {n for n, s in states.items() if s == "PRUNED"} == pruned_here
    assert pruned_here, "the median pruner never pruned a trial stuck at a log loss near 0.69"
    assert {n for n, s in states.items() if s == "COMPLETE"} == set(completed_here)
    for t in trials:
        if t["state"] == "COMPLETE":
            assert math.isclose(t["mean_score"], completed_here[t["number"]], rel_tol=1e-9)
    assert min(completed_here.values()) < 0.2  # a decent learning rate was found


def test_scikit_learn_pipeline_with_fold_scores(client):
    X, y = load_wine(return_X_y=True)
    returned, lock = {}, threading.Lock()

    def objective(trial):
        p = trial.params
        pipeline = make_pipeline(StandardScaler(), SVC(C=p["C"], gamma=p["gamma"], kernel=p["kernel"]))
        scores = cross_val_score(pipeline, X, y, cv=3, scoring="accuracy")
        with lock:
            returned[trial.number] = list(scores)
        return scores  # fold scores: the service records them and ranks by their mean

    n_iter = 8
    study = client.create_study(
        space={"C": tc.float_param(1e-2, 1e2, log=True), "gamma": tc.float_param(1e-4, 1.0, log=True),
               "kernel": tc.categorical(["rbf", "sigmoid"])},
        n_iter=n_iter, tuning_method="random_search", seed=1, name="wine svc", scoring="accuracy",
    )
    study.optimize(objective, n_jobs=2)

    trials = check_finished_study(study, n_iter, "maximize", "random_search")
    assert {t["number"] for t in trials if t["state"] == "COMPLETE"} == set(returned) == set(range(n_iter))
    for t in trials:
        assert t["scores"] == pytest.approx(returned[t["number"]])
        assert t["mean_score"] == pytest.approx(np.mean(returned[t["number"]]))
        assert t["std_score"] == pytest.approx(np.std(returned[t["number"]]))
    assert study.best_value > 0.9
    frame = study.trials_dataframe()
    assert len(frame) == n_iter and {"params_C", "params_gamma", "params_kernel", "mean_score"} <= set(frame.columns)


def test_ask_tell_loop(client, service):
    grid = {"x": [-1, 0, 1], "y": [0, 2]}
    n_iter = 6
    study = client.create_study(space=grid, tuning_method="grid_search", direction="minimize", name="ask tell")

    first, second = study.ask(), study.ask()  # two held at once by one client
    assert first.number != second.number
    assert study.tell(first, value=first.params["x"] ** 2 + first.params["y"])["state"] == "COMPLETE"
    # Telling again with the same value is answered the same; a different outcome is refused.
    assert study.tell(first.number, value=first.params["x"] ** 2 + first.params["y"])["state"] == "COMPLETE"
    with pytest.raises(tc.ApiError) as refused:
        study.tell(first, value=123.0)
    assert refused.value.status == 409
    assert study.tell(second, state="FAILED", reason="out of memory")["state"] == "FAILED"

    seen = [first.params, second.params]
    while True:
        try:
            trial = study.ask()
        except tc.StudyDone:
            break
        seen.append(trial.params)
        if trial.params == {"x": 1, "y": 2}:
            study.tell(trial, state="PRUNED")
        else:
            study.tell(trial, value=trial.params["x"] ** 2 + trial.params["y"])
    assert sorted(seen, key=lambda p: (p["x"], p["y"])) == [{"x": x, "y": y} for x in grid["x"] for y in grid["y"]]

    trials = check_finished_study(study, n_iter, "minimize", "grid_search")
    states = {t["number"]: t["state"] for t in trials}
    assert states[second.number] == "FAILED"
    assert sum(s == "PRUNED" for s in states.values()) == 1
    assert [t.get("error") for t in trials if t["number"] == second.number] == ["out of memory"]
    assert study.best_params == {"x": 0, "y": 0} and study.best_value == 0

    # Another user cannot reach the study: 404, not 403, so ids cannot be probed.
    with pytest.raises(tc.ApiError) as hidden:
        tc.Client(service["url"], service["other_token"]).load_study(study.id).status()
    assert hidden.value.status == 404


def test_objective_errors_fail_their_trial_and_are_re_raised_only_when_not_caught(client):
    study = client.create_study(space={"x": tc.float_param(0, 1)}, n_iter=3, tuning_method="random_search", name="errors")

    def broken(trial):
        raise ValueError(f"cannot evaluate {trial.number}")

    with pytest.raises(ValueError):
        study.optimize(broken, n_trials=1, catch=())
    study.optimize(broken)  # caught by default: each trial FAILED, the loop goes on
    trials = check_failed_only(study, 3)
    assert all(t["error"] == f"ValueError: cannot evaluate {t['number']}" for t in trials)


def check_failed_only(study, n_iter):
    status = study.wait(timeout=120)
    trials = study.trials
    assert [t["state"] for t in trials] == ["FAILED"] * n_iter, trials
    assert status["status"] in ("completed", "failed")
    return trials


def test_heartbeats_keep_a_trial_longer_than_its_timeout_alive(client):
    study = client.create_study(space={"x": tc.float_param(0, 1)}, n_iter=1, tuning_method="random_search",
                                trial_timeout_seconds=6, name="long trial")

    def slow(trial):
        time.sleep(9)  # past trial_timeout_seconds: without heartbeats (every 1.2 s) the service fails the trial as stale
        return trial.params["x"]

    study.optimize(slow)
    trials = study.trials
    assert [t["state"] for t in trials] == ["COMPLETE"], (trials, study.status())
    assert study.wait(timeout=60)["status"] == "completed"


def test_api_errors_name_the_field(client):
    with pytest.raises(tc.ApiError) as invalid:
        client.create_study(space={"x": {"type": "float", "low": 2, "high": 1}}, n_iter=3, name="inverted")
    assert invalid.value.status == 422
    assert any(field.startswith("param_distributions") for field in invalid.value.fields), invalid.value.detail
    assert "param_distributions" in str(invalid.value)


def readme_python_example():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Python client", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example(service_env, tmp_path):
    script = tmp_path / "readme_example.py"
    script.write_text(readme_python_example())
    run = subprocess.run([sys.executable, str(script)], env=service_env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    params_text, value_text = run.stdout.strip().splitlines()[-1].rsplit(" ", 1)
    best_params = ast.literal_eval(params_text)
    assert set(best_params) == {"max_depth", "learning_rate", "n_estimators"}
    assert 0.9 < float(value_text) <= 1.0


def test_built_in_run_from_a_dataframe_and_a_file(client, tmp_path):
    frame = load_breast_cancer(as_frame=True).frame
    dataset = client.upload_dataset(frame, target="target", task="classification", name="breast cancer")
    assert (dataset["n_samples"], dataset["n_features"]) == (len(frame), frame.shape[1] - 1)
    csv_path = tmp_path / "first_rows.csv"
    frame.head(100).to_csv(csv_path, index=False)
    from_file = client.upload_dataset(csv_path, target="target")
    assert (from_file["name"], from_file["n_samples"]) == ("first_rows.csv", 100)
    experiment = client.create_experiment("built-in", dataset["id"])
    model_run = client.train(experiment["id"], "logistic_regression", {"max_iter": 200})
    assert model_run["status"] == "completed"

    answer = client.tune(model_run["id"], tuning_method="grid_search", param_grid={"C": [0.1, 1.0]}, cv_folds=3)
    assert answer["status"] == "completed"
    results = answer["results"]
    assert results["total_combinations"] == 2 and results["cv_folds"] == 3
    assert [r["rank"] for r in results["all_results"]] == [1, 2]
    assert answer["best_params"] == results["all_results"][0]["params"]


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_draws_only_on_a_terminal():
    progress = {"evaluated": 3, "total": 12, "best_score": 0.91234, "elapsed_seconds": 7.2}
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        bar = ProgressBar("tuning", stream)
        bar.update(progress)
        bar.close()
    assert terminal.getvalue() == "\rtuning [#######.......................] 3/12  best 0.9123  7s\n"
    assert pipe.getvalue() == ""
