"""FlowEdit (ALGORITHMS.md section 3): inversion-free editing that moves the source latent
along the difference between target and source velocities at noised copies of the source."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import torch

from core.api.progress import JobControl
from core.api.requests import EditRequest, EditResult
from core.flux.latent_mask import LatentBlend
from core.methods.base import NO_STORES, RunStores
from core.methods.common import StepNoise, noised_source, run_latent_edit
from core.model.flux_model import FluxModel
from core.rules import method_defaults as defaults
from core.rules.params import merge_params, require_int, require_non_negative, require_not_above
from core.sampling.sampler import StepReport, euler_sample

# The FLUX settings of FlowEdit's reference code.
STEPS = defaults.FLOWEDIT_STEPS
N_MAX = defaults.FLOWEDIT_N_MAX
N_MIN = defaults.FLOWEDIT_N_MIN
N_AVG = defaults.FLOWEDIT_N_AVG
SOURCE_GUIDANCE = defaults.FLOWEDIT_SOURCE_GUIDANCE
TARGET_GUIDANCE = defaults.FLOWEDIT_TARGET_GUIDANCE


@torch.no_grad()
def flowedit(
    model: FluxModel,
    x_src: torch.Tensor,
    source_prompt: str,
    target_prompts: Sequence[str],
    *,
    height: int,
    width: int,
    seed: int,
    max_sequence_length: int,
    steps: int = STEPS,
    n_max: int = N_MAX,
    n_min: int = N_MIN,
    n_avg: int = N_AVG,
    source_guidance: float = SOURCE_GUIDANCE,
    target_guidance: float = TARGET_GUIDANCE,
    control: Optional[JobControl] = None,
    blend: Optional[LatentBlend] = None,
) -> torch.Tensor:
    """Edit the clean latent ``x_src`` (1, tokens, C) towards each target prompt.

    Returns the edited clean latents (len(target_prompts), tokens, C) in float32. Steps
    ``i < steps - n_max`` are skipped; each editing step draws ``n_avg`` noises ``e`` and
    moves ``z += (s_{i+1} - s_i) * mean(v(zt, s_i, tgt) - v(zs, s_i, src))`` with
    ``zs = (1 - s_i) x_src + s_i e`` and ``zt = z + zs - x_src``; the last ``n_min`` steps
    are plain target sampling from ``z + zs - x_src``.
    With a ``blend`` (a mask), ``z`` is set back to ``x_src`` outside the mask after every
    step: the same as blending the noisy edit ``z + zs - x_src`` with the source noised by
    that step's own draw, ``zs``, since the noise cancels.
    """
    control = control or JobControl()
    count = len(target_prompts)
    schedule = model.schedule(steps, height, width)
    cond = model.conditioning([source_prompt, *target_prompts], [source_guidance] + [target_guidance] * count,
                              height, width, max_sequence_length)
    noise = StepNoise(seed, model, x_src.shape[1])
    x_src = x_src.to(device=model.device, dtype=torch.float32)
    z = x_src.expand(count, -1, -1).clone()
    first, tail = steps - n_max, steps - n_min
    for i in range(first, tail):
        sigma = float(schedule.sigmas[i])
        difference = torch.zeros_like(z)
        for _ in range(n_avg):
            zs = (1 - sigma) * x_src + sigma * noise.draw().float()
            zt = zs + (z - x_src)  # = z + zs - x_src, and exactly zs while z is still x_src
            velocity = model.velocity(torch.cat([zs, zt]).to(model.dtype), schedule, i, cond).float()
            difference += (velocity[1:] - velocity[:1]) / n_avg
        z = z + float(schedule.delta(i)) * difference
        if blend is not None:
            z = blend(z, x_src)
        control.step("edit", i - first + 1, tail - first, z)
    if n_min == 0:
        return z
    sigma = float(schedule.sigmas[tail])
    tail_noise = noise.draw().float()
    start = z + ((1 - sigma) * x_src + sigma * tail_noise) - x_src
    history = euler_sample(model, start, cond.rows(slice(1, None)), schedule, StepReport(control, "sample"),
                           first_step=tail, blend=blend, blend_reference=noised_source(x_src, tail_noise, schedule))
    return history[-1].float()


class FlowEditMethod:
    """FlowEdit: no inversion; the source is encoded (or generated) and edited directly."""

    name = "flowedit"

    def defaults(self, request: EditRequest) -> dict[str, Any]:
        """FlowEdit's FLUX defaults (28 steps, editing the last 24); with another step count
        the default n_max keeps the same share of the schedule."""
        steps = request.params.get("steps")
        n_max = N_MAX
        if isinstance(steps, int) and not isinstance(steps, bool) and steps >= 1:
            n_max = max(1, round(steps * N_MAX / STEPS))
        return {"steps": STEPS, "n_max": n_max, "n_min": N_MIN, "n_avg": N_AVG,
                "source_guidance": SOURCE_GUIDANCE, "target_guidance": TARGET_GUIDANCE}

    def resolve_params(self, request: EditRequest) -> dict[str, Any]:
        """Merge and validate: n_min <= n_max <= steps, n_avg >= 1, guidance not negative."""
        params = merge_params(self.defaults(request), request.params, self.name)
        require_int(params, "steps", 1)
        require_int(params, "n_max", 1)
        require_int(params, "n_min", 0)
        require_int(params, "n_avg", 1)
        require_not_above(params, "n_max", "steps")
        require_not_above(params, "n_min", "n_max")
        for name in ("source_guidance", "target_guidance"):
            params[name] = require_non_negative(params, name)
        return params

    def run(
        self, model: FluxModel, request: EditRequest, control: JobControl, stores: RunStores = NO_STORES
    ) -> EditResult:
        """Prepare the source latent, edit it towards every target prompt, decode."""
        return run_latent_edit(model, request, control, self.name, self.resolve_params(request), flowedit)
