"""ODE inversion ("dual", ALGORITHMS.md section 3): invert the source with the source prompt,
then sample from the inverted noise with the target prompt, no injection. The classic
baseline the other methods are compared with.

``inversion_prompt="empty"`` inverts with the empty prompt instead: the "dual" baseline of
the FlowEdit and FlowAlign papers, which assume no caption of the photo.
"""

from __future__ import annotations

from typing import Any, Optional

from core.api.errors import ParameterError
from core.api.progress import JobControl
from core.api.requests import EditRequest, EditResult, InversionStore
from core.api.trajectory import Trajectory
from core.flux.latent_mask import LatentBlend
from core.methods.base import NO_STORES, RunStores
from core.methods.cached_inversion import cached_inversion
from core.methods.common import Source, edit_result, prepare_source, trajectory_of
from core.model.flux_model import FluxModel
from core.rules import method_defaults as defaults
from core.rules.params import merge_params, require_int, require_non_negative, require_positive
from core.sampling.sampler import StepReport, euler_sample

STEPS = defaults.DUAL_STEPS
INVERSION_GUIDANCE = defaults.DUAL_INVERSION_GUIDANCE
TARGET_GUIDANCE = defaults.DUAL_TARGET_GUIDANCE
NUDGING = defaults.DUAL_NUDGING  # no nudging: the plain baseline
INVERSION_PROMPTS = defaults.DUAL_INVERSION_PROMPTS
INVERSION_PROMPT = defaults.DUAL_INVERSION_PROMPT


class DualMethod:
    """Invert (or fetch the stored inversion), then sample each target prompt from its noise end."""

    name = "dual"

    def defaults(self, request: EditRequest) -> dict[str, Any]:
        """28 steps, inversion guidance 1, target guidance 3.5 (FLUX's default), no nudging, source-prompt inversion."""
        return {"steps": STEPS, "inversion_guidance": INVERSION_GUIDANCE, "target_guidance": TARGET_GUIDANCE,
                "nudging": NUDGING, "inversion_prompt": INVERSION_PROMPT}

    def resolve_params(self, request: EditRequest) -> dict[str, Any]:
        """Merge and validate: steps >= 1, guidance not negative, nudging positive, inversion prompt known."""
        params = merge_params(self.defaults(request), request.params, self.name)
        require_int(params, "steps", 1)
        for name in ("inversion_guidance", "target_guidance"):
            params[name] = require_non_negative(params, name)
        params["nudging"] = require_positive(params, "nudging")
        if params["inversion_prompt"] not in INVERSION_PROMPTS:
            raise ParameterError(
                f"inversion prompt must be one of {', '.join(INVERSION_PROMPTS)} (got {params['inversion_prompt']!r})"
            )
        return params

    def run(
        self, model: FluxModel, request: EditRequest, control: JobControl, stores: RunStores = NO_STORES
    ) -> EditResult:
        """Invert ``x_src``, then Euler-sample every target prompt from the inverted noise."""
        params = self.resolve_params(request)
        source = prepare_source(model, request, control)
        inversion = self._inversion(model, request, source, params, control, stores.inversions)
        targets = list(request.target_prompts)
        height, width = source.height, source.width
        schedule = model.schedule(params["steps"], height, width)
        guidance = params["target_guidance"]
        cond = model.conditioning(targets, [guidance] * len(targets), height, width, request.max_sequence_length)
        start = inversion.latents[:1].expand(len(targets), -1, -1)
        history = euler_sample(model, start, cond, schedule, StepReport(control, "edit"),
                               blend=LatentBlend.for_model(model, request.mask),
                               blend_reference=lambda k: inversion.latents[k : k + 1])
        trajectories: list[Optional[Trajectory]] = [
            trajectory_of(history, row, schedule, height, width, prompt, guidance) for row, prompt in enumerate(targets)
        ]
        if source.trajectory is None:
            source.trajectory = inversion
        return edit_result(model, source, history[-1], self.name, params, control, trajectories)

    def _inversion(self, model: FluxModel, request: EditRequest, source: Source, params: dict[str, Any],
                   control: JobControl, store: Optional[InversionStore]) -> Trajectory:
        """The inversion of ``x_src``; a photo's is looked up in and kept in ``store``."""
        prompt = "" if params["inversion_prompt"] == "empty" else request.source_prompt
        return cached_inversion(model, store, request.image, lambda: source.latent, height=source.height,
                                width=source.width, prompt=prompt, steps=params["steps"],
                                nudging=params["nudging"], guidance=params["inversion_guidance"],
                                max_sequence_length=request.max_sequence_length, control=control)
