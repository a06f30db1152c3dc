"""The engine: one entry point that runs any editing method on a loaded model."""

from __future__ import annotations

from typing import Optional

from core.errors import ParameterError
from core.masks import check_edit_mask, check_mask, composite
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
        if not 1 <= request.max_sequence_length <= 512:
            raise ParameterError("max sequence length must be between 1 and 512")
        if request.mask is not None:
            width, height = _working_size(request)
            check_edit_mask(request.mask, width, height)
            if request.keep is not None and request.keep.size != (width, height):
                raise ParameterError("the kept pixels are not the size of the image being edited")
        return get_method(request.method).resolve_params(request)

    def run(self, request: EditRequest, control: Optional[JobControl] = None) -> EditResult:
        """Validate, then run the request's method; a masked edit's images are composited over
        the kept pixels (ALGORITHMS.md section 5), so outside the mask they are those pixels exactly."""
        self.validate(request)
        result = get_method(request.method).run(self.model, request, control or JobControl(), self.inversion_store)
        if request.mask is not None:
            keep = next(image for image in (request.keep, request.image, result.source_image) if image is not None)
            mask = check_mask(request.mask, keep.width, keep.height)
            result.images = [composite(image, keep, mask) for image in result.images]
        return result


def _working_size(request: EditRequest) -> tuple[int, int]:
    """(width, height) of the image the request edits."""
    if request.image is not None:
        return request.image.size
    if request.source is not None:
        return request.source.width, request.source.height
    return request.width, request.height
