"""Command-line dispatch: ``python main.py <command> ...``.

Each command lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``; ``COMMANDS`` maps the command name to that module and its one-line
help. Only the chosen command's module is imported, and the model libraries only once the
arguments parse, so ``--help`` and usage errors answer at once.
"""

from __future__ import annotations

import importlib
import logging
import os
import warnings
from typing import Optional, Sequence

from cli.errors import OneLineArgumentParser, run_guarded

COMMANDS: dict[str, tuple[str, str]] = {
    "edit": ("cli.edit_command", "edit a generated image or a photo with Stable Flow or another editing method"),
    "compare": ("cli.compare_command", "edit one photo with several methods and write each result and a labelled grid"),
    "chain": ("cli.chain_command", "apply edits one after another, each on the previous result, and save the session"),
    "batch": ("cli.batch_command", "apply one edit or a recorded chain to a folder of photos, on one GPU or many"),
    "detect-vital-layers": ("cli.detect_command",
                            "find the vital layers of a FLUX-architecture model by bypassing each block in turn"),
    "bench": ("cli.bench_command", "measure per-step and whole-edit time and peak memory against stock FluxPipeline"),
    "train-demo-model": ("cli.train_demo_command",
                         "train the small demo model on the synthetic shapes world (hours on a CPU; never in CI)"),
}


def _quiet_libraries() -> None:
    """Library chatter (deprecations, optional-backend notes) is not for end users."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    warnings.filterwarnings("ignore")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    import diffusers
    import transformers

    diffusers.utils.logging.set_verbosity_error()
    transformers.logging.set_verbosity_error()


def build_parser(chosen: Optional[str] = None) -> OneLineArgumentParser:
    """The parser with every subcommand; only ``chosen`` (a command name) gets its options and handler."""
    parser = OneLineArgumentParser(prog="main.py", description="Stable Flow Studio: edit photos with text.")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=OneLineArgumentParser)
    for name, (module_name, summary) in COMMANDS.items():
        command = subparsers.add_parser(name, help=summary, description=summary)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(command)
            command.set_defaults(handler=module.run)
    return parser


def run_cli(argv: Sequence[str]) -> int:
    """Parse ``argv`` and run the command; returns the process exit code."""
    argv = list(argv)
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error already printed as one line
        return int(stop.code or 0)

    def command() -> int:
        _quiet_libraries()
        return args.handler(args)

    return run_guarded(command)
