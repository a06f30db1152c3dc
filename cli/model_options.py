"""Command-line options shared by every command that loads a model."""

from __future__ import annotations

import argparse

from core.devices import DEVICE_CHOICES, DTYPE_CHOICES, WEIGHT_CHOICES, MemoryMode
from core.model_loading import DEFAULT_MODEL_ID, ModelSpec


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """--model, --device, --dtype, memory modes and --hf-token (with the research script's spellings)."""
    group = parser.add_argument_group("model")
    group.add_argument("--model", default=DEFAULT_MODEL_ID,
                       help="Hugging Face id, local diffusers folder, demo (the trained demo model) or tiny-random "
                            "(default: %(default)s)")
    group.add_argument("--revision", default=None, help="model revision (branch, tag or commit)")
    group.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    group.add_argument("--dtype", choices=DTYPE_CHOICES, default="auto",
                       help="auto = bfloat16 on a GPU, float32 on the CPU")
    group.add_argument("--memory-mode", choices=[m.value for m in MemoryMode], default=MemoryMode.NONE.value)
    group.add_argument("--weights", choices=WEIGHT_CHOICES, default="model",
                       help="fp8 stores the transformer's weights in FP8 (half the memory of bf16)")
    group.add_argument("--cpu-offload", "--cpu_offload", action="store_true",
                       help="shorthand for --memory-mode model-cpu-offload")
    group.add_argument("--hf-token", "--hf_token", default=None,
                       help="Hugging Face token (default: the saved 'hf auth login' token or HF_TOKEN)")


def model_spec_from_args(args: argparse.Namespace) -> ModelSpec:
    """The ModelSpec the options describe."""
    memory_mode = MemoryMode(args.memory_mode)
    if args.cpu_offload and memory_mode is MemoryMode.NONE:
        memory_mode = MemoryMode.MODEL_CPU_OFFLOAD
    return ModelSpec(model=args.model, device=args.device, dtype=args.dtype, memory_mode=memory_mode,
                     hf_token=args.hf_token, revision=args.revision, weights=args.weights)
