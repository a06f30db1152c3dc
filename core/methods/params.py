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
