"""Command-line dispatch: ``python main.py <command> ...``.

Each command lives in its own module exposing ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``; ``COMMANDS`` maps the command name to that module.
"""

from __future__ import annotations

import importlib
import logging
import os
import warnings
from typing import Sequence

from cli.errors import OneLineArgumentParser, run_guarded

COMMANDS: dict[str, str] = {
    "edit": "cli.edit_command",
    "compare": "cli.compare_command",
    "chain": "cli.chain_command",
    "detect-vital-layers": "cli.detect_command",
    "bench": "cli.bench_command",
    "train-demo-model": "cli.train_demo_command",
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


def build_parser() -> OneLineArgumentParser:
    """The parser with every subcommand."""
    parser = OneLineArgumentParser(prog="main.py", description="Stable Flow Studio: edit photos with text.")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=OneLineArgumentParser)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        command = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(handler=module.run)
    return parser


def run_cli(argv: Sequence[str]) -> int:
    """Parse ``argv`` and run the command; returns the process exit code."""
    _quiet_libraries()
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as stop:  # --help, or a usage error already printed as one line
        return int(stop.code or 0)
    return run_guarded(lambda: args.handler(args))
