"""A study: a tuning run whose trials your own code evaluates (ask, report, tell), in Optuna's spirit."""
import logging
import math
import os
import socket
import threading
import time
import traceback
import uuid
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple, Type, Union

from .errors import ApiError, RunFailed, StudyDone, TrialPruned
from .transport import Transport, quote

logger = logging.getLogger("tuning_client")

TRIAL_STATES = ("COMPLETE", "PRUNED", "FAILED", "INFEASIBLE")
# How long ask() waits between polls when other clients still hold the last trials.
ASK_POLL_SECONDS = 0.5


def new_client_id() -> str:
    """Unique per asker: the service hands a client_id back its own pending trials."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class Trial:
    """One suggested point: `number`, `params`; `report()` intermediate values, ask `should_prune()`."""

    def __init__(self, study: "Study", number: int, params: Dict[str, Any]):
        self.study = study
        self.number = number
        self.params = params
        self._should_prune = False
        # Set when a heartbeat finds the trial closed by the service (stale): the objective should stop.
        self.closed_state: Optional[str] = None

    def report(self, value: float, step: int) -> None:
        """Records an intermediate value; the service's pruner answers whether to stop (see should_prune)."""
        if self.closed_state is not None:
            return
        try:
            answer = self.study._post(f"/trials/{self.number}/report", {"step": int(step), "value": float(value)})
        except ApiError as err:
            if err.status != 409:
                raise
            # Closed by the service (stale, or the study stopped) before a heartbeat noticed.
            logger.warning("trial %d: %s", self.number, err.message)
            self.closed_state = "CLOSED"
            return
        self._should_prune = bool(answer.get("should_prune"))

    def should_prune(self) -> bool:
        """True when the pruner said so at the last report, or the service has closed the trial."""
        return self._should_prune or self.closed_state is not None

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={self.params!r})"


class Heartbeat:
    """Keeps a trial alive while its objective runs; notices when the service has closed it."""

    def __init__(self, trial: Trial, interval: float):
        self.trial = trial
        self.interval = interval
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{trial.number}", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                state = self.trial.study._post(f"/trials/{self.trial.number}/heartbeat", {}).get("state")
            except ApiError as err:
                if err.status != 409:
                    logger.warning("heartbeat of trial %d failed: %s", self.trial.number, err)
                    continue
                state = "CLOSED"  # the study has finished or stopped
            except Exception as err:  # a lost beat is not fatal: the next one may get through
                logger.warning("heartbeat of trial %d failed: %s", self.trial.number, err)
                continue
            if state != "RUNNING":
                logger.warning("trial %d was closed by the service (%s); its result will be dropped", self.trial.number, state)
                self.trial.closed_state = state
                return


class Study:
    """A client-evaluated tuning run. Create one with Client.create_study or Client.load_study."""

    def __init__(self, transport: Transport, tuning_run_id: str, direction: str = "maximize",
                 trial_timeout_seconds: Optional[float] = None):
        self.transport = transport
        self.id = tuning_run_id
        self.direction = direction
        self.trial_timeout_seconds = trial_timeout_seconds
        self.client_id = new_client_id()
        self._lock = threading.Lock()
        self._asked: Set[int] = set()  # this client_id's trials not yet told

    # ---- the loop you drive -------------------------------------------------------------------
    def ask(self) -> Trial:
        """The next trial to evaluate. Waits while other clients hold the last ones; StudyDone when none is left."""
        with self._lock:
            trial = self._ask(self.client_id, self._asked)
            self._asked.add(trial.number)
            return trial

    def tell(self, trial: Union[Trial, int], value: Union[float, Sequence[float], None] = None,
             state: Optional[str] = None, reason: Optional[str] = None) -> Dict[str, Any]:
        """Completes a trial with a value (a sequence is taken as fold scores), or closes it in `state`."""
        number = trial.number if isinstance(trial, Trial) else int(trial)
        answer = self._post(f"/trials/{number}/complete", completion_body(value, state, reason))
        with self._lock:
            self._asked.discard(number)
        return answer

    # ---- the loop the client drives -----------------------------------------------------------
    def optimize(self, objective: Callable[[Trial], Any], n_trials: Optional[int] = None, n_jobs: int = 1,
                 catch: Union[Type[BaseException], Tuple[Type[BaseException], ...]] = (Exception,)) -> None:
        """Evaluates trials until the study is done (or `n_trials` ran), with `n_jobs` threads.

        When the study's budget has been handed out, it returns once the study has finished (every
        trial closed, by this or another client, and recorded), so `trials` and `results()` are final.

        An exception in the objective completes its trial as FAILED with the exception as reason; it is
        re-raised (stopping the other threads after their current trial) unless it is one of `catch`.
        """
        budget = Budget(n_trials)
        failure: List[BaseException] = []
        stop = threading.Event()
        done = threading.Event()

        def work() -> None:
            client_id = new_client_id()
            try:
                trial = self._ask(client_id, set()) if not stop.is_set() and budget.take() else None
                while trial is not None:
                    # The completion also asks for the next trial: one round trip per trial.
                    more = not stop.is_set() and budget.take()
                    answer = self._run(objective, trial, catch, client_id if more else None)
                    trial = self._next_trial(answer, client_id) if more else None
            except StudyDone:
                done.set()
            except BaseException as err:  # handed to the caller's thread
                failure.append(err)
                stop.set()

        if n_jobs <= 1:
            work()  # in the caller's thread, as Optuna does: some training code wants the main thread
        else:
            threads = [threading.Thread(target=work, name=f"optimize-{j}", daemon=True) for j in range(n_jobs)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        if failure:
            raise failure[0]
        if done.is_set():
            # A completion is acknowledged once the study's workflow holds it; its row is written
            # within a couple of seconds, and the run finishes when every trial is closed.
            self.wait()

    def _run(self, objective: Callable[[Trial], Any], trial: Trial, catch: Any,
             next_for: Optional[str]) -> Optional[Dict[str, Any]]:
        """Runs the objective on `trial` and closes it; with `next_for` (a client id), returns the
        completion's suggestion of that client's next trial (None when the completion was refused)."""
        interval = heartbeat_interval(self.trial_timeout_seconds)
        try:
            with Heartbeat(trial, interval):
                result = objective(trial)
        except TrialPruned:
            return self._close(trial, completion_body(None, "PRUNED", None), next_for)
        except BaseException as err:
            reason = f"{type(err).__name__}: {err}"
            logger.warning("trial %d failed: %s\n%s", trial.number, reason, traceback.format_exc())
            failed = completion_body(None, "FAILED", reason)
            if not isinstance(err, catch):
                self._close(trial, failed, None)
                raise
            return self._close(trial, failed, next_for)
        try:
            body = completion_body(result, None, None)
        except (TypeError, ValueError):
            body = completion_body(None, "FAILED", f"the objective returned {result!r}, not a finite number or fold scores")
        return self._close(trial, body, next_for)

    def _close(self, trial: Trial, body: Dict[str, Any], next_for: Optional[str]) -> Optional[Dict[str, Any]]:
        if next_for is not None:
            body = {**body, "next": {"count": 1, "client_id": next_for}}
        try:
            return self._post(f"/trials/{trial.number}/complete", body).get("next")
        except ApiError as err:
            if err.status != 409:
                raise
            # The service closed the trial first (stale after missed heartbeats) or the study has
            # stopped (cancel, time budget): the result has nowhere to go.
            logger.warning("trial %d could not be completed: %s", trial.number, err.message)
            return None

    def _next_trial(self, suggestion: Optional[Dict[str, Any]], client_id: str) -> Trial:
        """The trial a completion's suggestion holds; else asks (waiting while others hold the last ones)."""
        if suggestion and suggestion.get("trials"):
            first = suggestion["trials"][0]
            return Trial(self, first["number"], first["params"])
        if suggestion and suggestion.get("done"):
            raise StudyDone(f"study {self.id}: every trial of its budget has been handed out")
        return self._ask(client_id, set())

    def _ask(self, client_id: str, held: Set[int]) -> Trial:
        """One trial for `client_id` that it does not already hold (asking again returns those first)."""
        while True:
            try:
                answer = self._post("/suggest", {"count": len(held) + 1, "client_id": client_id})
            except ApiError as err:
                if err.status != 409:
                    raise
                # The study has finished: done, unless it failed (then say why).
                status = self.status()
                if status.get("status") == "failed":
                    raise RunFailed(f"study {self.id}", status) from err
                raise StudyDone(f"study {self.id}: {err.message}") from err
            fresh = [t for t in answer.get("trials", []) if t["number"] not in held]
            if fresh:
                return Trial(self, fresh[0]["number"], fresh[0]["params"])
            if answer.get("done"):
                raise StudyDone(f"study {self.id}: every trial of its budget has been handed out")
            time.sleep(ASK_POLL_SECONDS)

    # ---- reading the study --------------------------------------------------------------------
    def status(self) -> Dict[str, Any]:
        return self.transport.request("GET", f"/tuning/tune/{quote(self.id)}/status")

    def results(self) -> Dict[str, Any]:
        """The seed's results: best_params and results {best_score, all_results, ...}."""
        return self.transport.request("GET", f"/tuning/tune/{quote(self.id)}/results")

    @property
    def trials(self) -> List[Dict[str, Any]]:
        """The closed trials: number, params, state, scores, mean_score, std_score, duration_seconds."""
        return self.transport.request("GET", f"/tuning/tune/{quote(self.id)}/trials")["trials"]

    @property
    def best_params(self) -> Optional[Dict[str, Any]]:
        return self.status().get("progress", {}).get("best_params")

    @property
    def best_value(self) -> Optional[float]:
        return self.status().get("progress", {}).get("best_score")

    def trials_dataframe(self) -> Any:
        """The trials as a pandas DataFrame, one `params_<name>` column per parameter (as Optuna's)."""
        import pandas as pd

        rows = []
        for t in self.trials:
            row = {k: v for k, v in t.items() if k != "params"}
            row.update({f"params_{name}": value for name, value in (t.get("params") or {}).items()})
            rows.append(row)
        return pd.DataFrame(rows)

    def wait(self, poll_seconds: float = 0.5, timeout: Optional[float] = None) -> Dict[str, Any]:
        """The status once the run is no longer running (other clients may still be finishing trials)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self.status()
            if status.get("status") != "running":
                return status
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"study {self.id} still running after {timeout} s")
            time.sleep(poll_seconds)

    def cancel(self, reason: Optional[str] = None) -> Dict[str, Any]:
        return self.transport.request("POST", f"/tuning/tune/{quote(self.id)}/cancel", {"reason": reason} if reason else {})

    def set_n_iter(self, n_iter: int) -> Dict[str, Any]:
        """Grows or shrinks the budget of the running study."""
        return self.transport.request("PATCH", f"/tuning/tune/{quote(self.id)}", {"n_iter": n_iter})

    def _post(self, path: str, body: Dict[str, Any]) -> Dict[str, Any]:
        # Every study operation is idempotent (a client id, or a trial's recorded answer), so safe to resend.
        return self.transport.request("POST", f"/tuning/tune/{quote(self.id)}{path}", body, idempotent=True)

    def __repr__(self) -> str:
        return f"Study(id={self.id!r}, direction={self.direction!r})"


class Budget:
    """How many trials optimize() may still start, shared by its threads (None: no limit)."""

    def __init__(self, n_trials: Optional[int]):
        self.left = n_trials
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left is None:
                return True
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def completion_body(value: Union[float, Sequence[float], None], state: Optional[str], reason: Optional[str]) -> Dict[str, Any]:
    if state is not None:
        state = str(state).upper()
        if state not in TRIAL_STATES:
            raise ValueError(f"state must be one of {', '.join(TRIAL_STATES)}, not {state!r}")
        if state != "COMPLETE":
            return {"state": state, **({"reason": reason} if reason else {})}
    if value is None:
        raise ValueError("a COMPLETE trial needs a value")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"a value must be a number, not {value!r}")
    if getattr(value, "ndim", None) == 0 or not hasattr(value, "__len__"):
        return {"value": finite(value)}
    scores = [finite(v) for v in value]
    if not scores:
        raise ValueError("fold scores must not be empty")
    return {"scores": scores}


def finite(value: Any) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def heartbeat_interval(trial_timeout_seconds: Optional[float]) -> float:
    """A few beats per timeout, so one lost beat never makes a trial stale."""
    return min(30.0, max(0.5, (trial_timeout_seconds or 300.0) / 5))
