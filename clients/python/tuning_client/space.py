"""Search-space distributions, as the service's param_distributions spell them."""
from typing import Any, Dict, Optional, Sequence


def int_param(low: int, high: int, *, log: bool = False, step: Optional[int] = None) -> Dict[str, Any]:
    """An integer in [low, high], on a log scale or on a grid of `step`."""
    return {"type": "int", "low": low, "high": high, **({"log": True} if log else {}), **({"step": step} if step else {})}


def float_param(low: float, high: float, *, log: bool = False) -> Dict[str, Any]:
    """A float in [low, high], on a log scale when `log`."""
    return {"type": "float", "low": low, "high": high, **({"log": True} if log else {})}


def categorical(choices: Sequence[Any]) -> Dict[str, Any]:
    """One of `choices` (strings, numbers, booleans or null)."""
    return {"type": "categorical", "choices": list(choices)}
