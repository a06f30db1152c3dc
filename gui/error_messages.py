"""Turning a failed job into the one line the panel shows (tracebacks go to the log only)."""

from __future__ import annotations

import logging

from core.errors import UserError
from core.redaction import redact_secrets

OUT_OF_MEMORY = (
    "Out of GPU memory: in Settings choose FP8 weights or an offload memory mode, "
    "or try a smaller image or fewer edit prompts."
)
log = logging.getLogger(__name__)


def is_out_of_memory(error: BaseException) -> bool:
    """CUDA/MPS out-of-memory errors, whatever class the backend raised."""
    return type(error).__name__ == "OutOfMemoryError" or "out of memory" in str(error).lower()


def describe_error(error: BaseException) -> str:
    """One line for the user (never holding a token); unexpected errors are logged with their traceback."""
    if is_out_of_memory(error):
        return OUT_OF_MEMORY
    if isinstance(error, UserError):
        return redact_secrets(str(error))
    log.error("internal error in a job", exc_info=error)
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return redact_secrets(f"Internal error ({type(error).__name__}{': ' + first if first else ''}); "
                          "details are in the log.")
