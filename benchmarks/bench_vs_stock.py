"""Benchmark (not a test): this project against stock diffusers FluxPipeline on the same work,
in one process (interleaved pairs, median ratio) and as whole processes (median wall time).

    python benchmarks/bench_vs_stock.py [--size 256] [--steps 4] [--pairs 5] [--processes 3] [--json FILE]

In one process, on the tiny-random model (CPU unless --device):
- generation of two prompts, same noise and steps: stock ``FluxPipeline(prompt=[...])`` against
  the engine's ``generate_edits`` without injection, from a cold prompt cache;
- a re-edit with the source's picture known (row 0 not decoded) against decoding it;
- three new prompts encoded in one call against one call per prompt;
- the rotary embeddings of one transformer call: computed against cached;
- the fast preview (128 tokens, a quarter of the steps) against the full edit.
As whole processes: ``main.py edit --help`` against ``python -c "import torch"``, and a whole
``main.py edit`` against benchmarks/stock_flux_driver.py on the same prompts, size and steps.
Ratios below 1 mean the project is faster.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
PROMPTS = ["a photo of a dog on a street", "a photo of a dog wearing a straw hat on a street"]


def interleaved(baseline: Callable[[], object], candidate: Callable[[], object], pairs: int) -> dict:
    """Median seconds of each and the median of per-pair ratios candidate/baseline (order alternates)."""
    base_times, cand_times, ratios = [], [], []
    for index in range(pairs):
        order = [(baseline, base_times), (candidate, cand_times)]
        if index % 2:
            order.reverse()
        for run, times in order:
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        ratios.append(cand_times[-1] / base_times[-1])
    return {"baseline_s": round(statistics.median(base_times), 4), "project_s": round(statistics.median(cand_times), 4),
            "ratio": round(statistics.median(ratios), 3)}


def in_process(size: int, steps: int, pairs: int, device: str) -> dict:
    """The in-process comparisons (see the module docstring)."""
    import numpy as np
    import torch

    from core.flux.latents import shared_noise
    from core.methods.preview_mode import PREVIEW_MAX_SEQUENCE_LENGTH, preview_steps
    from core.methods.stable_flow.editing import edit_from_trajectory, generate_edits
    from core.model.flux_model import FluxModel
    from core.model.loading import ModelSpec, load_model
    from core.model.tiny_flux import build_tiny_flux_pipeline

    loaded = load_model(ModelSpec(model="tiny-random", device=device))
    pipeline = loaded.pipeline
    stock_pipeline = build_tiny_flux_pipeline().to(loaded.device)  # same weights, untouched by the project
    stock_pipeline.set_progress_bar_config(disable=True)
    def fresh() -> FluxModel:  # the same weights with empty caches
        return FluxModel(pipeline, loaded.model_id, loaded.device, loaded.dtype)

    noise = shared_noise(42, loaded.image_tokens(size, size), loaded.latent_channels, loaded.device, loaded.dtype)
    results: dict = {}

    def stock():
        return stock_pipeline(prompt=PROMPTS, latents=noise.expand(len(PROMPTS), -1, -1), height=size, width=size,
                        num_inference_steps=steps, guidance_scale=3.5).images

    def project():
        return generate_edits(fresh(), PROMPTS, height=size, width=size, seed=42, vital_layers=(), steps=steps).images

    stock(), project()  # warm-up: first calls pay for allocation and kernel choice
    difference = max(int(np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16)).max())
                     for a, b in zip(stock(), project()))
    results["generation, 2 prompts (stock FluxPipeline vs engine)"] = {
        **interleaved(stock, project, pairs), "max_pixel_difference": difference}

    generated = generate_edits(loaded, PROMPTS, height=size, width=size, seed=42, vital_layers=(0, 1, 3),
                               steps=steps)
    source, picture = generated.trajectories[1], generated.images[1]

    def re_edit(image):
        return edit_from_trajectory(loaded, source, ["a photo of a cat"], vital_layers=(0, 1, 3), source_image=image)

    results["re-edit: row 0 decoded vs picture known"] = interleaved(lambda: re_edit(None), lambda: re_edit(picture),
                                                                     pairs)

    new_prompts = [f"a photo of a {animal} in a garden" for animal in ("dog", "cat", "bird")]

    def one_call_each():
        with torch.no_grad():
            for prompt in new_prompts:
                pipeline.encode_prompt(prompt=prompt, prompt_2=None, device=loaded.device, max_sequence_length=512)

    results["encode 3 new prompts: one call each vs one batched call"] = interleaved(
        one_call_each, lambda: fresh().prompt_encoder.encode_batch(new_prompts, 512), pairs)

    rotary = pipeline.transformer.pos_embed
    ids = torch.cat([torch.zeros(512, 3), loaded.pipeline._prepare_latent_image_ids(
        1, size // 16, size // 16, loaded.device, loaded.dtype)]).to(loaded.device)
    rotary(ids)
    repeat = lambda run: (lambda: [run(ids) for _ in range(50)])  # noqa: E731 (50 transformer calls)
    results["rotary embeddings of 50 calls: computed vs cached"] = interleaved(repeat(rotary.inner), repeat(rotary),
                                                                              pairs)

    full_steps = max(steps, 8)
    preview = lambda msl, n: generate_edits(loaded, PROMPTS, height=size, width=size, seed=42,  # noqa: E731
                                            vital_layers=(0, 1, 3), steps=n, max_sequence_length=msl)
    results[f"fast preview ({PREVIEW_MAX_SEQUENCE_LENGTH} tokens, {preview_steps(full_steps)} steps) "
            f"vs full (512 tokens, {full_steps} steps)"] = interleaved(
        lambda: preview(512, full_steps), lambda: preview(PREVIEW_MAX_SEQUENCE_LENGTH, preview_steps(full_steps)),
        pairs)
    text_only = max(int(np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16)).max()) for a, b in
                    zip(preview(512, full_steps).images, preview(PREVIEW_MAX_SEQUENCE_LENGTH, full_steps).images))
    results["preview text length alone: max pixel difference (of 255)"] = text_only
    return results


def _median_wall(command: list[str], runs: int, env: dict) -> float:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, env={**env, "STABLE_FLOW_STUDIO_HOME": home}, check=True,
                           capture_output=True)
            times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def whole_processes(size: int, steps: int, runs: int) -> dict:
    """Interleaved whole-process wall times (fresh app home per run: cold caches)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    python = sys.executable
    results: dict = {}
    with tempfile.TemporaryDirectory() as out:
        commands = {
            "python -c 'import torch'": [python, "-c", "import torch"],
            "main.py edit --help": [python, "main.py", "edit", "--help"],
            "stock FluxPipeline driver": [python, "benchmarks/stock_flux_driver.py", f"{out}/stock", *PROMPTS,
                                          "--size", str(size), "--steps", str(steps)],
            "main.py edit (stable flow, same prompts, size, steps)": [
                python, "main.py", "edit", "--model", "tiny-random", "--prompts", *PROMPTS, "--height", str(size),
                "--width", str(size), "--steps", str(steps), "--output", f"{out}/project"],
        }
        walls: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):  # interleaved: every command once per round
            for name, command in commands.items():
                walls[name].append(_median_wall(command, 1, env))
    for name, times in walls.items():
        results[name] = round(statistics.median(times), 3)
    torch_import = results["python -c 'import torch'"]
    results["edit --help / import torch"] = round(results["main.py edit --help"] / torch_import, 3)
    results["whole edit / stock driver"] = round(
        results["main.py edit (stable flow, same prompts, size, steps)"] / results["stock FluxPipeline driver"], 3)
    return results


def main() -> int:
    """Run both parts and print (and optionally save) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--processes", type=int, default=3, help="rounds of whole-process runs")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    os.environ["STABLE_FLOW_STUDIO_HOME"] = tempfile.mkdtemp(prefix="bench-vs-stock-")
    report = {"size": args.size, "steps": args.steps, "pairs": args.pairs,
              "in_process": in_process(args.size, args.steps, args.pairs, args.device)}
    print(json.dumps(report["in_process"], indent=1), flush=True)
    report["whole_processes"] = whole_processes(args.size, args.steps, args.processes)
    print(json.dumps(report["whole_processes"], indent=1))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
