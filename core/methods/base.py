"""The contract every editing method implements, and the stores an engine lends a run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Protocol

from core.api.progress import JobControl
from core.api.requests import EditRequest, EditResult, InversionStore
from core.methods.stable_flow.kv_cache import SourceKVStore
from core.model.flux_model import FluxModel


@dataclass(frozen=True)
class RunStores:
    """What an engine keeps between runs and lends each one: photo inversions (memory or disk)
    and the source rows' recorded K/V for re-edits (Stable Flow only). None turns either off."""

    inversions: Optional[InversionStore] = None
    source_kv: Optional[SourceKVStore] = None


NO_STORES = RunStores()


class EditMethod(Protocol):
    """An editing method: its name, its parameters and defaults, and how it runs."""

    name: str

    def defaults(self, request: EditRequest) -> dict[str, Any]:
        """Default parameters for this request (they may depend on whether it edits a photo)."""

    def resolve_params(self, request: EditRequest) -> dict[str, Any]:
        """Defaults overlaid with the request's params, validated (ParameterError if bad)."""

    def run(
        self, model: FluxModel, request: EditRequest, control: JobControl, stores: RunStores = NO_STORES
    ) -> EditResult:
        """Run the edit."""
