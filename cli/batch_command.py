"""``python main.py batch``: one edit or a recorded chain applied to a folder of photos.

Under ``accelerate launch --num_processes N`` every process edits its share of the photos
on its own device; the main process merges the report.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from cli.auto_caption import add_caption_argument
from cli.batch_progress import BatchProgress
from cli.cache_options import add_latent_cache_argument, latent_cache_bytes
from cli.model_options import add_model_arguments, hf_token_from_args, model_spec_from_args
from cli.speed_arguments import add_speed_arguments, apply_speed_arguments, speed_config_from_args
from core.api.errors import ParameterError
from core.batch.photos import find_photos, output_bases
from core.batch.processes import batch_processes
from core.batch.recipe import BatchRecipe, load_recipe_file, recipe_from_chain, recipe_from_prompts
from core.batch.report import REPORT_NAME, merge_parts, part_name, remove_parts
from core.batch.source_prompts import SourcePrompts, read_sidecar
from core.model.devices import MemoryMode
from core.model.vital_layers import parse_vital_layers
from core.rules.method_defaults import DEFAULT_METHOD
from core.rules.prompts import MAX_SEQUENCE_LENGTH
from core.storage.photos import DEFAULT_MAX_PIXELS

HELP = "apply one edit or a recorded chain of edits to every photo of a folder (on one GPU or many)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The batch command's options."""
    parser.add_argument("--input", required=True, metavar="DIR_OR_GLOB",
                        help="a folder of photos (not its subfolders) or a pattern such as 'shoot/*.jpg'")
    parser.add_argument("--output", required=True, type=Path,
                        help="folder for NAME-1.png, NAME-2.png, ... per photo and batch.json")
    what = parser.add_argument_group("what to do (one of)").add_mutually_exclusive_group(required=True)
    what.add_argument("--prompts", nargs="+", metavar="PROMPT",
                      help="the photos' description (a template with {stem} or {name}, or auto), then one or more "
                           "edit prompts (one result each)")
    what.add_argument("--recipe", type=Path, help="a recipe JSON file (an edit or a chain; see the README)")
    what.add_argument("--from-project", type=Path, metavar="P.sfproj",
                      help="replay the chain of edits from the project's photo to --node")
    parser.add_argument("--node", default=None, help="with --from-project: the result whose chain is replayed "
                                                     "(default: the project's current result)")
    parser.add_argument("--source-prompt", default=None,
                        help="with --recipe or --from-project: describe the photos (template or auto) instead of "
                             "the recipe's description")
    parser.add_argument("--descriptions", type=Path, default=None,
                        help="CSV (file,description) or JSON ({file: description}) of the photos' descriptions; "
                             "photos not listed use the template")
    add_caption_argument(parser)
    parser.add_argument("--method", default=None, help=f"with --prompts: editing method (default {DEFAULT_METHOD})")
    parser.add_argument("--steps", type=int, default=None, help="with --prompts: steps (method default)")
    parser.add_argument("--guidance", type=float, default=None, help="with --prompts: guidance (method default)")
    parser.add_argument("--seed", type=int, default=None, help="with --prompts: seed (default 42)")
    parser.add_argument("--max-pixels", type=int, default=None,
                        help=f"pixel budget for photos (default {DEFAULT_MAX_PIXELS}, or the recipe's)")
    parser.add_argument("--max-sequence-length", type=int, default=None,
                        help=f"T5 tokens (default {MAX_SEQUENCE_LENGTH}, or the recipe's)")
    parser.add_argument("--vital-layers", default=None, help="with --prompts: block indices to inject")
    add_latent_cache_argument(parser)
    add_model_arguments(parser)
    add_speed_arguments(parser)


def build_recipe(args: argparse.Namespace) -> BatchRecipe:
    """The recipe from --prompts, --recipe or --from-project (checked before any model loads)."""
    prompt_only = {"method": args.method, "steps": args.steps, "guidance": args.guidance, "seed": args.seed,
                   "vital_layers": args.vital_layers}
    if args.prompts is None:
        given = [name for name, value in prompt_only.items() if value is not None]
        if given:
            raise ParameterError(f"--{given[0].replace('_', '-')} goes with --prompts; a recipe or project brings "
                                 "its own")
    if args.node is not None and args.from_project is None:
        raise ParameterError("--node goes with --from-project")
    if args.prompts is not None and args.source_prompt is not None:
        raise ParameterError("with --prompts the first prompt describes the photos; --source-prompt is not needed")
    sizes = {k: v for k, v in (("max_pixels", args.max_pixels), ("max_sequence_length", args.max_sequence_length))
             if v is not None}
    if args.prompts is not None:
        params = {"steps": args.steps, "guidance": args.guidance}
        layers = None if args.vital_layers is None else tuple(parse_vital_layers(args.vital_layers))
        return recipe_from_prompts(args.prompts, args.method or DEFAULT_METHOD, params,
                                   42 if args.seed is None else args.seed, vital_layers=layers, **sizes)
    if args.recipe is not None:
        recipe = load_recipe_file(args.recipe)
    else:
        from core.session.project_file import load_project

        tree = load_project(args.from_project)
        recipe = recipe_from_chain(tree, args.node or tree.current_id)
    changes = {**sizes, **({"source": args.source_prompt} if args.source_prompt is not None else {})}
    return dataclasses.replace(recipe, **changes)


def run(args: argparse.Namespace) -> int:
    """Check everything cheap, load the model once, edit this process's photos, merge the report."""
    recipe = build_recipe(args)
    sidecar = read_sidecar(args.descriptions) if args.descriptions is not None else None
    sources = SourcePrompts(recipe.source, sidecar)
    cache_bytes = latent_cache_bytes(args)
    photos = find_photos(args.input, exclude=args.output)
    bases = output_bases(photos)  # over all photos, before they are split between processes
    processes = batch_processes()
    if processes.count > 1 and args.memory_mode not in (MemoryMode.NONE.value, MemoryMode.AUTO.value):
        raise ParameterError("with several processes use --memory-mode auto or none (or --weights fp8): "
                             "offloading by hand always picks the first GPU")
    mine = processes.split(photos)
    args.output.mkdir(parents=True, exist_ok=True)
    from core.engine import build_engine
    from core.model.loading import load_model

    model = load_model(model_spec_from_args(args))
    apply_speed_arguments(model, args)
    engine = build_engine(model, cache_bytes)
    if sources.needs_captioner:  # loaded after the editing model, on the same device
        from core.model.captioning import load_captioner

        sources.captioner = load_captioner(args.caption_model, engine.model.device, hf_token_from_args(args))
        sources.captioner_id = args.caption_model
    from core.batch.runner import BatchRunner

    runner = BatchRunner(engine, recipe, sources, args.output, processes.index, speed_config_from_args(args))
    report_path = args.output / (REPORT_NAME if processes.count == 1 else part_name(processes.index))
    label = "photos" if processes.count == 1 else f"photos (process 1 of {processes.count})"
    progress = BatchProgress(len(mine), label, enabled=None if processes.is_main else False)
    try:
        report = runner.run(mine, report_path, bases=bases, on_photo=progress)
    finally:
        progress.close()
    processes.wait()
    if not processes.is_main:
        return 0
    if processes.count > 1:
        report = merge_parts(args.output, [str(p) for p in photos], report.recipe, report.model, processes.count)
        report.write(args.output / REPORT_NAME)
        remove_parts(args.output, processes.count)
    counts = report.counts()
    resumed = sum(1 for p in report.photos if p.resumed)
    print(f"{counts['done']} of {len(photos)} photos done ({resumed} from an earlier run), {counts['failed']} failed; "
          f"report in {args.output / REPORT_NAME}")
    for result in report.photos:
        if result.status == "failed":
            print(f"  {Path(result.photo).name}: {result.error}")
    return 0 if counts["failed"] == 0 else 2
