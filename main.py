"""Stable Flow Studio entry point.

``python main.py <command> ...`` runs a headless command (edit, ...);
``python main.py [IMAGE]`` opens the editor.
"""

from __future__ import annotations

import os
import sys

# Before any library import: optional-backend notes from transformers are not for users.
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def main(argv: list[str]) -> int:
    """Dispatch to the CLI or the editor."""
    from cli.app import COMMANDS, run_cli

    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help")):
        return run_cli(argv)

    print("The desktop editor is not available yet; running a demo edit on the built-in tiny model.")
    return run_cli(["edit", "--model", "tiny-random", "--height", "256", "--width", "256",
                    "--prompts", "a photo of a dog on a street", "a photo of a dog wearing a straw hat",
                    "--output", "demo-output"])


def main_entry() -> None:
    """Console-script entry point."""
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
