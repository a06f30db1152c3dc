"""Stable Flow editing (ALGORITHMS.md section 1): generated-image edits, and real-image edits
(inverted with latent nudging, core/methods/inversion.py) with the source row pinned to its trajectory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import torch
from PIL import Image

from core.api.errors import ParameterError
from core.api.progress import JobControl
from core.api.trajectory import Trajectory
from core.flux.latent_mask import LatentBlend
from core.flux.latents import encode_image, shared_noise
from core.flux.schedule import Schedule
from core.methods.inversion import invert
from core.methods.stable_flow.injection_hook import InjectionHook
from core.methods.stable_flow.kv_cache import SourceKVStore
from core.methods.stable_flow.kv_replay import SourceKVSession
from core.model.flux_model import Conditioning, FluxModel
from core.rules.prompts import MAX_SEQUENCE_LENGTH
from core.sampling.decoding import decode_with_progress
from core.sampling.sampler import StepReport, euler_sample
from core.storage.cache_keys import source_kv_key

# The defaults live in core/rules/method_defaults.py, which the command line reads without torch.
from core.rules.method_defaults import (
    GENERATED_GUIDANCE,
    GENERATED_STEPS,
    NUDGING,
    REAL_EDIT_GUIDANCE,
    REAL_STEPS,
)


@dataclass
class EditOutput:
    """Images and latent trajectories, one per batch row (row 0 is the source: decoded, or
    the source's picture when the caller knew it)."""

    images: list[Image.Image]
    trajectories: list[Trajectory]
    prompts: list[str]
    vital_layers: tuple[int, ...]
    source_trajectory: Optional[Trajectory] = None  # the inversion, for real photos
    kv_replayed_steps: int = 0  # steps whose source row came from recorded K/V (core/methods/stable_flow/kv_cache.py)


def check_edit_prompts(prompts: Sequence[str]) -> None:
    """A source prompt and at least one edit prompt are needed."""
    if len(prompts) < 2:
        raise ParameterError(
            "give at least two prompts: first the one describing the image, then one or more edits"
        )


def sample_with_injection(
    model: FluxModel,
    start: torch.Tensor,
    cond: Conditioning,
    schedule: Schedule,
    vital_layers: tuple[int, ...],
    control: JobControl,
    source: Optional[Trajectory] = None,
    phase: str = "edit",
    source_kv: Optional[SourceKVSession] = None,
    blend: Optional[LatentBlend] = None,
) -> torch.Tensor:
    """Euler-sample a batch with vital-layer injection from row 0 into the other rows.

    ``start`` is (B, tokens, C). With ``source`` given, row 0 is overwritten with
    ``source.latents[i+1]`` after step i (the source row follows its stored trajectory);
    then ``source_kv`` may record row 0's vital-layer K/V, and at steps where they are
    recorded the transformer runs only the edit rows. With a ``blend`` (a mask), the edit
    rows then take row 0's latents (the source at the same level) outside the mask.
    Returns every row's trajectory as (N+1, B, tokens, C) on the device.
    """
    if source_kv is not None and source is None:
        raise ValueError("recorded source K/V need a pinned source trajectory")
    pinned = None if source is None else source.latents.to(device=model.device, dtype=model.dtype)
    hook = InjectionHook(model.pipeline.transformer, vital_layers, cond.text_len, source_kv)
    history = euler_sample(model, start, cond, schedule, StepReport(control, phase), hook=hook, pinned=pinned,
                           blend=blend)
    return torch.stack(history)


def _trajectories(history: torch.Tensor, schedule: Schedule, prompts, guidance, height, width) -> list[Trajectory]:
    history = history.to("cpu")
    return [
        Trajectory(history[:, row].clone(), schedule.sigmas.clone(), height, width, prompts[row], float(guidance[row]))
        for row in range(history.shape[1])
    ]


def decode_rows(
    model: FluxModel, latents: torch.Tensor, height: int, width: int, control: JobControl,
    source_image: Optional[Image.Image] = None,
) -> list[Image.Image]:
    """Images of every row of ``latents``; with the source's picture known, row 0 is that
    picture and only the edit rows are decoded."""
    if source_image is None:
        return decode_with_progress(model, latents, height, width, control)
    return [source_image, *decode_with_progress(model, latents[1:], height, width, control)]


def generate_edits(
    model: FluxModel,
    prompts: Sequence[str],
    *,
    height: int,
    width: int,
    seed: int,
    vital_layers: tuple[int, ...],
    steps: int = GENERATED_STEPS,
    guidance: float = GENERATED_GUIDANCE,
    max_sequence_length: int = MAX_SEQUENCE_LENGTH,
    control: Optional[JobControl] = None,
    blend: Optional[LatentBlend] = None,
) -> EditOutput:
    """Generate prompt 0 and its edits as one batch from shared noise (ALGORITHMS.md 1.2)."""
    control = control or JobControl()
    check_edit_prompts(prompts)
    schedule = model.schedule(steps, height, width)
    guidances = [guidance] * len(prompts)
    cond = model.conditioning(prompts, guidances, height, width, max_sequence_length)
    control.step("encode", 1, 1)
    noise = shared_noise(seed, model.image_tokens(height, width), model.latent_channels, model.device, model.dtype)
    start = noise.expand(len(prompts), -1, -1).contiguous()
    history = sample_with_injection(model, start, cond, schedule, vital_layers, control, blend=blend)
    images = decode_with_progress(model, history[-1], height, width, control)
    return EditOutput(images, _trajectories(history, schedule, prompts, guidances, height, width), list(prompts), vital_layers)


def edit_from_trajectory(
    model: FluxModel,
    source: Trajectory,
    edit_prompts: Sequence[str],
    *,
    vital_layers: tuple[int, ...],
    edit_guidance: float = REAL_EDIT_GUIDANCE,
    max_sequence_length: int = MAX_SEQUENCE_LENGTH,
    control: Optional[JobControl] = None,
    kv_store: Optional[SourceKVStore] = None,
    blend: Optional[LatentBlend] = None,
    source_image: Optional[Image.Image] = None,
) -> EditOutput:
    """Edit an image whose trajectory is known (inverted photo or earlier result), 1.3 step 5.

    Every row starts at ``source.latents[0]``; row 0 uses the source's prompt and guidance
    and is pinned to the trajectory after each step; rows 1.. are the edits. With a
    ``kv_store`` the source row's vital-layer K/V are recorded on the first edit of a
    source and replayed on later ones (identical results, fewer rows computed). With
    ``source_image`` (the photo, or the earlier result's picture) row 0 is not decoded.
    """
    control = control or JobControl()
    prompts = [source.prompt, *edit_prompts]
    check_edit_prompts(prompts)
    height, width = source.height, source.width
    schedule = model.schedule(source.num_steps, height, width)
    if not torch.allclose(schedule.sigmas, source.sigmas):
        raise ParameterError("the stored trajectory was made with another schedule; invert the photo again")
    guidances = [source.guidance] + [edit_guidance] * len(edit_prompts)
    cond = model.conditioning(prompts, guidances, height, width, max_sequence_length)
    start = source.latents[:1].to(device=model.device, dtype=model.dtype).expand(len(prompts), -1, -1).contiguous()
    source_kv = None
    if kv_store is not None:
        key = source_kv_key(source, model.identity, vital_layers=vital_layers, max_sequence_length=max_sequence_length)
        source_kv = SourceKVSession(kv_store, kv_store.source(key, vital_layers), model.device)
    history = sample_with_injection(model, start, cond, schedule, vital_layers, control, source=source,
                                    source_kv=source_kv, blend=blend)
    images = decode_rows(model, history[-1], height, width, control, source_image)
    trajectories = _trajectories(history, schedule, prompts, guidances, height, width)
    return EditOutput(images, trajectories, prompts, vital_layers,
                      kv_replayed_steps=source_kv.replayed_steps if source_kv is not None else 0)


def edit_image(
    model: FluxModel,
    image: Image.Image,
    prompts: Sequence[str],
    *,
    vital_layers: tuple[int, ...],
    steps: int = REAL_STEPS,
    nudging: float = NUDGING,
    edit_guidance: float = REAL_EDIT_GUIDANCE,
    max_sequence_length: int = MAX_SEQUENCE_LENGTH,
    inverted: Optional[Trajectory] = None,
    control: Optional[JobControl] = None,
) -> EditOutput:
    """Edit a real photo already at its working size: encode, nudge, invert, edit (1.3).

    ``inverted`` skips the inversion when the trajectory is already known (a cache hit).
    """
    control = control or JobControl()
    check_edit_prompts(prompts)
    width, height = image.size
    if inverted is None:
        clean = encode_image(model.pipeline, image, model.device, model.dtype)
        control.step("encode", 1, 1)
        inverted = invert(
            model, clean, prompts[0], height=height, width=width, steps=steps, nudging=nudging,
            max_sequence_length=max_sequence_length, control=control,
        )
    output = edit_from_trajectory(
        model, inverted, prompts[1:], vital_layers=vital_layers, edit_guidance=edit_guidance,
        max_sequence_length=max_sequence_length, control=control, source_image=image,
    )
    output.source_trajectory = inverted
    return output
