"""Turning any failure into one clear line on stderr and an exit code.

Every line (argparse's usage errors included) and every crash log passes through
:func:`core.storage.redaction.redact_secrets`, so a token typed on the command line is never echoed.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from datetime import datetime
from typing import Callable

from core.api.errors import Cancelled, OutOfMemoryError, UserError
from core.storage.paths import log_dir
from core.storage.redaction import redact_secrets

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USER_ERROR = 2
EXIT_CANCELLED = 130


class OneLineArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are a single line, not a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, redact_secrets(f"error: {message} (see '{self.prog} --help')") + "\n")


def _write_crash_log(error: BaseException) -> str:
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S}.log"
        path.write_text(redact_secrets("".join(traceback.format_exception(error))), encoding="utf-8")
        return str(path)
    except OSError:
        return "not written: the log folder is not writable"


def _say(line: str) -> None:
    """Print one line (a multi-line message is joined) with secrets redacted."""
    print(redact_secrets(" ".join(line.splitlines())), file=sys.stderr)


def run_guarded(command: Callable[[], int]) -> int:
    """Run a CLI command; map every failure to one stderr line and an exit code."""
    try:
        return command()
    except OutOfMemoryError:
        _say("error: out of GPU memory: try --weights fp8, --cpu-offload, a smaller --max-pixels, or fewer prompts")
        return EXIT_USER_ERROR
    except UserError as error:
        _say(f"error: {error}")
        return EXIT_USER_ERROR
    except (Cancelled, KeyboardInterrupt):
        _say("cancelled")
        return EXIT_CANCELLED
    except OSError as error:
        if getattr(error, "errno", None) == 28:
            _say("error: the disk is full: free some space and run again")
            return EXIT_USER_ERROR
        where = _write_crash_log(error)
        _say(f"error: {error.strerror or error} ({getattr(error, 'filename', '') or 'file system'}); "
             f"details in {where}")
        return EXIT_INTERNAL
    except Exception as error:  # the last line of defence: never show a traceback
        where = _write_crash_log(error)
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        _say(f"internal error: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''} "
             f"(details in {where})")
        return EXIT_INTERNAL
