"""What the methods beside Stable Flow share: the source latent, per-run noise, plain Euler
sampling and packing decoded latents into an :class:`EditResult` (ALGORITHMS.md section 3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import torch
from PIL import Image

from core.api.progress import JobControl
from core.api.requests import EditRequest, EditResult
from core.api.trajectory import Trajectory
from core.flux.latent_mask import LatentBlend
from core.flux.latents import encode_image, shared_noise
from core.flux.schedule import Schedule
from core.model.flux_model import FluxModel
from core.rules.method_defaults import GENERATED_GUIDANCE, GENERATED_STEPS
from core.sampling.decoding import decode_with_progress
from core.sampling.sampler import StepReport, euler_sample


@dataclass
class Source:
    """The image being edited: its clean packed latent ``x_src`` (1, tokens, C, float32 on the
    model device), its size, and its picture and trajectory where known."""

    latent: torch.Tensor
    height: int
    width: int
    image: Optional[Image.Image]
    trajectory: Optional[Trajectory]


class StepNoise:
    """One seeded CPU generator for a whole run; each draw is a fresh packed noise latent."""

    def __init__(self, seed: int, model: FluxModel, tokens: int) -> None:
        self.generator = torch.Generator("cpu").manual_seed(seed)
        self.shape = (tokens, model.latent_channels)
        self.device = model.device
        self.dtype = model.dtype

    def draw(self) -> torch.Tensor:
        """(1, tokens, C) standard normal noise, drawn in float32 on the CPU then cast to the model's."""
        noise = torch.randn(self.shape, generator=self.generator, dtype=torch.float32)
        return noise.to(device=self.device, dtype=self.dtype)[None]


def noised_source(x_src: torch.Tensor, noise: torch.Tensor, schedule: Schedule) -> Callable[[int], torch.Tensor]:
    """``k -> (1 - s_k) x_src + s_k e``: the clean source noised to level k with the draw ``e``."""
    return lambda k: (1 - float(schedule.sigmas[k])) * x_src.float() + float(schedule.sigmas[k]) * noise.float()


def trajectory_of(history: Sequence[torch.Tensor], row: int, schedule: Schedule, height: int, width: int,
                  prompt: str, guidance: float) -> Trajectory:
    """Row ``row`` of a full noise-to-clean sampling history as a CPU :class:`Trajectory`."""
    latents = torch.stack([step[row] for step in history]).to("cpu")
    return Trajectory(latents, schedule.sigmas.clone(), height, width, prompt, float(guidance))


def generate_source(model: FluxModel, request: EditRequest, control: JobControl) -> Source:
    """The source generated from the source prompt: FLUX's defaults (15 steps, guidance 3.5)
    from the shared seeded noise, so it is the same picture Stable Flow's source row shows."""
    height, width = request.height, request.width
    schedule = model.schedule(GENERATED_STEPS, height, width)
    cond = model.conditioning([request.source_prompt], [GENERATED_GUIDANCE], height, width,
                              request.max_sequence_length)
    noise = shared_noise(request.seed, model.image_tokens(height, width), model.latent_channels, model.device,
                         model.dtype)
    history = euler_sample(model, noise[None], cond, schedule, StepReport(control, "sample"))
    trajectory = trajectory_of(history, 0, schedule, height, width, request.source_prompt, GENERATED_GUIDANCE)
    image = decode_with_progress(model, history[-1], height, width, control)[0]
    return Source(history[-1].to(torch.float32), height, width, image, trajectory)


def prepare_source(model: FluxModel, request: EditRequest, control: JobControl) -> Source:
    """``x_src``: the photo's VAE latent (no nudging), a known trajectory's clean end, or a
    freshly generated source."""
    if request.image is not None:
        latent = encode_image(model.pipeline, request.image, model.device, model.dtype)
        control.step("encode", 1, 1)
        return Source(latent.to(torch.float32), request.image.height, request.image.width, request.image, None)
    if request.source is not None:
        known = request.source
        latent = known.latents[-1:].to(device=model.device, dtype=torch.float32)
        image = request.source_image
        if image is None:
            image = decode_with_progress(model, latent, known.height, known.width, control)[0]
        return Source(latent, known.height, known.width, image, known)
    return generate_source(model, request, control)


def edit_result(
    model: FluxModel,
    source: Source,
    latents: torch.Tensor,
    method: str,
    params: dict[str, Any],
    control: JobControl,
    trajectories: Optional[list[Optional[Trajectory]]] = None,
) -> EditResult:
    """Decode the edited latents (one row per target prompt) into the method's result."""
    images = decode_with_progress(model, latents, source.height, source.width, control)
    if trajectories is None:
        trajectories = [None] * len(images)
    return EditResult(images, trajectories, source.image, source.trajectory, method, params)


def run_latent_edit(
    model: FluxModel,
    request: EditRequest,
    control: JobControl,
    method: str,
    params: dict[str, Any],
    edit: Callable[..., torch.Tensor],
) -> EditResult:
    """Prepare ``x_src``, edit it towards every target prompt with ``edit`` (called with the
    source, prompts, size, seed, the mask's blend and ``params``; returns the edited clean
    latents), decode."""
    source = prepare_source(model, request, control)
    latents = edit(model, source.latent, request.source_prompt, request.target_prompts, height=source.height,
                   width=source.width, seed=request.seed, max_sequence_length=request.max_sequence_length,
                   control=control, blend=LatentBlend.for_model(model, request.mask), **params)
    return edit_result(model, source, latents, method, params, control)
