"""The one Euler sampling loop of the engine, with hooks (ALGORITHMS.md sections 1-3).

Every method, the inversion, the faithfulness check and vital-layer detection step latents
through this loop: ``x <- x + (s_next - s_i) * v(x, s_i)`` along a FLUX schedule, forwards
(noise to image) or backwards (an inversion, image to noise). What differs between them
are its hooks, all optional:

- a :class:`StepHook` installed for the run and told each step first (Stable Flow's
  vital-layer injection, which also records or replays the source row's K/V);
- a pinned row: row 0 follows a known trajectory, set to it after every step; at steps
  whose K/V the hook has recorded, the transformer runs only the other rows;
- a mask blend after every step (:class:`~core.flux.latent_mask.LatentBlend`), against row 0
  or against a reference the caller gives per level;
- progress and cancel: one :meth:`~core.api.progress.JobControl.step` per step.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Callable, Optional, Protocol

import torch

from core.api.progress import JobControl
from core.flux.latent_mask import LatentBlend
from core.flux.schedule import Schedule, euler_step
from core.model.flux_model import Conditioning, FluxModel


class StepHook(Protocol):
    """Per-run and per-step work around the transformer call."""

    def installed(self) -> AbstractContextManager[object]:
        """A context the whole run executes in (e.g. attention processors installed)."""

    def begin_step(self, step: int) -> bool:
        """Prepare ``step``; True when the pinned row need not run through the transformer."""


@dataclass(frozen=True)
class StepReport:
    """How the loop reports its steps: ``phase`` with step counts ``done_before + n`` of
    ``total`` (default: this run's step count), for runs that are part of a longer job."""

    control: JobControl
    phase: str
    done_before: int = 0
    total: Optional[int] = None


def euler_sample(
    model: FluxModel,
    start: torch.Tensor,
    cond: Conditioning,
    schedule: Schedule,
    report: StepReport,
    *,
    first_step: int = 0,
    backwards: bool = False,
    hook: Optional[StepHook] = None,
    pinned: Optional[torch.Tensor] = None,
    blend: Optional[LatentBlend] = None,
    blend_reference: Optional[Callable[[int], torch.Tensor]] = None,
    keep_history: bool = True,
) -> list[torch.Tensor]:
    """Euler-step the batch ``start`` (B, tokens, C) from level ``first_step`` to N.

    ``backwards`` steps from level N to ``first_step`` instead (an inversion: ``start`` is
    the clean latent and the velocity of level k moves it from k + 1 to k). ``pinned``
    (N+1, tokens, C) makes row 0 ``pinned[i+1]`` after step i. With a ``blend``, after
    step i the rows become the mask's mix with ``blend_reference(i + 1)``, or, without a
    reference, the other rows with row 0 (the source at the same level).

    Returns the latents at every level visited, ``start`` first, in visiting order (only
    the last with ``keep_history=False``).
    """
    latents = start.to(device=model.device, dtype=model.dtype)
    steps = range(first_step, schedule.num_steps)
    if backwards:
        steps = steps[::-1]
    edit_rows = cond.rows(slice(1, None)) if pinned is not None else None
    history = [latents]
    with hook.installed() if hook is not None else nullcontext():
        for done, i in enumerate(steps, start=1):
            delta = schedule.sigmas[i] - schedule.sigmas[i + 1] if backwards else schedule.delta(i)
            if hook is not None and hook.begin_step(i):
                if pinned is None:
                    raise ValueError("only a pinned row can skip the transformer")
                velocity = model.velocity(latents[1:], schedule, i, edit_rows)
                latents = torch.cat([pinned[i + 1 : i + 2], euler_step(latents[1:], velocity, delta)])
            else:
                latents = euler_step(latents, model.velocity(latents, schedule, i, cond), delta)
                if pinned is not None:
                    latents = torch.cat([pinned[i + 1 : i + 2], latents[1:]])
            if blend is not None and blend.active:
                if blend_reference is None:
                    latents = torch.cat([latents[:1], blend(latents[1:], latents[:1])])
                else:
                    latents = blend(latents, blend_reference(i + 1))
            if keep_history:
                history.append(latents)
            report.control.step(report.phase, report.done_before + done, report.total or len(steps), latents)
    return history if keep_history else [latents]
