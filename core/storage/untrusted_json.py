"""Parsing JSON that came from a file someone else may have crafted.

Only finite numbers are accepted (``NaN``, ``Infinity`` and overflowing literals such as
``1e999`` are refused), nesting is bounded, and every failure is a ValueError with one line.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is out of range")
    return value


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number this editor accepts")


def _depth(value: Any) -> int:
    """Nesting depth of lists and dicts, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def parse_untrusted_json(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in ``data``; ValueError (one line) when it is not valid, finite, shallow JSON."""
    try:
        value = json.loads(data, parse_float=_finite_float, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("its JSON is nested too deeply") from None
    except UnicodeDecodeError:
        raise ValueError("its JSON is not valid UTF-8 text") from None
    except ValueError as error:
        raise ValueError(f"its JSON is not valid ({str(error).splitlines()[0][:120]})") from None
    if _depth(value) > max_depth:
        raise ValueError("its JSON is nested too deeply")
    return value
