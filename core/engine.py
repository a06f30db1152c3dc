"""The engine: one entry point that runs any editing method on a loaded model."""

from __future__ import annotations

from typing import Optional

from core.errors import ParameterError
from core.methods import get_method
from core.methods.base import EditRequest, EditResult, InversionStore
from core.model import FluxModel
from core.progress import JobControl
from core.prompts import check_prompt


class Engine:
    """Runs :class:`EditRequest` s on one model, with an optional inversion store (cache)."""

    def __init__(self, model: FluxModel, inversion_store: Optional[InversionStore] = None) -> None:
        self.model = model
        self.inversion_store = inversion_store

    def validate(self, request: EditRequest) -> dict:
        """Check prompts and parameters without running anything; returns the resolved params."""
        check_prompt(request.source_prompt, "source prompt")
        if not request.target_prompts:
            raise ParameterError("give at least one edit prompt")
        for index, prompt in enumerate(request.target_prompts, start=1):
            check_prompt(prompt, f"edit prompt {index}")
        if request.image is not None and request.source is not None:
            raise ParameterError("an edit starts from a photo or from a known result, not both")
        if request.source_image is not None and (
            request.source is None or request.source_image.size != (request.source.width, request.source.height)
        ):
            raise ParameterError("a source picture goes with a known result of the same size")
        if not 1 <= request.max_sequence_length <= 512:
            raise ParameterError("max sequence length must be between 1 and 512")
        return get_method(request.method).resolve_params(request)

    def run(self, request: EditRequest, control: Optional[JobControl] = None) -> EditResult:
        """Validate, then run the request's method."""
        self.validate(request)
        return get_method(request.method).run(self.model, request, control or JobControl(), self.inversion_store)
