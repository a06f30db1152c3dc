"""Errors a user can act on.

Every exception the engine raises for bad input or a missing resource derives from
:class:`UserError`; its message is one line that says what is wrong and what to do.
Front ends print or show that line and never a traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; ``str(error)`` is the one-line message to show."""


class ModelLoadError(UserError):
    """The model could not be found, downloaded or loaded."""


class InputImageError(UserError):
    """The input image is missing, unreadable or unusable."""


class ParameterError(UserError):
    """A prompt, size, vital-layer index or method parameter is invalid."""


class OutOfMemoryError(UserError):
    """The device ran out of memory during a job."""


class Cancelled(Exception):
    """Raised inside a job when its cancel token was set; not an error for the user."""
