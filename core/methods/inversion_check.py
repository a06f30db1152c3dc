"""The faithfulness check (issue 14): sample a photo's inverted noise back with its source prompt.

If the inversion is faithful, sampling its noise forward again along the same schedule,
with the same prompt and guidance and without any injection, gives the photo back. The
PSNR of that reconstruction against the photo tells a user, before trusting an edit,
whether the description and the step count allow a faithful one: a low score suggests a
better description of the photo or more steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from PIL import Image

from core.api.errors import ParameterError
from core.api.progress import JobControl
from core.api.trajectory import Trajectory
from core.methods.image_metrics import psnr
from core.model.flux_model import FluxModel
from core.rules.prompts import MAX_SEQUENCE_LENGTH
from core.sampling.decoding import decode_with_progress
from core.sampling.sampler import StepReport, euler_sample

# Reconstructions at or above this PSNR are usually indistinguishable from the photo at a glance.
FAITHFUL_PSNR_DB = 28.0


@dataclass
class InversionCheck:
    """The photo sampled back from its inverted noise, and how close it came (dB, higher is closer)."""

    reconstruction: Image.Image
    psnr_db: float

    @property
    def faithful(self) -> bool:
        """Whether the reconstruction is close enough to expect faithful edits."""
        return self.psnr_db >= FAITHFUL_PSNR_DB

    def summary(self) -> str:
        """One line for the status bar or the terminal."""
        score = "identical" if self.psnr_db == float("inf") else f"PSNR {self.psnr_db:.1f} dB"
        verdict = ("faithful" if self.faithful else
                   "not faithful: describe the photo more precisely or use more steps")
        return f"Inversion check: the photo comes back at {score} ({verdict})"


@torch.no_grad()
def check_inversion(
    model: FluxModel,
    inverted: Trajectory,
    photo: Image.Image,
    *,
    max_sequence_length: int = MAX_SEQUENCE_LENGTH,
    control: Optional[JobControl] = None,
) -> InversionCheck:
    """Sample ``inverted.latents[0]`` back to a clean image with the inversion's prompt and guidance."""
    control = control or JobControl()
    if photo.size != (inverted.width, inverted.height):
        raise ParameterError(f"the photo is {photo.width}x{photo.height} but the inversion was made at "
                             f"{inverted.width}x{inverted.height}")
    schedule = model.schedule(inverted.num_steps, inverted.height, inverted.width)
    if not torch.allclose(schedule.sigmas, inverted.sigmas):
        raise ParameterError("the inversion was made with another schedule; invert the photo again")
    cond = model.conditioning([inverted.prompt], [inverted.guidance], inverted.height, inverted.width,
                              max_sequence_length)
    noise = inverted.latents[:1].to(device=model.device, dtype=model.dtype)
    history = euler_sample(model, noise, cond, schedule, StepReport(control, "check"), keep_history=False)
    reconstruction = decode_with_progress(model, history[-1], inverted.height, inverted.width, control)[0]
    return InversionCheck(reconstruction, psnr(reconstruction, photo))
