"""Inverting a clean latent to noise along FLUX's schedule, with Stable Flow's latent nudging
(ALGORITHMS.md 1.3 steps 3-4); the methods that invert a photo (Stable Flow, ODE inversion) share it."""

from __future__ import annotations

from typing import Optional

import torch

from core.api.errors import ParameterError
from core.api.progress import JobControl
from core.api.trajectory import Trajectory
from core.model.flux_model import FluxModel
from core.rules.method_defaults import INVERSION_GUIDANCE, NUDGING, REAL_STEPS
from core.rules.prompts import MAX_SEQUENCE_LENGTH
from core.sampling.sampler import StepReport, euler_sample


@torch.no_grad()
def invert(
    model: FluxModel,
    clean: torch.Tensor,
    prompt: str,
    *,
    height: int,
    width: int,
    steps: int = REAL_STEPS,
    nudging: float = NUDGING,
    guidance: float = INVERSION_GUIDANCE,
    max_sequence_length: int = MAX_SEQUENCE_LENGTH,
    control: Optional[JobControl] = None,
) -> Trajectory:
    """Invert a clean packed latent (1, tokens, C) to noise along FLUX's schedule (1.3 step 3-4).

    ``z_N = nudging * clean``; for k = N-1 .. 0:
    ``z_k = z_{k+1} + (s_k - s_{k+1}) * v(z_{k+1}, s_k, prompt, guidance)``.
    """
    control = control or JobControl()
    if nudging <= 0:
        raise ParameterError("the nudging factor must be positive (1.15 is the paper's value; 1 disables it)")
    schedule = model.schedule(steps, height, width)
    cond = model.conditioning([prompt], [guidance], height, width, max_sequence_length)
    z = (clean.to(device=model.device, dtype=model.dtype) * nudging).to(model.dtype)
    history = euler_sample(model, z, cond, schedule, StepReport(control, "invert"), backwards=True)
    stacked = torch.cat(history[::-1]).to("cpu")
    return Trajectory(stacked, schedule.sigmas.clone(), height, width, prompt, guidance)
