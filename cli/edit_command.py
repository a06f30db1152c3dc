"""``python main.py edit``: edit a generated image or a photo."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.model_options import add_model_arguments, model_spec_from_args
from cli.terminal_progress import TerminalProgress
from core.engine import Engine
from core.errors import ParameterError
from core.image_files import save_png, side_by_side
from core.images import DEFAULT_MAX_PIXELS, load_image, resize_to_working_size
from core.methods.base import EditRequest
from core.model_loading import load_model
from core.progress import JobControl
from core.stable_flow import GENERATED_GUIDANCE, GENERATED_STEPS, MAX_SEQUENCE_LENGTH, NUDGING, REAL_EDIT_GUIDANCE, REAL_STEPS
from core.vital_layers import parse_vital_layers

HELP = "edit a generated image or a photo with Stable Flow"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The edit command's options."""
    parser.add_argument("--prompts", nargs="+", required=True, metavar="PROMPT",
                        help="first the prompt describing the image, then one or more edit prompts")
    parser.add_argument("--output", "--output_path", required=True, type=Path, help="folder for the results")
    parser.add_argument("--input-image", "--input_img_path", type=Path, default=None,
                        help="a photo to edit (omit to edit a generated image)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--steps", type=int, default=None,
                        help=f"sampling steps (default {GENERATED_STEPS} generated, {REAL_STEPS} for a photo)")
    parser.add_argument("--inversion-steps", type=int, default=None,
                        help=f"inversion steps for a photo (default {REAL_STEPS}; editing uses as many)")
    parser.add_argument("--guidance", type=float, default=None,
                        help=f"guidance of the edit rows (default {GENERATED_GUIDANCE} generated, "
                             f"{REAL_EDIT_GUIDANCE} for a photo)")
    parser.add_argument("--nudging", type=float, default=None, help=f"latent nudging for photos (default {NUDGING})")
    parser.add_argument("--height", type=int, default=1024, help="generated image height")
    parser.add_argument("--width", type=int, default=1024, help="generated image width")
    parser.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS, help="pixel budget for photos")
    parser.add_argument("--max-sequence-length", type=int, default=MAX_SEQUENCE_LENGTH)
    parser.add_argument("--vital-layers", default=None,
                        help="global block indices to inject, e.g. 0,1,17,18 (default: the model's set)")
    add_model_arguments(parser)


def _stable_flow_params(args: argparse.Namespace) -> dict:
    steps = args.steps
    if args.input_image is not None:
        if args.steps is not None and args.inversion_steps is not None and args.steps != args.inversion_steps:
            raise ParameterError(
                "for a photo --steps must equal --inversion-steps: the source row follows the inversion step by step"
            )
        steps = args.inversion_steps or args.steps
        return {"steps": steps, "guidance": args.guidance, "nudging": args.nudging}
    return {"steps": steps, "guidance": args.guidance}


def build_request(args: argparse.Namespace, params: dict) -> EditRequest:
    """Read and check everything cheap (prompts, image, sizes) before any model is loaded."""
    if len(args.prompts) < 2:
        raise ParameterError("give at least two prompts: first the one describing the image, then one or more edits")
    image = None
    if args.input_image is not None:
        image = resize_to_working_size(load_image(args.input_image), args.max_pixels)
    else:
        for name in ("height", "width"):
            value = getattr(args, name)
            if value < 16 or value % 16:
                raise ParameterError(f"--{name} must be a multiple of 16 and at least 16 (got {value})")
    layers = None if args.vital_layers is None else tuple(parse_vital_layers(args.vital_layers))
    return EditRequest(
        method=getattr(args, "method", "stable-flow"), source_prompt=args.prompts[0],
        target_prompts=tuple(args.prompts[1:]), image=image, height=args.height, width=args.width, seed=args.seed,
        params=params, max_sequence_length=args.max_sequence_length, vital_layers=layers,
    )


def write_results(output_dir: Path, images, recipe: dict) -> None:
    """``0.png`` (the source), ``1.png``... (the edits) with their recipes, and ``grid.png``."""
    output_dir.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(images):
        save_png(image, output_dir / f"{index}.png", {**recipe, "row": index})
    save_png(side_by_side(images), output_dir / "grid.png")


def run(args: argparse.Namespace) -> int:
    """Validate everything cheap first, then load the model, edit and write the images."""
    request = build_request(args, _stable_flow_params(args))
    args.output.mkdir(parents=True, exist_ok=True)
    model = load_model(model_spec_from_args(args))
    engine = Engine(model)
    progress = TerminalProgress()
    try:
        result = engine.run(request, JobControl(on_progress=progress))
    finally:
        progress.close()
    recipe = {"method": result.method, "model": model.model_id, "prompts": list(args.prompts), "seed": args.seed,
              "params": result.params, "source_image": args.input_image.name if args.input_image else None}
    write_results(args.output, [result.source_image, *result.images], recipe)
    print(f"wrote {len(result.images) + 1} images and grid.png to {args.output}")
    return 0
