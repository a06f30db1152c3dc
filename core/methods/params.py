"""Checking method parameters: one clear line per bad value."""

from __future__ import annotations

from typing import Any, Mapping

from core.errors import ParameterError


def merge_params(defaults: Mapping[str, Any], given: Mapping[str, Any], method: str) -> dict[str, Any]:
    """Defaults overlaid with ``given``; unknown names are refused."""
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ParameterError(
            f"{method} has no parameter '{unknown[0]}': its parameters are {', '.join(sorted(defaults))}"
        )
    return {**defaults, **{k: v for k, v in given.items() if v is not None}}


def require_int(params: Mapping[str, Any], name: str, minimum: int) -> int:
    """An integer parameter of at least ``minimum``."""
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(f"{name.replace('_', ' ')} must be a whole number of at least {minimum} (got {value})")
    return value


def require_non_negative(params: Mapping[str, Any], name: str) -> float:
    """A float parameter that is zero or more (guidance scales)."""
    value = float(params[name])
    if value < 0:
        raise ParameterError(f"{name.replace('_', ' ')} must not be negative (got {value:g})")
    return value


def require_positive(params: Mapping[str, Any], name: str) -> float:
    """A float parameter that is strictly positive."""
    value = float(params[name])
    if value <= 0:
        raise ParameterError(f"{name.replace('_', ' ')} must be positive (got {value:g})")
    return value


def require_fraction(params: Mapping[str, Any], name: str) -> float:
    """A float parameter in (0, 1] (SDEdit's strength)."""
    value = float(params[name])
    if not 0 < value <= 1:
        raise ParameterError(f"{name.replace('_', ' ')} must be more than 0 and at most 1 (got {value:g})")
    return value


def require_not_above(params: Mapping[str, Any], name: str, limit: str) -> None:
    """``params[name]`` must not exceed ``params[limit]`` (e.g. n_max and steps)."""
    if params[name] > params[limit]:
        raise ParameterError(
            f"{name.replace('_', ' ')} ({params[name]}) must not be more than {limit.replace('_', ' ')} "
            f"({params[limit]})"
        )
