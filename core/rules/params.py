"""Checking method parameters: one clear line per bad value."""

from __future__ import annotations

import math
import numbers
from typing import Any, Mapping

from core.api.errors import ParameterError

# More steps than this is a typo, not a setting (the paper's photo edits use 50).
MAX_STEPS = 1000


def merge_params(defaults: Mapping[str, Any], given: Mapping[str, Any], method: str) -> dict[str, Any]:
    """Defaults overlaid with ``given``; unknown names are refused."""
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ParameterError(
            f"{method} has no parameter '{unknown[0]}': its parameters are {', '.join(sorted(defaults))}"
        )
    return {**defaults, **{k: v for k, v in given.items() if v is not None}}


def require_int(params: Mapping[str, Any], name: str, minimum: int, maximum: int = MAX_STEPS) -> int:
    """An integer parameter from ``minimum`` to ``maximum`` (step counts: at most :data:`MAX_STEPS`)."""
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ParameterError(
            f"{_label(name)} must be a whole number from {minimum} to {maximum} (got {_shown(value)})"
        )
    return value


def require_number(params: Mapping[str, Any], name: str) -> float:
    """A finite real number (not a bool, string, NaN or infinity)."""
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ParameterError(f"{_label(name)} must be a finite number (got {_shown(value)})")
    return float(value)


def require_non_negative(params: Mapping[str, Any], name: str) -> float:
    """A finite float parameter that is zero or more (guidance scales)."""
    value = require_number(params, name)
    if value < 0:
        raise ParameterError(f"{_label(name)} must not be negative (got {value:g})")
    return value


def require_positive(params: Mapping[str, Any], name: str) -> float:
    """A finite float parameter that is strictly positive."""
    value = require_number(params, name)
    if value <= 0:
        raise ParameterError(f"{_label(name)} must be positive (got {value:g})")
    return value


def require_fraction(params: Mapping[str, Any], name: str) -> float:
    """A float parameter in (0, 1] (SDEdit's strength)."""
    value = require_number(params, name)
    if not 0 < value <= 1:
        raise ParameterError(f"{_label(name)} must be more than 0 and at most 1 (got {value:g})")
    return value


def _label(name: str) -> str:
    return name.replace("_", " ")


def _shown(value: Any) -> str:
    """A bad value as the message shows it (long values cut)."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def require_not_above(params: Mapping[str, Any], name: str, limit: str) -> None:
    """``params[name]`` must not exceed ``params[limit]`` (e.g. n_max and steps)."""
    if params[name] > params[limit]:
        raise ParameterError(f"{_label(name)} ({params[name]}) must not be more than {_label(limit)} ({params[limit]})")
