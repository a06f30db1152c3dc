"""Turning a failed job into the one line the panel shows (tracebacks go to the log only)."""

from __future__ import annotations

import logging

from core.errors import OutOfMemoryError, UserError

OUT_OF_MEMORY = (
    "Out of GPU memory: in Settings choose FP8 weights or an offload memory mode, "
    "or try a smaller image or fewer edit prompts."
)
log = logging.getLogger(__name__)


def describe_error(error: BaseException) -> str:
    """One line for the user; unexpected errors are logged with their traceback."""
    if isinstance(error, OutOfMemoryError):  # the engine's, raised in place of torch's
        return OUT_OF_MEMORY
    if isinstance(error, UserError):
        return str(error)
    log.error("internal error in a job", exc_info=error)
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"Internal error ({type(error).__name__}{': ' + first if first else ''}); details are in the log."
