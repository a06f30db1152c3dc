"""The stock side of the whole-process comparison: plain diffusers FluxPipeline, no project code
but the tiny model's construction (the same weights the project's ``tiny-random`` has).

    python benchmarks/stock_flux_driver.py OUTPUT_DIR PROMPT [PROMPT ...] --size 256 --steps 4

Generates every prompt in one batch from one seeded noise at guidance 3.5 and writes
``0.png``, ``1.png``... like ``main.py edit``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    """Parse, build, generate, write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("prompts", nargs="+")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    import torch

    from core.model.tiny_flux import build_tiny_flux_pipeline

    pipeline = build_tiny_flux_pipeline()
    generator = torch.Generator("cpu").manual_seed(args.seed)
    images = pipeline(prompt=args.prompts, height=args.size, width=args.size, num_inference_steps=args.steps,
                      guidance_scale=3.5, generator=generator).images
    args.output.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(images):
        image.save(args.output / f"{index}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
