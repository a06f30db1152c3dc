"""The one-shot GPU check that benchmarks/gpu_check.sh runs (see the README's Performance section).

Builds the full-size FLUX.1-dev architecture with random weights on the GPU and runs the
``bench`` measurements at 1024x1024 for every configuration below; each configuration's
report includes the stock ``FluxPipeline`` on the same weights. Results are written to
``--out`` as ``gpu_check.json`` and ``gpu_check.md`` after every run, so a run cut short
still leaves what it measured. ``--tiny`` is the CPU dry run on the tiny model.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from cli.bench_command import synthetic_photo  # noqa: E402
from core.methods.stable_flow.benchmark import cap_gpu_memory, run_benchmark  # noqa: E402
from core.model.devices import MemoryMode  # noqa: E402
from core.model.loading import ModelSpec, load_model  # noqa: E402
from core.model.tiny_flux import FLUX_DEV_RANDOM_ID, TINY_MODEL_ID  # noqa: E402
from core.model.vital_layers import vital_layers_for  # noqa: E402
from core.storage.atomic import atomic_write_text  # noqa: E402

PEAK_OPERATION = "first photo edit"  # the measurement whose peak goes into core/model/measured_peaks.py


@dataclass(frozen=True)
class GpuRun:
    """One model placement and the speed configurations measured on it (compile last: it cannot be undone)."""

    name: str
    memory_mode: MemoryMode
    weights: str
    configs: tuple[str, ...]
    cap_gb: Optional[float] = None


RUNS = (
    GpuRun("bf16", MemoryMode.NONE, "model", ("eager", "fused-qkv", "fused-qkv+compile")),
    GpuRun("fp8", MemoryMode.NONE, "fp8", ("eager",)),
    GpuRun("group offload + fp8, GPU capped to 24 GB", MemoryMode.GROUP_OFFLOAD, "fp8", ("eager",), 24.0),
)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for gpu_check.json and gpu_check.md")
    parser.add_argument("--tiny", action="store_true", help="CPU dry run with the tiny model")
    parser.add_argument("--steps", type=int, default=None, help="steps per edit (default 8; --tiny 2)")
    return parser.parse_args(argv)


def _run_one(run: GpuRun, args: argparse.Namespace, size: int, steps: int, text_len: int) -> dict:
    """Load the model for ``run``, measure every configuration, and give the memory back."""
    record = {"name": run.name, "memory_mode": run.memory_mode.value, "weights": run.weights, "cap_gb": run.cap_gb,
              "reports": [], "error": None}
    model = None
    try:
        cap_gpu_memory(run.cap_gb)
        start = time.perf_counter()
        model = load_model(ModelSpec(model=TINY_MODEL_ID if args.tiny else FLUX_DEV_RANDOM_ID,
                                     device="cpu" if args.tiny else "cuda", memory_mode=run.memory_mode,
                                     weights=run.weights))
        record["load_seconds"] = round(time.perf_counter() - start, 1)
        layers = vital_layers_for(model.model_id, model.layout)
        photo = synthetic_photo(size, size)
        for config in run.configs:
            report = run_benchmark(model, photo, steps=steps, vital_layers=layers, config=config,
                                   max_sequence_length=text_len)
            record["reports"].append(report.to_dict())
    except Exception as error:  # one broken configuration must not cost the others their figures
        record["error"] = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
        traceback.print_exc()
    finally:
        del model
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        cap_gpu_memory(None)
    return record


def markdown(result: dict) -> str:
    """The Markdown table for the README, and the measured-peak rows for core/model/measured_peaks.py."""
    lines = [f"GPU check on {result['device']} (torch {result['torch']}), {result['model']}, "
             f"{result['size']}x{result['size']}, {result['steps']} steps, text length {result['text_len']}", "",
             "| run | config | operation | seconds | ms/step | peak GB | passes |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
    peaks = []
    for run in result["runs"]:
        if run["error"]:
            lines.append(f"| {run['name']} | - | failed: {run['error']} | | | | |")
        for report in run["reports"]:
            for m in report["measurements"]:
                per_step = "-" if m["ms_per_step"] is None else f"{m['ms_per_step']:.1f}"
                peak = "-" if m["peak_memory_gb"] is None else f"{m['peak_memory_gb']:.2f}"
                lines.append(f"| {run['name']} | {report['config']} | {m['name']} | {m['seconds']:.2f} | {per_step} "
                             f"| {peak} | {m['transformer_passes']} |")
                if m["name"] == PEAK_OPERATION and m["peak_memory_gb"] is not None and report["config"] == "eager":
                    peaks.append(f"    MeasuredPeak({result['device']!r}, MemoryMode({run['memory_mode']!r}), "
                                 f"{run['weights']!r}, EditShape({result['size']}, {result['size']}, 2, "
                                 f"{result['text_len']}), {m['peak_memory_gb']}),")
    if peaks:
        lines += ["", "Rows for core/model/measured_peaks.py:", "", "```python", *peaks, "```"]
    return "\n".join(lines) + "\n"


def main(argv: Optional[list[str]] = None) -> int:
    """Run every configuration; write the JSON and the Markdown after each."""
    args = _parse(sys.argv[1:] if argv is None else argv)
    if not args.tiny and not torch.cuda.is_available():
        print("gpu_check: no CUDA GPU here; use --tiny for the CPU dry run", file=sys.stderr)
        return 2
    size, text_len = (64, 16) if args.tiny else (1024, 512)
    steps = args.steps or (2 if args.tiny else 8)
    device = "CPU" if args.tiny else torch.cuda.get_device_name(0)
    result = {"device": device, "torch": torch.__version__, "python": platform.python_version(),
              "model": TINY_MODEL_ID if args.tiny else FLUX_DEV_RANDOM_ID, "size": size, "steps": steps,
              "text_len": text_len, "runs": []}
    args.out.mkdir(parents=True, exist_ok=True)
    for run in RUNS:
        started = time.perf_counter()
        result["runs"].append(_run_one(run, args, size, steps, text_len))
        result["runs"][-1]["seconds"] = round(time.perf_counter() - started, 1)
        atomic_write_text(args.out / "gpu_check.json", json.dumps(result, indent=2))
        atomic_write_text(args.out / "gpu_check.md", markdown(result))
        print(f"gpu_check: {run.name} done in {result['runs'][-1]['seconds']} s", flush=True)
    return 1 if any(run["error"] for run in result["runs"]) else 0


if __name__ == "__main__":
    sys.exit(main())
