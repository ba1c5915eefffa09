"""The client: studies your code evaluates, and the service's built-in runs (upload, train, tune)."""
import os
import socket
import time
from typing import Any, Dict, Optional, Union

from .errors import RunFailed
from .progress import ProgressBar
from .study import Study
from .transport import Transport, quote

POLL_SECONDS = 0.5


class Client:
    """The service at `url` (its root, with or without /api/v1) with an API token; TUNE_URL / TUNE_TOKEN by default."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 60.0):
        self.transport = Transport(url, token, timeout)

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Any endpoint under /api/v1, e.g. client.request("GET", "/datasets")."""
        return self.transport.request(method, path, body)

    # ---- studies ------------------------------------------------------------------------------
    def create_study(self, space: Dict[str, Any], n_iter: Optional[int] = None, direction: str = "maximize",
                     tuning_method: str = "bayesian", pruner: Optional[str] = None, seed: Optional[int] = None,
                     name: Optional[str] = None, trial_timeout_seconds: Optional[float] = None,
                     model_run_id: Optional[str] = None, scoring: Optional[str] = None,
                     retry_failed_trials: Optional[bool] = None, task_type: str = "classification",
                     dataset_uri: Optional[str] = None, **options: Any) -> Study:
        """Starts a tuning run whose trials your code evaluates.

        `space` maps each parameter to a distribution (int_param, float_param, categorical), or, for
        grid_search, to its list of values; `n_iter` is the number of trials (for a grid, by default
        all its points). Without `model_run_id`, registers a reference data set
        (`dataset_uri`, no content), an experiment and an `external` model run named `name`.
        Other keyword arguments (time_budget_seconds, target_score, tags, ...) go to POST /tuning/tune.
        """
        if model_run_id is None:
            model_run_id = self.register_external_model(name or "study", task_type=task_type, dataset_uri=dataset_uri,
                                                        scoring=scoring)["id"]
        space_field = "param_grid" if tuning_method == "grid_search" else "param_distributions"
        body = {
            "model_run_id": model_run_id,
            "tuning_method": tuning_method,
            space_field: space,
            "evaluation": "client",
            "direction": direction,
            **dropped_none(n_iter=n_iter, pruner=pruner, seed=seed, trial_timeout_seconds=trial_timeout_seconds,
                           scoring=scoring, retry_failed_trials=retry_failed_trials),
            **options,
        }
        started = self.request("POST", "/tuning/tune", body)
        return Study(self.transport, started["tuning_run_id"], direction, trial_timeout_seconds)

    def load_study(self, tuning_run_id: str, direction: str = "maximize",
                   trial_timeout_seconds: Optional[float] = None) -> Study:
        """A study created elsewhere (another process joining it)."""
        return Study(self.transport, tuning_run_id, direction, trial_timeout_seconds)

    def register_external_model(self, name: str, task_type: str = "classification", dataset_uri: Optional[str] = None,
                                hyperparameters: Optional[Dict[str, Any]] = None, scoring: Optional[str] = None,
                                model_artifact_path: Optional[str] = None) -> Dict[str, Any]:
        """A reference data set, an experiment and an `external` model run (COMPLETED at once) for code that lives elsewhere."""
        uri = dataset_uri or f"file://{socket.gethostname()}{os.getcwd()}"
        dataset = self.request("POST", "/datasets", {"name": name, "uri": uri, "task_type": task_type})
        experiment = self.create_experiment(name, dataset["id"])
        return self.request("POST", "/model-runs", {
            "experiment_id": experiment["id"],
            "model_type": "external",
            "hyperparameters": hyperparameters or {},
            **dropped_none(scoring=scoring, model_artifact_path=model_artifact_path),
        })

    # ---- built-in runs (the service fits its own estimators) ----------------------------------
    def upload_dataset(self, data: Any, target: str, task: str = "classification",
                       name: Optional[str] = None) -> Dict[str, Any]:
        """Uploads a CSV file (a path) or a pandas DataFrame; `target` names the target column."""
        if isinstance(data, (str, os.PathLike)):
            with open(data, encoding="utf-8") as f:
                csv = f.read()
            name = name or os.path.basename(os.fspath(data))
        else:
            csv = data.to_csv(index=False)
        return self.request("POST", "/datasets", {
            "csv": csv, "target_column": target, "task_type": task, **dropped_none(name=name),
        })

    def create_experiment(self, name: str, dataset_id: str, **options: Any) -> Dict[str, Any]:
        return self.request("POST", "/experiments", {"name": name, "dataset_id": dataset_id, **options})

    def train(self, experiment_id: str, model_type: str, hyperparameters: Optional[Dict[str, Any]] = None,
              wait: bool = True, **options: Any) -> Dict[str, Any]:
        """Starts a model run (the service fits `model_type`); with `wait`, returns it once finished."""
        run = self.request("POST", "/model-runs", {
            "experiment_id": experiment_id, "model_type": model_type, "hyperparameters": hyperparameters or {}, **options,
        })
        if not wait:
            return run
        while run.get("status") == "running":
            time.sleep(POLL_SECONDS)
            run = self.request("GET", f"/model-runs/{quote(run['id'])}")
        if run.get("status") == "failed":
            raise RunFailed(f"model run {run['id']}", run)
        return run

    def tune(self, model_run_id: str, wait: bool = True, progress: bool = True, **options: Any) -> Dict[str, Any]:
        """Starts a built-in tuning run (options as POST /tuning/tune takes them: tuning_method,
        param_grid or param_distributions, n_iter, cv, scoring, ...). With `wait`, returns its results
        once it has finished, drawing a progress bar on stderr when that is a terminal."""
        started = self.request("POST", "/tuning/tune", {"model_run_id": model_run_id, **options})
        run_id = started["tuning_run_id"]
        if not wait:
            return started
        bar = ProgressBar(f"tuning {run_id[:8]}") if progress else None
        try:
            while True:
                status = self.request("GET", f"/tuning/tune/{quote(run_id)}/status")
                if bar:
                    bar.update(status.get("progress") or {})
                if status.get("status") != "running":
                    break
                time.sleep(POLL_SECONDS)
        finally:
            if bar:
                bar.close()
        if status.get("status") == "failed":
            raise RunFailed(f"tuning run {run_id}", status)
        return self.request("GET", f"/tuning/tune/{quote(run_id)}/results")


def dropped_none(**fields: Any) -> Dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}
