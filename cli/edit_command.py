"""``python main.py edit``: edit a generated image or a photo."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from cli.auto_caption import add_caption_argument, describe_photo, is_auto
from cli.model_options import add_model_arguments, model_spec_from_args
from cli.output_paths import check_output_folder, output_path
from cli.speed_arguments import add_speed_arguments, apply_speed_arguments
from core.api.errors import ParameterError
from core.rules import method_defaults as defaults
from core.rules.sizes import check_pixel_budget
from core.storage.photos import DEFAULT_MAX_PIXELS, load_image, resize_to_working_size
from core.rules.method_defaults import (
    GENERATED_GUIDANCE,
    GENERATED_STEPS,
    NUDGING,
    REAL_EDIT_GUIDANCE,
    REAL_STEPS,
)
from core.model.vital_layers import parse_vital_layers

# The options are defined without torch, so --help and usage errors are instant; run() loads the engine.
if TYPE_CHECKING:
    from core.api.requests import EditRequest, EditResult
    from core.engine import Engine
    from core.methods.inversion_check import InversionCheck

# The options each method takes: its parameters (core's table) and a few of the command line's
# own; an option given for another method is refused.
_COMMAND_LINE_ONLY = {"stable-flow": ("inversion_steps", "vital_layers", "check_inversion"), "flowalign": ("reverse",)}
METHOD_OPTIONS: dict[str, tuple[str, ...]] = {
    name: parameters + _COMMAND_LINE_ONLY.get(name, ()) for name, parameters in defaults.METHOD_PARAMETERS.items()
}
ALL_METHOD_OPTIONS = tuple(dict.fromkeys(name for names in METHOD_OPTIONS.values() for name in names))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The edit command's options."""
    parser.add_argument("--prompts", nargs="+", required=True, metavar="PROMPT",
                        help="first the prompt describing the image (auto: written by the captioning model), then "
                             "one or more edit prompts")
    parser.add_argument("--source-prompt", default=None,
                        help="describes the photo (or auto); then every --prompts entry is an edit prompt")
    add_caption_argument(parser)
    parser.add_argument("--output", "--output_path", required=True, type=output_path, help="folder for the results")
    parser.add_argument("--input-image", "--input_img_path", type=Path, default=None,
                        help="a photo to edit (omit to edit a generated image)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--method", choices=list(METHOD_OPTIONS), default="stable-flow",
                        help="editing method (default %(default)s); each takes only its own options below")
    parser.add_argument("--height", type=int, default=1024, help="generated image height")
    parser.add_argument("--width", type=int, default=1024, help="generated image width")
    parser.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS, help="pixel budget for photos")
    parser.add_argument("--max-sequence-length", type=int, default=None,
                        help="T5 text tokens per prompt (default: the model\'s own, 512 for FLUX, 32 for the demo)")
    parser.add_argument("--mask", type=Path, default=None, metavar="PATH",
                        help="edit only where this black-and-white image is white (the photo's size or its working "
                             "size); every other pixel keeps the photo's own value")
    parser.add_argument("--preview", action="store_true",
                        help="fast preview: at most 128 text tokens and a quarter of the steps (at least 4); the "
                             "files say so; run again without --preview for full quality")
    _add_method_arguments(parser)
    add_model_arguments(parser)
    add_speed_arguments(parser)


def _add_method_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("method options (the methods in brackets take them)")
    group.add_argument("--steps", type=int, default=None,
                       help=f"[all] sampling steps (stable-flow: {GENERATED_STEPS} generated, {REAL_STEPS} for a "
                            f"photo; flowedit, flowalign, sdedit, dual: {defaults.FLOWEDIT_STEPS})")
    group.add_argument("--inversion-steps", type=int, default=None,
                       help=f"[stable-flow] inversion steps for a photo (default {REAL_STEPS}; editing uses as many)")
    group.add_argument("--guidance", type=float, default=None,
                       help=f"[stable-flow, sdedit] guidance of the edit rows (stable-flow: {GENERATED_GUIDANCE} "
                            f"generated, {REAL_EDIT_GUIDANCE} for a photo; sdedit: {defaults.SDEDIT_GUIDANCE})")
    group.add_argument("--nudging", type=float, default=None,
                       help=f"[stable-flow, dual] latent nudging before inversion (stable-flow: {NUDGING}, "
                            f"dual: {defaults.DUAL_NUDGING})")
    group.add_argument("--vital-layers", default=None,
                       help="[stable-flow] global block indices to inject, e.g. 0,1,17,18 (default: the model's set)")
    group.add_argument("--n-max", type=int, default=None,
                       help=f"[flowedit] edit only the last N_MAX steps (default {defaults.FLOWEDIT_N_MAX} of "
                            f"{defaults.FLOWEDIT_STEPS}, the same share of other step counts)")
    group.add_argument("--n-min", type=int, default=None,
                       help=f"[flowedit] finish with N_MIN plain target steps (default {defaults.FLOWEDIT_N_MIN})")
    group.add_argument("--n-avg", type=int, default=None,
                       help=f"[flowedit] noise draws averaged per step (default {defaults.FLOWEDIT_N_AVG})")
    group.add_argument("--source-guidance", type=float, default=None,
                       help=f"[flowedit, flowalign] guidance of the source prompt (default flowedit: "
                            f"{defaults.FLOWEDIT_SOURCE_GUIDANCE}, flowalign: {defaults.FLOWALIGN_SOURCE_GUIDANCE})")
    group.add_argument("--target-guidance", type=float, default=None,
                       help=f"[flowedit, flowalign, dual] guidance of the edit prompts (default "
                            f"{defaults.FLOWEDIT_TARGET_GUIDANCE}; dual: {defaults.DUAL_TARGET_GUIDANCE})")
    group.add_argument("--zeta", type=float, default=None,
                       help=f"[flowalign] trajectory regulariser weight per step (default {defaults.FLOWALIGN_ZETA})")
    group.add_argument("--true-cfg", type=float, default=None,
                       help="[flowalign] true classifier-free guidance weight, source prompt as negative (default off)")
    group.add_argument("--check-inversion", action="store_true",
                       help="[stable-flow] sample the photo's inversion back with the source prompt, write "
                            "inversion-check.png and print its PSNR against the photo (a low score: describe the "
                            "photo better or use more steps)")
    group.add_argument("--reverse", action="store_true",
                       help="[flowalign] then edit the result back with the prompts swapped and print PSNR and "
                            "mean absolute error against the original")
    group.add_argument("--strength", type=float, default=None,
                       help=f"[sdedit] fraction of the steps to run, in (0, 1], as in diffusers' img2img "
                            f"(default {defaults.SDEDIT_STRENGTH})")
    group.add_argument("--inversion-guidance", type=float, default=None,
                       help=f"[dual] guidance of the inversion (default {defaults.DUAL_INVERSION_GUIDANCE})")
    group.add_argument("--inversion-prompt", choices=defaults.DUAL_INVERSION_PROMPTS, default=None,
                       help=f"[dual] invert with the source prompt or the empty prompt "
                            f"(default {defaults.DUAL_INVERSION_PROMPT})")


def check_method_options(args: argparse.Namespace) -> None:
    """Refuse an option that the chosen method does not take."""
    allowed = METHOD_OPTIONS[args.method]
    for name in ALL_METHOD_OPTIONS:
        if name not in allowed and getattr(args, name) not in (None, False):
            options = ", ".join("--" + option.replace("_", "-") for option in allowed)
            raise ParameterError(
                f"--{name.replace('_', '-')} does not apply to --method {args.method} (its options: {options})"
            )


def method_params(args: argparse.Namespace) -> dict:
    """The chosen method's parameters from the command line (None = the method's default)."""
    check_method_options(args)
    if args.method == "stable-flow":
        if args.check_inversion and args.input_image is None:
            raise ParameterError("--check-inversion checks the inversion of a photo: give --input-image")
        return _stable_flow_params(args)
    return {name: getattr(args, name) for name in defaults.METHOD_PARAMETERS[args.method]}


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
    """Read and check everything cheap (prompts, image, sizes, parameters) before any model is loaded."""
    from core.api.requests import EditRequest
    from core.engine import validate_request
    from core.flux.masks import check_edit_mask, load_mask_file, mask_array

    if len(args.prompts) < 2:
        raise ParameterError("give at least two prompts: first the one describing the image, then one or more edits")
    check_pixel_budget(args.max_pixels)
    image = photo = None
    if args.input_image is not None:
        photo = load_image(args.input_image)
        image = resize_to_working_size(photo, args.max_pixels)
    layers = None if args.vital_layers is None else tuple(parse_vital_layers(args.vital_layers))
    mask = None
    if args.mask is not None:
        size = image.size if image is not None else (args.width, args.height)
        mask = check_edit_mask(mask_array(load_mask_file(args.mask, size, photo.size if photo else None)), *size)
    request = EditRequest(
        method=args.method, source_prompt=args.prompts[0],
        target_prompts=tuple(args.prompts[1:]), image=image, height=args.height, width=args.width, seed=args.seed,
        params=params, max_sequence_length=args.max_sequence_length, vital_layers=layers, mask=mask,
    )
    validate_request(request)
    return request


def write_results(output_dir: Path, images, recipe: dict) -> None:
    """``0.png`` (the source), ``1.png``... (the edits) with their recipes, and ``grid.png``."""
    from core.storage.png_files import save_png, side_by_side

    output_dir.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(images):
        save_png(image, output_dir / f"{index}.png", {**recipe, "row": index})
    save_png(side_by_side(images), output_dir / "grid.png")


def run(args: argparse.Namespace) -> int:
    """Validate everything cheap first, then load the model, edit and write the images."""
    from cli.reverse_edit import reverse_edits
    from core.engine import build_engine
    from core.model.loading import load_model
    from core.model.memory_auto import EditShape
    from core.storage.png_files import save_png

    if args.source_prompt is not None:
        args.prompts = [args.source_prompt, *args.prompts]
    request = build_request(args, method_params(args))
    if is_auto(args.prompts[0]) and request.image is None:
        raise ParameterError("'auto' describes a photo: give --input-image, or write the prompt of the image to "
                             "generate")
    check_output_folder(args.output)
    model = load_model(model_spec_from_args(args), EditShape.of_request(request))
    engine = build_engine(model)
    request = engine.with_model_defaults(request)  # the text length the recipe records
    if args.preview:
        from core.methods.preview_mode import preview_request

        request = preview_request(request)
    apply_speed_arguments(model, args)
    if is_auto(args.prompts[0]):  # the captioning model loads after the editing model
        args.prompts[0] = describe_photo(args, request.image, model.device)
        request = dataclasses.replace(request, source_prompt=args.prompts[0])
    result = run_with_progress(engine, request)
    recipe = {"method": result.method, "model": model.model_id, "prompts": list(args.prompts), "seed": args.seed,
              "params": result.params, "source_image": args.input_image.name if args.input_image else None,
              "mask": args.mask.name if args.mask else None,
              "max_sequence_length": request.max_sequence_length, "preview": args.preview,
              **({"vital_layers": list(result.vital_layers)} if result.vital_layers is not None else {})}
    write_results(args.output, [result.source_image, *result.images], recipe)
    print(f"wrote {len(result.images) + 1} images and grid.png to {args.output}")
    if args.preview:
        print(f"fast preview ({request.max_sequence_length} text tokens, {result.params.get('steps')} steps): "
              "run again without --preview for full quality")
    if args.check_inversion:
        check = check_inversion_with_progress(model, request, result)
        save_png(check.reconstruction, args.output / "inversion-check.png", {**recipe, "inversion_check": check.summary()})
        print(f"{check.summary()}; wrote inversion-check.png")
    if args.reverse:
        for index, reverse in enumerate(reverse_edits(engine, request, result, run_with_progress), start=1):
            save_png(reverse.image, args.output / f"reverse-{index}.png", {**recipe, "reverse_of": index})
            print(f"reverse edit {index}: PSNR {reverse.psnr:.2f} dB, mean absolute error {reverse.mae:.2f} "
                  f"(of 255) against the original; wrote reverse-{index}.png")
    return 0


def check_inversion_with_progress(model, request: EditRequest, result: EditResult) -> InversionCheck:
    """The faithfulness check of a photo edit's inversion, with a terminal progress bar."""
    from cli.terminal_progress import TerminalProgress
    from core.api.progress import JobControl
    from core.methods.inversion_check import check_inversion

    progress = TerminalProgress()
    try:
        return check_inversion(model, result.source_trajectory, request.image,
                               max_sequence_length=request.max_sequence_length, control=JobControl(on_progress=progress))
    finally:
        progress.close()


def run_with_progress(engine: Engine, request: EditRequest) -> EditResult:
    """Run one request with a terminal progress bar."""
    from cli.terminal_progress import TerminalProgress
    from core.api.progress import JobControl

    progress = TerminalProgress()
    try:
        return engine.run(request, JobControl(on_progress=progress))
    finally:
        progress.close()
