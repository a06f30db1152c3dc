"""``python main.py chain``: apply edits one after another, each on the previous result."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cli.cache_options import add_latent_cache_argument, latent_cache_bytes
from cli.model_options import add_model_arguments, model_spec_from_args
from cli.output_paths import check_output_folder, output_path
from cli.speed_arguments import add_speed_arguments, apply_speed_arguments
from cli.terminal_progress import TerminalProgress
from core.api.errors import ParameterError
from core.model.vital_layers import parse_vital_layers
from core.rules.method_defaults import DEFAULT_METHOD
from core.rules.prompts import check_prompt
from core.rules.sizes import check_pixel_budget, check_side
from core.storage.photos import DEFAULT_MAX_PIXELS

# The options are defined without torch, so --help and usage errors are instant; run() loads the engine.
if TYPE_CHECKING:
    from core.session.session_editing import EditSession


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The chain command's options."""
    start = parser.add_argument_group("start (a photo, or a generated image)")
    start.add_argument("--input-image", "--input_img_path", type=Path, default=None, help="the photo to edit")
    start.add_argument("--source-prompt", default=None, help="describes the photo (with --input-image)")
    start.add_argument("--prompt", default=None, help="generate this image and edit it (instead of a photo)")
    parser.add_argument("--edits", nargs="+", required=True, metavar="PROMPT",
                        help="edit prompts in order; edit k starts from edit k-1's result and prompt")
    parser.add_argument("--output", "--output_path", required=True, type=output_path,
                        help="folder for step0.png (the start), step1.png, ...")
    parser.add_argument("--session", type=Path, default=None,
                        help="project file to save (default OUTPUT/session.sfproj)")
    parser.add_argument("--method", default=DEFAULT_METHOD, help="editing method (default %(default)s)")
    parser.add_argument("--steps", type=int, default=None,
                        help="steps of the first edit (for a photo also its inversion); later Stable Flow edits "
                             "follow their source's trajectory")
    parser.add_argument("--guidance", type=float, default=None, help="guidance of the edits (method default)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--height", type=int, default=1024, help="generated image height")
    parser.add_argument("--width", type=int, default=1024, help="generated image width")
    parser.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS, help="pixel budget for photos")
    parser.add_argument("--max-sequence-length", type=int, default=None,
                        help="T5 text tokens per prompt (default: the model\'s own, 512 for FLUX, 32 for the demo)")
    parser.add_argument("--vital-layers", default=None, help="global block indices to inject (default: the model's)")
    add_latent_cache_argument(parser)
    add_model_arguments(parser)
    add_speed_arguments(parser)


def _check(args: argparse.Namespace) -> None:
    from core.engine import check_seed
    from core.rules.params import require_int

    if (args.input_image is None) == (args.prompt is None):
        raise ParameterError("start from a photo (--input-image with --source-prompt) or a generated image "
                             "(--prompt), one of the two")
    if args.input_image is not None and args.source_prompt is None:
        raise ParameterError("--source-prompt is needed with --input-image: describe the photo in a few words")
    if args.input_image is None and args.source_prompt is not None:
        raise ParameterError("--source-prompt goes with --input-image; a generated start is described by --prompt")
    check_prompt(args.source_prompt or args.prompt, "source prompt")
    for index, prompt in enumerate(args.edits, start=1):
        check_prompt(prompt, f"edit prompt {index}")
    if args.prompt is not None:
        check_side("--height", args.height)
        check_side("--width", args.width)
    check_pixel_budget(args.max_pixels)
    check_seed(args.seed)
    latent_cache_bytes(args)
    if args.steps is not None:
        require_int({"--steps": args.steps}, "--steps", 1)


def run(args: argparse.Namespace) -> int:
    """Check the inputs, then edit step by step; every finished step is on disk and autosaved."""
    from core.api.progress import JobControl
    from core.engine import build_engine
    from core.model.loading import load_model
    from core.session.autosave import Autosave
    from core.session.session_editing import EditSession

    _check(args)
    options = {"params": {k: v for k, v in (("steps", args.steps), ("guidance", args.guidance)) if v is not None},
               "seed": args.seed, "max_sequence_length": args.max_sequence_length,
               "vital_layers": None if args.vital_layers is None else tuple(parse_vital_layers(args.vital_layers))}
    session = EditSession(autosave=Autosave())
    if args.input_image is not None:  # read before the model loads: a bad image fails at once
        session.open_photo(args.input_image, args.source_prompt, args.max_pixels)
    session_path = args.session or args.output / "session.sfproj"
    check_output_folder(args.output)
    progress = TerminalProgress()
    control = JobControl(on_progress=progress)
    try:
        model = load_model(model_spec_from_args(args))
        apply_speed_arguments(model, args)
        engine = build_engine(model, latent_cache_bytes(args))
        if options["max_sequence_length"] is None:
            options["max_sequence_length"] = model.text_tokens
        edits = list(args.edits)
        if args.prompt is not None:
            session.start_generated(engine, args.prompt, [edits.pop(0)], height=args.height, width=args.width,
                                    method=args.method, control=control, **options)
        written = _write_new_steps(session, args.output, 0)
        for prompt in edits:
            session.edit(engine, session.tree.current_id, [prompt], args.method, control=control, **options)
            written = _write_new_steps(session, args.output, written)
    finally:
        progress.close()
        if len(session.tree.nodes()) > 1:  # save whatever finished, also when a step failed
            session.save(session_path)
        session.close()  # not reached when saving failed: the autosave then keeps every result
    print(f"wrote step0.png to step{len(args.edits)}.png in {args.output}; session saved to {session_path}")
    return 0


def _write_new_steps(session: EditSession, output: Path, written: int) -> int:
    """Write ``step{k}.png`` for the steps of the chain not written yet; returns how many are written."""
    from core.session.export import export_node

    chain = session.tree.path_to(session.tree.current_id)
    for k, node in enumerate(chain[written:], start=written):
        export_node(session.tree, node.id, output / f"step{k}.png")
        print(f"step{k}.png: {node.prompt}", flush=True)
    return len(chain)
