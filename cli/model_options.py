"""Command-line options shared by every command that loads a model (defined without torch)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from core.api.errors import ParameterError
from core.model.devices import DEVICE_CHOICES, DTYPE_CHOICES, WEIGHT_CHOICES, MemoryMode
from core.model.ids import DEFAULT_MODEL_ID
from core.storage.regular_files import read_regular_file

if TYPE_CHECKING:
    from core.model.loading import ModelSpec

TOKEN_ENV = "HF_TOKEN"
MAX_TOKEN_FILE_BYTES = 4096


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """--model, --device, --dtype, memory modes and the token options (with the research script's spellings)."""
    group = parser.add_argument_group("model")
    group.add_argument("--model", default=DEFAULT_MODEL_ID,
                       help="Hugging Face id, local diffusers folder, demo (the trained demo model) or tiny-random "
                            "(default: %(default)s)")
    group.add_argument("--revision", default=None, help="model revision (branch, tag or commit)")
    group.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    group.add_argument("--dtype", choices=DTYPE_CHOICES, default="auto",
                       help="auto = bfloat16 on a GPU, float32 on the CPU")
    group.add_argument("--memory-mode", choices=[m.value for m in MemoryMode], default=MemoryMode.AUTO.value,
                       help="auto (default) picks the fastest mode whose expected peak fits the GPU")
    group.add_argument("--weights", choices=WEIGHT_CHOICES, default="model",
                       help="fp8 stores the transformer's weights in FP8 (half the memory of bf16)")
    group.add_argument("--cpu-offload", "--cpu_offload", action="store_true",
                       help="shorthand for --memory-mode model-cpu-offload")
    group.add_argument("--hf-token-file", type=Path, default=None, metavar="FILE",
                       help=f"read the Hugging Face token from FILE (safer than --hf-token: the process list "
                            f"shows command lines); default: --hf-token, then {TOKEN_ENV}, then 'hf auth login'")
    group.add_argument("--hf-token", "--hf_token", default=None,
                       help=f"Hugging Face token (prefer --hf-token-file or the {TOKEN_ENV} environment variable)")


def read_token_file(path: Path) -> str:
    """The token in ``path`` (its first line, stripped); one ParameterError line that never shows it."""
    try:
        text = read_regular_file(path, MAX_TOKEN_FILE_BYTES).decode("utf-8")
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not a small text file"
        raise ParameterError(f"cannot read --hf-token-file {path}: {reason}") from None
    lines = text.strip().splitlines()
    if not lines or not lines[0].strip():
        raise ParameterError(f"--hf-token-file {path} is empty: put the token on its first line")
    return lines[0].strip()


def hf_token_from_args(args: argparse.Namespace) -> Optional[str]:
    """--hf-token, else the --hf-token-file's token, else $HF_TOKEN, else None (the saved login)."""
    if args.hf_token and args.hf_token_file is not None:
        raise ParameterError("give --hf-token or --hf-token-file, not both")
    if args.hf_token:
        return args.hf_token
    if args.hf_token_file is not None:
        return read_token_file(args.hf_token_file)
    return os.environ.get(TOKEN_ENV) or None


def model_spec_from_args(args: argparse.Namespace) -> ModelSpec:
    """The ModelSpec the options describe."""
    from core.model.loading import ModelSpec

    memory_mode = MemoryMode(args.memory_mode)
    if args.cpu_offload and memory_mode in (MemoryMode.AUTO, MemoryMode.NONE):
        memory_mode = MemoryMode.MODEL_CPU_OFFLOAD
    return ModelSpec(model=args.model, device=args.device, dtype=args.dtype, memory_mode=memory_mode,
                     hf_token=hf_token_from_args(args), revision=args.revision, weights=args.weights)
