"""SDEdit (ALGORITHMS.md section 3): noise the source part of the way, then sample plainly
with the target prompt.

``strength`` is the fraction of the steps that run, as in diffusers' img2img pipelines
(FluxImg2ImgPipeline): 0.8 of 28 steps skips the first int(28 - 22.4) = 5 and runs 23.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import torch

from core.api.progress import JobControl
from core.api.requests import EditRequest, EditResult
from core.api.trajectory import Trajectory
from core.flux.latent_mask import LatentBlend
from core.flux.latents import shared_noise
from core.flux.schedule import Schedule
from core.methods.base import NO_STORES, RunStores
from core.methods.common import edit_result, noised_source, prepare_source, trajectory_of
from core.model.flux_model import FluxModel
from core.rules import method_defaults as defaults
from core.rules.params import merge_params, require_fraction, require_int, require_non_negative
from core.sampling.sampler import StepReport, euler_sample

STEPS = defaults.SDEDIT_STEPS
STRENGTH = defaults.SDEDIT_STRENGTH
GUIDANCE = defaults.SDEDIT_GUIDANCE


def first_step(steps: int, strength: float) -> int:
    """The step SDEdit starts at: ``int(steps - steps * strength)``, as diffusers' img2img ``get_timesteps``."""
    return int(max(steps - min(steps * strength, steps), 0))


@torch.no_grad()
def sdedit(
    model: FluxModel,
    x_src: torch.Tensor,
    target_prompts: Sequence[str],
    *,
    height: int,
    width: int,
    seed: int,
    max_sequence_length: int,
    steps: int = STEPS,
    strength: float = STRENGTH,
    guidance: float = GUIDANCE,
    control: Optional[JobControl] = None,
    blend: Optional[LatentBlend] = None,
) -> tuple[list[torch.Tensor], Schedule, int]:
    """Sample every target prompt from ``(1 - s_i) x_src + s_i e`` at ``i = first_step(steps, strength)``.

    ``e`` is the shared seeded noise; with a ``blend`` (a mask) the rows take the source
    noised with that same ``e`` outside the mask after every step. Returns the sampling history (latents at levels i..N,
    each (len(target_prompts), tokens, C)), the schedule and the start index i.
    """
    control = control or JobControl()
    count = len(target_prompts)
    schedule = model.schedule(steps, height, width)
    start_index = first_step(steps, strength)
    sigma = float(schedule.sigmas[start_index])
    noise = shared_noise(seed, x_src.shape[1], model.latent_channels, model.device, model.dtype).float()
    x_src = x_src.to(device=model.device, dtype=torch.float32)
    start = (1 - sigma) * x_src + sigma * noise
    cond = model.conditioning(list(target_prompts), [guidance] * count, height, width, max_sequence_length)
    history = euler_sample(model, start.expand(count, -1, -1), cond, schedule, StepReport(control, "edit"),
                           first_step=start_index, blend=blend, blend_reference=noised_source(x_src, noise, schedule))
    return history, schedule, start_index


class SDEditMethod:
    """SDEdit: partial noising of the source, then plain sampling with each target prompt."""

    name = "sdedit"

    def defaults(self, request: EditRequest) -> dict[str, Any]:
        """28 steps, strength 0.8, guidance 3.5."""
        return {"steps": STEPS, "strength": STRENGTH, "guidance": GUIDANCE}

    def resolve_params(self, request: EditRequest) -> dict[str, Any]:
        """Merge and validate: steps >= 1, strength in (0, 1], guidance not negative."""
        params = merge_params(self.defaults(request), request.params, self.name)
        require_int(params, "steps", 1)
        params["strength"] = require_fraction(params, "strength")
        params["guidance"] = require_non_negative(params, "guidance")
        return params

    def run(
        self, model: FluxModel, request: EditRequest, control: JobControl, stores: RunStores = NO_STORES
    ) -> EditResult:
        """Prepare the source latent, noise it, sample each target prompt, decode.

        At strength 1 the run starts from pure noise, so each result's trajectory is a full
        noise-to-clean one and is returned.
        """
        params = self.resolve_params(request)
        source = prepare_source(model, request, control)
        history, schedule, start_index = sdedit(
            model, source.latent, request.target_prompts, height=source.height, width=source.width,
            seed=request.seed, max_sequence_length=request.max_sequence_length, control=control,
            blend=LatentBlend.for_model(model, request.mask), **params)
        trajectories: list[Optional[Trajectory]] = [None] * len(request.target_prompts)
        if start_index == 0:
            trajectories = [trajectory_of(history, row, schedule, source.height, source.width, prompt,
                                          params["guidance"])
                            for row, prompt in enumerate(request.target_prompts)]
        return edit_result(model, source, history[-1], self.name, params, control, trajectories)
