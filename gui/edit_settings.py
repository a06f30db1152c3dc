"""What the edit panel asks for: a frozen snapshot of its fields (no Qt, no torch)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

DEFAULT_SIZE = 1024
DEFAULT_MAX_SEQUENCE_LENGTH = 512


@dataclass(frozen=True)
class EditSettings:
    """One edit as the user set it up; several edit prompts make a batch of variations.

    ``width``/``height`` only matter for a generated start (no image open yet); ``mask`` is
    the painted mask (an 8-bit PIL image, white = edit) or None for the whole image.
    ``preview`` asks for a fast preview (core/methods/preview_mode.py) of these settings.
    """

    source_prompt: str
    edit_prompts: tuple[str, ...]
    method: str = "stable-flow"
    params: dict[str, Any] = field(default_factory=dict)
    seed: int = 42
    width: int = DEFAULT_SIZE
    height: int = DEFAULT_SIZE
    max_sequence_length: int = DEFAULT_MAX_SEQUENCE_LENGTH
    mask: Optional[Any] = None
    preview: bool = False
