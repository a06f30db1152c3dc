"""Stable Flow behind the common method interface."""

from __future__ import annotations

from typing import Any

from core.flux.latent_mask import LatentBlend
from core.flux.latents import encode_image
from core.methods.cached_inversion import cached_inversion
from core.rules.method_defaults import (
    GENERATED_GUIDANCE,
    GENERATED_STEPS,
    INVERSION_GUIDANCE,
    NUDGING,
    REAL_EDIT_GUIDANCE,
    REAL_STEPS,
)
from core.api.progress import JobControl
from core.api.requests import EditRequest, EditResult
from core.methods.base import NO_STORES, RunStores
from core.methods.stable_flow.editing import edit_from_trajectory, generate_edits
from core.model.flux_model import FluxModel
from core.model.vital_layers import validate_vital_layers, vital_layers_for
from core.rules.params import merge_params, require_int, require_non_negative, require_positive


class StableFlowMethod:
    """Vital-layer injection; photos are inverted with latent nudging (cached when a store is given)."""

    name = "stable-flow"

    def defaults(self, request: EditRequest) -> dict[str, Any]:
        """15 steps at guidance 3.5 for a generated start; 50 steps, edit guidance 3 for photos."""
        if request.image is None and request.source is None:
            return {"steps": GENERATED_STEPS, "guidance": GENERATED_GUIDANCE}
        return {"steps": REAL_STEPS, "guidance": REAL_EDIT_GUIDANCE, "nudging": NUDGING}

    def resolve_params(self, request: EditRequest) -> dict[str, Any]:
        """Merge and validate; for a known trajectory the step count is the trajectory's."""
        params = merge_params(self.defaults(request), request.params, self.name)
        require_int(params, "steps", 1)
        require_non_negative(params, "guidance")
        if "nudging" in params:
            require_positive(params, "nudging")
        if request.source is not None:
            params["steps"] = request.source.num_steps
        return params

    def run(
        self, model: FluxModel, request: EditRequest, control: JobControl, stores: RunStores = NO_STORES
    ) -> EditResult:
        """Generate-and-edit, or edit a known trajectory, or invert (or fetch) a photo then edit."""
        params = self.resolve_params(request)
        if request.vital_layers is None:
            layers = vital_layers_for(model.model_id, model.layout)
        else:
            layers = validate_vital_layers(request.vital_layers, model.layout)
        targets = list(request.target_prompts)
        msl = request.max_sequence_length
        blend = LatentBlend.for_model(model, request.mask)
        if request.image is None and request.source is None:
            output = generate_edits(
                model, [request.source_prompt, *targets], height=request.height, width=request.width,
                seed=request.seed, vital_layers=layers, steps=params["steps"], guidance=params["guidance"],
                max_sequence_length=msl, control=control, blend=blend,
            )
            return EditResult(output.images[1:], output.trajectories[1:], output.images[0], output.trajectories[0],
                              self.name, params, vital_layers=layers)

        source = request.source
        if source is None:
            source = self._inversion(model, request, params, control, stores.inversions)
        output = edit_from_trajectory(model, source, targets, vital_layers=layers, edit_guidance=params["guidance"],
                                      max_sequence_length=msl, control=control, kv_store=stores.source_kv,
                                      blend=blend,
                                      source_image=request.image if request.image is not None else request.source_image)
        return EditResult(output.images[1:], output.trajectories[1:], output.images[0], source, self.name, params,
                          kv_replay_share=output.kv_replayed_steps / source.num_steps, vital_layers=layers)

    def _inversion(self, model, request: EditRequest, params, control: JobControl, store):
        def clean():
            latent = encode_image(model.pipeline, request.image, model.device, model.dtype)
            control.step("encode", 1, 1)
            return latent

        return cached_inversion(model, store, request.image, clean, height=request.image.height,
                                width=request.image.width, prompt=request.source_prompt,
                                steps=params["steps"], nudging=params["nudging"], guidance=INVERSION_GUIDANCE,
                                max_sequence_length=request.max_sequence_length, control=control)
