"""Exceptions of the client."""
from typing import Any, Dict, List, Optional


class TuningError(Exception):
    """Base class of every error this client raises."""


class ApiError(TuningError):
    """The service refused a request: its HTTP status, its message and the fields at fault."""

    def __init__(self, status: int, message: str, detail: Optional[List[Dict[str, Any]]] = None,
                 method: str = "", path: str = ""):
        self.status = status
        self.message = message
        self.detail = detail or []
        self.method = method
        self.path = path
        fields = "".join(f"\n  {d.get('field')}: {d.get('reason')}" for d in self.detail)
        super().__init__(f"{method} {path} answered {status}: {message}{fields}")

    @property
    def fields(self) -> Dict[str, str]:
        """The detail as {field: reason}."""
        return {str(d.get("field")): str(d.get("reason")) for d in self.detail}


class RunFailed(TuningError):
    """A model run or tuning run the client waited for ended FAILED."""

    def __init__(self, what: str, status: Dict[str, Any]):
        self.status = status
        reason = status.get("error") or status.get("error_message") or "no reason given"
        kind = f" ({status['error_type']})" if status.get("error_type") else ""
        super().__init__(f"{what} failed{kind}: {reason}")


class TrialPruned(Exception):
    """Raise it from an objective to end the trial as PRUNED (as in Optuna)."""


class StudyDone(TuningError):
    """The study's budget is handed out: there is no trial left to ask for."""
