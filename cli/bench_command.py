"""``python main.py bench``: this engine against stock diffusers, in one process and one run."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from cli.model_options import add_model_arguments, model_spec_from_args
from cli.output_paths import output_path
from core.model.speed_options import parse_speed_config
from core.model.vital_layers import vital_layers_for
from core.rules.sizes import check_side
from core.storage.atomic import atomic_write_text
from core.storage.cache_sizes import cache_bytes_from_gb

# The options are defined without torch, so --help and usage errors are instant; run() loads the model.
if TYPE_CHECKING:
    from core.methods.stable_flow.benchmark import BenchmarkReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The bench command's options."""
    parser.add_argument("--height", type=int, default=1024)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=50, help="inversion and editing steps (default 50)")
    parser.add_argument("--configs", default="eager",
                        help="comma-separated speed configurations, e.g. eager,fused-qkv,attn=flash,"
                             "fused-qkv+compile (compile last: it cannot be undone)")
    parser.add_argument("--max-sequence-length", type=int, default=512)
    parser.add_argument("--vital-layers", default=None)
    parser.add_argument("--kv-cache-gb", type=float, default=None,
                        help="host memory for the re-edit K/V (default: the editor's, a quarter of free memory)")
    parser.add_argument("--output", type=output_path, default=None, help="write the full results as JSON")
    parser.add_argument("--gpu-memory-cap-gb", type=float, default=None,
                        help="let this process use at most this much GPU memory (to measure a smaller card)")
    add_model_arguments(parser)
    parser.set_defaults(model="flux-dev-random")


def synthetic_photo(width: int, height: int) -> Image.Image:
    """A deterministic gradient-and-pattern photo to benchmark on (no file needed)."""
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), (x ^ y) & 255], axis=-1)
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def format_table(reports: list[BenchmarkReport]) -> str:
    """A plain-text table of every measurement and the ratios."""
    lines = []
    for report in reports:
        lines.append(f"config {report.config} on {report.device}, {report.width}x{report.height}, "
                     f"{report.steps} steps")
        lines.append(f"  {'operation':<36} {'seconds':>9} {'ms/step':>9} {'peak GB':>8} {'passes':>7}")
        for m in report.measurements:
            per_step = f"{m.ms_per_step:.1f}" if m.ms_per_step is not None else "-"
            peak = f"{m.peak_memory_gb:.2f}" if m.peak_memory_gb is not None else "-"
            lines.append(f"  {m.name:<36} {m.seconds:>9.3f} {per_step:>9} {peak:>8} {m.transformer_passes:>7}")
        for name, value in report.ratios().items():
            lines.append(f"  {name}: {value:.2f}x")
        lines.append(f"  re-edit K/V: {report.kv_replayed_share:.0%} of steps replayed ({report.kv_needed_gb:.2f} GB "
                     f"needed for all, budget {report.kv_budget_gb:.2f} GB)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Load the model once, run every configuration, print the table, write the JSON."""
    from core.api.errors import device_memory_guard
    from core.methods.stable_flow.benchmark import cap_gpu_memory, run_benchmark
    from core.model.loading import load_model
    from core.rules.params import require_int

    configs = [config.strip() for config in args.configs.split(",") if config.strip()]
    for config in configs:
        parse_speed_config(config)
    require_int({"--steps": args.steps}, "--steps", 1)
    kv_budget = None if args.kv_cache_gb is None else cache_bytes_from_gb(args.kv_cache_gb, "--kv-cache-gb")
    check_side("--height", args.height)
    check_side("--width", args.width)
    if args.gpu_memory_cap_gb is not None:
        cap_gpu_memory(args.gpu_memory_cap_gb)
    model = load_model(model_spec_from_args(args))
    layers = vital_layers_for(model.model_id, model.layout, args.vital_layers)
    photo = synthetic_photo(args.width, args.height)
    with device_memory_guard():
        reports = [run_benchmark(model, photo, steps=args.steps, vital_layers=layers, config=config,
                                 max_sequence_length=args.max_sequence_length, kv_budget_bytes=kv_budget)
                   for config in configs]
    print(format_table(reports))
    if args.output is not None:
        atomic_write_text(args.output, json.dumps({"model": model.model_id,
                                                   "reports": [r.to_dict() for r in reports]}, indent=2))
    return 0
