"""FlowAlign on FLUX (ALGORITHMS.md section 3): FlowEdit's velocity difference over the full
schedule plus a regulariser that pulls the clean-image predictions of source and target
together, which makes the edit reversible."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import torch

from core.api.progress import JobControl
from core.api.requests import EditRequest, EditResult
from core.flux.latent_mask import LatentBlend
from core.methods.base import NO_STORES, RunStores
from core.methods.common import StepNoise, run_latent_edit
from core.model.flux_model import FluxModel
from core.rules import method_defaults as defaults
from core.rules.params import merge_params, require_int, require_non_negative

STEPS = defaults.FLOWALIGN_STEPS
ZETA = defaults.FLOWALIGN_ZETA
SOURCE_GUIDANCE = defaults.FLOWALIGN_SOURCE_GUIDANCE  # see core/rules/method_defaults.py
TARGET_GUIDANCE = defaults.FLOWALIGN_TARGET_GUIDANCE


@torch.no_grad()
def flowalign(
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
    zeta: float = ZETA,
    source_guidance: float = SOURCE_GUIDANCE,
    target_guidance: float = TARGET_GUIDANCE,
    true_cfg: Optional[float] = None,
    control: Optional[JobControl] = None,
    blend: Optional[LatentBlend] = None,
) -> torch.Tensor:
    """Edit the clean latent ``x_src`` (1, tokens, C) towards each target prompt.

    Returns (len(target_prompts), tokens, C) float32. Every step draws ``e``, sets
    ``q = (1 - s_i) x_src + s_i e`` and ``p = x + q - x_src`` and moves
    ``x += (s_{i+1} - s_i)(vp - vq) + zeta ((q - s_i vq) - (p - s_i vp))``. With
    ``true_cfg = w`` the target velocity is ``v(p, src) + w (v(p, tgt) - v(p, src))``, both
    at the target guidance.
    With a ``blend`` (a mask), ``x`` is set back to ``x_src`` outside the mask after every
    step: the same as blending the noisy edit ``p = x + q - x_src`` with the source noised by
    that step's own draw, ``q``, since the noise cancels.
    """
    control = control or JobControl()
    count = len(target_prompts)
    prompts = [source_prompt, *target_prompts]
    guidance = [source_guidance] + [target_guidance] * count
    if true_cfg is not None:
        prompts += [source_prompt] * count
        guidance += [target_guidance] * count
    schedule = model.schedule(steps, height, width)
    cond = model.conditioning(prompts, guidance, height, width, max_sequence_length)
    noise = StepNoise(seed, model, x_src.shape[1])
    x_src = x_src.to(device=model.device, dtype=torch.float32)
    x = x_src.expand(count, -1, -1).clone()
    for i in range(steps):
        sigma = float(schedule.sigmas[i])
        q = (1 - sigma) * x_src + sigma * noise.draw().float()
        p = q + (x - x_src)
        rows = [q, p] if true_cfg is None else [q, p, p]
        velocity = model.velocity(torch.cat(rows).to(model.dtype), schedule, i, cond).float()
        vq, vp = velocity[:1], velocity[1 : 1 + count]
        if true_cfg is not None:
            negative = velocity[1 + count :]
            vp = negative + true_cfg * (vp - negative)
        x = x + float(schedule.delta(i)) * (vp - vq) + zeta * ((q - sigma * vq) - (p - sigma * vp))
        if blend is not None:
            x = blend(x, x_src)
        control.step("edit", i + 1, steps, x)
    return x


class FlowAlignMethod:
    """FlowAlign: inversion-free like FlowEdit, with the trajectory regulariser zeta."""

    name = "flowalign"

    def defaults(self, request: EditRequest) -> dict[str, Any]:
        """28 steps, zeta 0.01, guidance 1.0 (source) and 5.5 (target), true CFG off."""
        return {"steps": STEPS, "zeta": ZETA, "source_guidance": SOURCE_GUIDANCE,
                "target_guidance": TARGET_GUIDANCE, "true_cfg": None}

    def resolve_params(self, request: EditRequest) -> dict[str, Any]:
        """Merge and validate: steps >= 1, zeta, guidance and the true-CFG weight not negative."""
        params = merge_params(self.defaults(request), request.params, self.name)
        require_int(params, "steps", 1)
        for name in ("zeta", "source_guidance", "target_guidance"):
            params[name] = require_non_negative(params, name)
        if params["true_cfg"] is not None:
            params["true_cfg"] = require_non_negative(params, "true_cfg")
        return params

    def run(
        self, model: FluxModel, request: EditRequest, control: JobControl, stores: RunStores = NO_STORES
    ) -> EditResult:
        """Prepare the source latent, edit it towards every target prompt, decode."""
        return run_latent_edit(model, request, control, self.name, self.resolve_params(request), flowalign)
