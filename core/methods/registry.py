"""Editing methods behind one interface; ``METHODS`` maps a method name to its implementation."""

from __future__ import annotations

from core.methods.base import EditMethod
from core.methods.dual import DualMethod
from core.methods.flowalign import FlowAlignMethod
from core.methods.flowedit import FlowEditMethod
from core.methods.sdedit import SDEditMethod
from core.methods.stable_flow.method import StableFlowMethod

METHODS: dict[str, EditMethod] = {
    method.name: method
    for method in (StableFlowMethod(), FlowEditMethod(), FlowAlignMethod(), SDEditMethod(), DualMethod())
}


def get_method(name: str) -> EditMethod:
    """The method called ``name``, or a ParameterError listing the known ones."""
    from core.api.errors import ParameterError

    try:
        return METHODS[name]
    except KeyError:
        raise ParameterError(f"unknown editing method '{name}': choose one of {', '.join(METHODS)}") from None
