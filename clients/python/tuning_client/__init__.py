"""Python client of the tuning service: studies evaluated by your own code (ask / report / tell, or
optimize), and the service's built-in runs. Standard library only."""
from .client import Client
from .errors import ApiError, RunFailed, StudyDone, TrialPruned, TuningError
from .space import categorical, float_param, int_param
from .study import Study, Trial

__all__ = [
    "ApiError", "Client", "RunFailed", "Study", "StudyDone", "Trial", "TrialPruned", "TuningError",
    "categorical", "float_param", "int_param",
]
__version__ = "0.1.0"
