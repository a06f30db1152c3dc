"""Stable Flow Studio entry point.

``python main.py [IMAGE|PROJECT]`` opens the editor; ``python main.py --self-test`` checks
the editor end to end on the tiny model and exits; ``python main.py --first-run-check``
checks that a first start without a model shows the model setup; ``python main.py <command> ...`` runs a
headless command (edit, ...). Nothing here imports torch, so the window shows at once.
"""

from __future__ import annotations

import os
import sys

# Before any library import: optional-backend notes from transformers are not for users.
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

SELF_TEST = "--self-test"
FIRST_RUN_CHECK = "--first-run-check"
STARTUP_TIME = "--startup-time"


def main(argv: list[str]) -> int:
    """Dispatch to the CLI, the self-test or the editor."""
    from core.model.speed_options import keep_compiled_kernels_in_app_cache

    keep_compiled_kernels_in_app_cache()  # before torch loads: it reads the folder once
    from cli.app import COMMANDS, run_cli  # light: the commands import the engine when they run

    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help")):
        return run_cli(argv)
    from gui.system_libraries import qt_problem  # before PySide6: its import fails without GLib

    offscreen = argv[:1] in ([SELF_TEST], [FIRST_RUN_CHECK], [STARTUP_TIME])  # Qt's offscreen platform unless told
    problem = qt_problem({"QT_QPA_PLATFORM": "offscreen", **os.environ} if offscreen else None)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    if argv[:1] == [SELF_TEST]:
        from gui.self_test import run_self_test

        return run_self_test()
    if argv[:1] == [FIRST_RUN_CHECK]:
        from gui.first_run_check import run_first_run_check

        return run_first_run_check()
    if argv[:1] == [STARTUP_TIME]:
        from gui.startup_probe import run_startup_probe

        return run_startup_probe()
    from gui.app import run_editor

    return run_editor(argv)


def main_entry() -> None:
    """Console-script entry point."""
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
