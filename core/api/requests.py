"""What a front end asks the engine for and what it gets back: requests, results, inversion stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Protocol

import numpy as np
from PIL import Image

from core.api.trajectory import ExpectedTrajectory, Trajectory


@dataclass(frozen=True)
class EditRequest:
    """One edit job, whatever the method.

    Exactly one of three starts: ``image`` (a photo already at its working size),
    ``source`` (a known trajectory: a generated image or an earlier result, so nothing is
    inverted), or neither (generate the source from ``source_prompt`` at ``height`` x
    ``width``). ``params`` holds the method's own parameters; missing ones take the
    method's defaults.

    ``mask`` (float32, working height x width, 1 = edit, 0 = keep) restricts the edit
    (ALGORITHMS.md section 5); the engine composites the decoded edits over ``keep``, the
    working-size pixels to keep (default: ``image``, else the source's picture).
    ``source_image``, the picture of a known ``source`` when the caller has it, saves
    decoding it.
    """

    method: str
    source_prompt: str
    target_prompts: tuple[str, ...]
    image: Optional[Image.Image] = None
    source: Optional[Trajectory] = None
    height: int = 1024
    width: int = 1024
    seed: int = 42
    params: Mapping[str, Any] = field(default_factory=dict)
    max_sequence_length: int = 512
    vital_layers: Optional[tuple[int, ...]] = None
    mask: Optional[np.ndarray] = field(default=None, compare=False)
    keep: Optional[Image.Image] = None
    source_image: Optional[Image.Image] = field(default=None, compare=False)


@dataclass
class EditResult:
    """What any method returns: one image and trajectory per target prompt, plus the source.

    ``trajectories[i]`` is the full noise-to-clean trajectory of edit i on the standard
    schedule when the method produces one (Stable Flow, ODE inversion), so the result can be
    edited again without inversion; it is None for methods that do not (FlowEdit, FlowAlign,
    SDEdit). ``source_trajectory`` is the source's trajectory when the method made or used
    one (the inversion of a photo, or the generated source). ``params`` are the parameters
    actually used, defaults filled in. ``kv_replay_share`` is the share of steps whose source
    row came from recorded K/V (0 when none was recorded, or for other methods).
    ``vital_layers`` are the blocks Stable Flow injected (the model's set when the request
    named none), so a recipe replays the same edit after the model's set changes; None for
    methods that inject nothing.
    """

    images: list[Image.Image]
    trajectories: list[Optional[Trajectory]]
    source_image: Optional[Image.Image]
    source_trajectory: Optional[Trajectory]
    method: str
    params: dict[str, Any]
    kv_replay_share: float = 0.0
    vital_layers: Optional[tuple[int, ...]] = None


class InversionStore(Protocol):
    """Where inversion trajectories are looked up and kept (memory, disk...)."""

    def get(self, key: str, expected: Optional[ExpectedTrajectory] = None) -> Optional[Trajectory]:
        """The trajectory stored under ``key`` if it fits ``expected``, or None."""

    def put(self, key: str, trajectory: Trajectory) -> None:
        """Keep ``trajectory`` under ``key``."""
