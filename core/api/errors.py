"""Errors a user can act on.

Every exception the engine raises for bad input or a missing resource derives from
:class:`UserError`; its message is one line that says what is wrong and what to do.
Front ends print or show that line and never a traceback.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


class UserError(Exception):
    """A problem the user can fix; ``str(error)`` is the one-line message to show."""


class ModelLoadError(UserError):
    """The model could not be found, downloaded or loaded."""


class InputImageError(UserError):
    """The input image is missing, unreadable or unusable."""


class ParameterError(UserError):
    """A prompt, size, vital-layer index or method parameter is invalid."""


class OutOfMemoryError(UserError):
    """The device ran out of memory during a job (raised by the engine in place of torch's)."""

    def __init__(self, message: str = "out of GPU memory: choose FP8 weights or an offload memory mode, "
                 "or try a smaller image or fewer edit prompts") -> None:
        super().__init__(message)


class NonFiniteError(UserError):
    """A job produced NaN or infinite latents; it is stopped and nothing of it is cached."""


class Cancelled(Exception):
    """Raised inside a job when its cancel token was set; not an error for the user."""


@contextmanager
def device_memory_guard() -> Iterator[None]:
    """Turn torch's out-of-memory error (CUDA, MPS) raised inside into :class:`OutOfMemoryError`."""
    import torch  # here, so front ends can import the error types without torch

    try:
        yield
    except torch.OutOfMemoryError:
        raise OutOfMemoryError() from None
