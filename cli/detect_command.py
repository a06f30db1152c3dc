"""``python main.py detect-vital-layers``: find a model's vital layers, and save them for editing."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.model_options import add_model_arguments, model_spec_from_args
from cli.output_paths import output_path
from cli.terminal_progress import TerminalProgress
from core.vital.defaults import (
    DEFAULT_METRIC_MODEL,
    DETECTION_GUIDANCE,
    DETECTION_MAX_SEQUENCE_LENGTH,
    DETECTION_SIZE,
    DETECTION_STEPS,
)
from core.api.errors import Cancelled, ParameterError, device_memory_guard
from core.model.ids import KNOWN_MODELS
from core.model.vital_registry import register_vital_layers
from core.vital.scores import DEFAULT_TOP_K, check_selection

# The options are defined without torch, so --help and usage errors are instant; run() loads the models.
if TYPE_CHECKING:
    from core.vital.detection import DetectionSettings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The detect-vital-layers command's options."""
    parser.add_argument("--prompts-file", type=Path, default=None,
                        help="one prompt per line (default: the 64 one-object scene prompts shipped with the app)")
    parser.add_argument("--num-prompts", type=int, default=None, metavar="K",
                        help="use the first K prompts (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="prompt i uses seed + i (default: %(default)s)")
    parser.add_argument("--steps", type=int, default=DETECTION_STEPS, help="Euler steps (default: %(default)s)")
    parser.add_argument("--guidance", type=float, default=DETECTION_GUIDANCE,
                        help="FLUX guidance (default: %(default)s)")
    parser.add_argument("--height", type=int, default=DETECTION_SIZE, help="image height (default: %(default)s)")
    parser.add_argument("--width", type=int, default=DETECTION_SIZE, help="image width (default: %(default)s)")
    parser.add_argument("--max-sequence-length", type=int, default=DETECTION_MAX_SEQUENCE_LENGTH)
    selection = parser.add_mutually_exclusive_group()
    selection.add_argument("--top-k", type=int, default=None, metavar="K",
                           help=f"choose the K most vital layers (default: {DEFAULT_TOP_K})")
    selection.add_argument("--threshold", type=float, default=None, metavar="T",
                           help="choose the layers whose vitality (1 - mean similarity) is above T")
    parser.add_argument("--metric-model", default=DEFAULT_METRIC_MODEL,
                        help="DINOv2 model: Hugging Face id, local folder, tiny-random, or demo-vae (the demo "
                             "model's VAE latents, offline) (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=1, help="prompts per transformer call (default: %(default)s)")
    parser.add_argument("--save-images", type=Path, default=None, metavar="DIR",
                        help="write DIR/p{i}/full.png and DIR/p{i}/layer{l:02d}.png")
    parser.add_argument("--output", type=output_path, default=None, metavar="RESULT.json",
                        help="result file (default: ./vital_layers_<model>.json); the chart goes beside it as .png")
    parser.add_argument("--resume", action="store_true",
                        help="continue a stopped run from its partial results (same parameters required)")
    parser.add_argument("--register", action="store_true",
                        help="save the chosen set in your registry: edits of this model then use it")
    parser.add_argument("--register-result", type=Path, default=None, metavar="RESULT.json",
                        help="register the chosen set of an earlier result and exit (nothing is generated)")
    add_model_arguments(parser)


def default_output(model: str) -> Path:
    """``./vital_layers_<name>.json``, the name being the last part of the model id or folder."""
    name = Path(KNOWN_MODELS.get(model.lower(), model).rstrip("/\\")).name
    return Path(f"vital_layers_{re.sub(r'[^A-Za-z0-9._-]+', '_', name) or 'model'}.json")


def _settings(args: argparse.Namespace) -> tuple[DetectionSettings, Path]:
    from core.vital.detection import DetectionSettings, default_prompts_file, read_prompts_file

    prompts_file = args.prompts_file or default_prompts_file()
    prompts = read_prompts_file(prompts_file)
    if args.num_prompts is not None:
        if args.num_prompts < 1:
            raise ParameterError(f"--num-prompts must be at least 1 (got {args.num_prompts})")
        if args.num_prompts > len(prompts):
            raise ParameterError(
                f"--num-prompts {args.num_prompts} is more than the {len(prompts)} prompts in {prompts_file}"
            )
        prompts = prompts[: args.num_prompts]
    settings = DetectionSettings(
        prompts=tuple(prompts), seed=args.seed, steps=args.steps, guidance=args.guidance, height=args.height,
        width=args.width, max_sequence_length=args.max_sequence_length, batch_size=args.batch_size,
    )
    settings.validate()
    return settings, prompts_file


def _register(model_id: str, chosen: list[int], num_double: int, num_single: int, source: Path) -> None:
    register_vital_layers(model_id, chosen, num_double, num_single, str(source.resolve()))
    print(f"registered for {model_id}: its edits now use layers {', '.join(map(str, chosen))} "
          "(an explicit --vital-layers still wins)")


def _register_result(path: Path) -> int:
    from core.vital.report import read_result

    result = read_result(path)
    _register(result["model"], result["chosen"]["layers"], result["num_double"], result["num_single"], path)
    return 0


def run(args: argparse.Namespace) -> int:
    """Check everything cheap first, then load the models, detect, write the result and its chart."""
    from core.api.progress import JobControl
    from core.model.devices import resolve_device, resolve_dtype
    from core.model.loading import load_model
    from core.vital.detection import detect_vital_layers
    from core.vital.partial import partial_path, refuse_unrequested_resume
    from core.vital.report import build_result, write_result
    from core.vital.similarity import load_metric_model

    if args.register_result is not None:
        return _register_result(args.register_result)
    settings, prompts_file = _settings(args)
    top_k = DEFAULT_TOP_K if args.top_k is None and args.threshold is None else args.top_k
    check_selection(top_k, args.threshold)
    output = args.output or default_output(args.model)
    partial = partial_path(output)
    refuse_unrequested_resume(partial, args.resume)
    if args.resume and not partial.exists():
        print(f"nothing to resume ({partial} does not exist): starting a new run")

    spec = model_spec_from_args(args)
    device = resolve_device(spec.device)
    embedder = load_metric_model(args.metric_model, device, resolve_dtype(spec.dtype, device), spec.hf_token)
    model = load_model(spec)
    check_selection(top_k, args.threshold, model.layout.num_layers)

    progress = TerminalProgress()
    try:
        with device_memory_guard():
            detection = detect_vital_layers(model, embedder, settings, partial_path=partial, resume=args.resume,
                                            image_dir=args.save_images, control=JobControl(on_progress=progress))
    except (Cancelled, KeyboardInterrupt):
        progress.close()
        if partial.exists():
            print(f"stopped: finished work is kept in {partial}; run the same command with --resume to continue",
                  file=sys.stderr)
        raise
    finally:
        progress.close()

    extra = {"batch_size": settings.batch_size, "prompts_file": str(prompts_file)}
    result = build_result(detection, top_k=top_k, threshold=args.threshold, extra_parameters=extra)
    chart = write_result(output, result)
    detection.partial.discard()
    chosen = result["chosen"]
    print(f"vital layers of {result['model']}: {', '.join(map(str, chosen['layers'])) or 'none'} "
          f"(double blocks {chosen['double_blocks']}, single blocks {chosen['single_blocks']})")
    print(f"wrote {output} and {chart}")
    if args.register:
        if not chosen["layers"]:
            raise ParameterError(
                f"no layer has vitality above {args.threshold:g}, so nothing was registered: "
                f"choose a lower --threshold (the scores are in {output})"
            )
        _register(result["model"], chosen["layers"], result["num_double"], result["num_single"], output)
    else:
        print(f"to edit with them: python main.py detect-vital-layers --register-result {output}")
    return 0
