"""``--compile`` and ``--attention-backend``: the speed options of the commands that edit."""

from __future__ import annotations

import argparse
import sys

from core.model.speed_options import speed_config

ATTENTION_HELP = ("diffusers attention backend: native (default), flash, _native_cudnn, sage, ... (whatever this "
                  "machine provides; results may differ in the last bits from native)")


def add_speed_arguments(parser: argparse.ArgumentParser) -> None:
    """The speed options group."""
    group = parser.add_argument_group("speed")
    group.add_argument("--compile", action="store_true",
                       help="compile the transformer's blocks with torch.compile: faster steps after a one-off "
                            "compilation per image size (kept in the cache folder for later runs); results equal "
                            "to about 1e-4 of 255, not bit for bit")
    group.add_argument("--attention-backend", default="native", metavar="NAME", help=ATTENTION_HELP)


def speed_config_from_args(args: argparse.Namespace) -> str:
    """The speed configuration string the options describe ("eager" without any)."""
    return speed_config(args.compile, args.attention_backend)


def apply_speed_arguments(model, args: argparse.Namespace) -> None:
    """Apply the options to a loaded model; with --compile, say on stderr when a compilation runs."""
    from core.model.speed_options import apply_speed_options, compile_watch

    apply_speed_options(model, speed_config_from_args(args))
    watch = compile_watch(model)
    if watch is not None:
        watch.listener = _announce_compilation


def _announce_compilation(starting: bool) -> None:
    if starting:
        print("compiling the transformer for this size (once per size; later runs reuse the compiled kernels)...",
              file=sys.stderr, flush=True)
