"""Turning any failure into one clear line on stderr and an exit code."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from datetime import datetime
from typing import Callable

from core.errors import Cancelled, OutOfMemoryError, UserError
from core.paths import log_dir

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USER_ERROR = 2
EXIT_CANCELLED = 130


class OneLineArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are a single line, not a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"error: {message} (see '{self.prog} --help')\n")


def _write_crash_log(error: BaseException) -> str:
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S}.log"
        path.write_text("".join(traceback.format_exception(error)), encoding="utf-8")
        return str(path)
    except OSError:
        return "not written: the log folder is not writable"


def run_guarded(command: Callable[[], int]) -> int:
    """Run a CLI command; map every failure to one stderr line and an exit code."""
    try:
        return command()
    except OutOfMemoryError:
        print("error: out of GPU memory: try --weights fp8, --cpu-offload, a smaller --max-pixels, or fewer prompts",
              file=sys.stderr)
        return EXIT_USER_ERROR
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except (Cancelled, KeyboardInterrupt):
        print("cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    except OSError as error:
        if getattr(error, "errno", None) == 28:
            print("error: the disk is full: free some space and run again", file=sys.stderr)
            return EXIT_USER_ERROR
        where = _write_crash_log(error)
        print(f"error: {error.strerror or error} ({getattr(error, 'filename', '') or 'file system'}); "
              f"details in {where}", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as error:  # the last line of defence: never show a traceback
        where = _write_crash_log(error)
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        print(f"internal error: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''} "
              f"(details in {where})", file=sys.stderr)
        return EXIT_INTERNAL
