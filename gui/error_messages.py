"""Turning a failed job into the one line the panel shows (tracebacks go to the log only)."""

from __future__ import annotations

import errno
import logging

from core.api.errors import OutOfMemoryError, UserError
from core.storage.redaction import redact_secrets

OUT_OF_MEMORY = (
    "Out of GPU memory: in Settings choose FP8 weights or an offload memory mode, "
    "or try a smaller image or fewer edit prompts."
)
# The engine's advice names command-line options; the editor names its own controls.
CLI_ADVICE = {
    "use --device cpu": "choose Device: cpu in Edit ▸ Settings",
    "--device cpu": "Device: cpu (Edit ▸ Settings)",
}
DISK_FULL = "the disk is full: free some space or choose a folder on another disk"
log = logging.getLogger(__name__)


def is_out_of_memory(error: BaseException) -> bool:
    """Whether a job ran out of device memory: the engine's error, or torch's (CUDA, MPS) from outside it."""
    return isinstance(error, OutOfMemoryError) or type(error).__name__ == "OutOfMemoryError"


def describe_error(error: BaseException) -> str:
    """One line for the user (never holding a token); unexpected errors are logged with their traceback."""
    if is_out_of_memory(error):
        return OUT_OF_MEMORY
    if isinstance(error, UserError):
        return redact_secrets(for_the_editor(str(error)))
    if isinstance(error, OSError) and error.errno is not None:
        return describe_os_error(error)
    log.error("internal error in a job", exc_info=error)
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return redact_secrets(f"Internal error ({type(error).__name__}{': ' + first if first else ''}); "
                          "details are in the log.")


def describe_os_error(error: OSError) -> str:
    """A file-system failure in words: a full disk, a missing permission, or the system's reason."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return DISK_FULL
    where = f" ({error.filename})" if error.filename else ""
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"no permission to write there{where}: choose another folder"
    return f"{error.strerror or 'the file could not be written'}{where}"


def for_the_editor(message: str) -> str:
    """``message`` with command-line advice put in the editor's terms."""
    for cli, gui in CLI_ADVICE.items():
        message = message.replace(cli, gui)
    return message
