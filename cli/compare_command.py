"""``python main.py compare``: run several editing methods on one photo, side by side."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont

from cli.edit_command import METHOD_OPTIONS, run_with_progress
from cli.model_options import add_model_arguments, model_spec_from_args
from cli.output_paths import check_output_folder, output_path
from core.api.errors import ParameterError
from core.storage.photos import DEFAULT_MAX_PIXELS, load_image, resize_to_working_size
from core.storage.png_files import save_png, side_by_side


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The compare command's options."""
    parser.add_argument("--input-image", "--input_img_path", type=Path, required=True, help="the photo to edit")
    parser.add_argument("--prompts", nargs=2, required=True, metavar=("SOURCE", "TARGET"),
                        help="the prompt describing the photo, then the edit prompt")
    parser.add_argument("--methods", default=",".join(METHOD_OPTIONS),
                        help="comma-separated methods, in grid order (default: %(default)s)")
    parser.add_argument("--output", "--output_path", required=True, type=output_path, help="folder for the results")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--steps", type=int, default=None, help="steps for every method (default: each method's own)")
    parser.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS, help="pixel budget for the photo")
    parser.add_argument("--max-sequence-length", type=int, default=None,
                        help="T5 text tokens per prompt (default: the model\'s own, 512 for FLUX, 32 for the demo)")
    add_model_arguments(parser)


def parse_methods(text: str) -> list[str]:
    """``"flowedit, sdedit"`` to known method names, in order, without repeats."""
    from core.methods.registry import METHODS, get_method

    names = list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    if not names:
        raise ParameterError(f"--methods names no method: choose from {', '.join(METHODS)}")
    for name in names:
        get_method(name)
    return names


def labelled_grid(tiles: Sequence[tuple[str, Image.Image]]) -> Image.Image:
    """The images in one row, each under its label in Pillow's default font."""
    size = max(10, min(image.height for _, image in tiles) // 20)
    font = ImageFont.load_default(size=size)
    padding = size // 2
    labelled = []
    for label, image in tiles:
        left, top, right, bottom = ImageDraw.Draw(image).textbbox((0, 0), label, font=font)
        tile = Image.new("RGB", (max(image.width, right - left + 2 * padding), image.height + size + 2 * padding),
                         (255, 255, 255))
        ImageDraw.Draw(tile).text((padding - left, padding - top), label, fill=(0, 0, 0), font=font)
        tile.paste(image.convert("RGB"), (0, size + 2 * padding))
        labelled.append(tile)
    return side_by_side(labelled)


def run(args: argparse.Namespace) -> int:
    """Check everything cheap, load the model once, run each method, write the images and the grid."""
    from core.api.requests import EditRequest
    from core.engine import build_engine, validate_request
    from core.model.loading import load_model

    methods = parse_methods(args.methods)
    photo = resize_to_working_size(load_image(args.input_image), args.max_pixels)
    source_prompt, target_prompt = args.prompts
    params = {} if args.steps is None else {"steps": args.steps}
    requests = [EditRequest(method=name, source_prompt=source_prompt, target_prompts=(target_prompt,), image=photo,
                            seed=args.seed, params=params, max_sequence_length=args.max_sequence_length)
                for name in methods]
    for request in requests:
        validate_request(request)
    check_output_folder(args.output)
    engine = build_engine(load_model(model_spec_from_args(args)))
    requests = [request if request.max_sequence_length is not None
                else replace(request, max_sequence_length=engine.model.text_tokens) for request in requests]
    recipe = {"model": engine.model.model_id, "prompts": list(args.prompts), "seed": args.seed,
              "source_image": args.input_image.name}
    save_png(photo, args.output / "source.png")
    tiles = [("source", photo)]
    for request in requests:
        result = run_with_progress(engine, request)
        save_png(result.images[0], args.output / f"{request.method}.png",
                 {**recipe, "method": result.method, "params": result.params})
        tiles.append((request.method, result.images[0]))
        print(f"{request.method}: wrote {request.method}.png")
    save_png(labelled_grid(tiles), args.output / "grid.png")
    print(f"wrote source.png, {len(requests)} results and grid.png to {args.output}")
    return 0
