"""Vital-layer detection (ALGORITHMS.md section 2).

Each prompt i is generated from the shared noise of seed ``seed + i`` with the full model
(plain Euler, 15 steps, guidance 3.5 by default), then once per block with that block
bypassed. Each bypassed image is scored against the full image by the cosine of their
DINOv2 CLS embeddings; the per-layer mean over prompts gives ``vitality = 1 - mean``.

The work is split into units: one batched generation of up to ``batch_size`` prompts with
one block bypassed (or none). After every unit the partial results are saved, so a
stopped run resumes where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import torch

from core.api.errors import ParameterError
from core.api.progress import JobControl
from core.flux.latents import decode_latents, shared_noise
from core.model.flux_model import FluxModel
from core.model.vital_layers import BlockLayout
from core.rules.params import require_int, require_non_negative
from core.rules.prompts import check_max_sequence_length, check_prompt
from core.rules.sizes import check_side
from core.sampling.sampler import StepReport, euler_sample
from core.storage.png_files import save_png
from core.storage.resources import resource_path
from core.vital.bypass import bypassed_block
from core.vital.defaults import DETECTION_GUIDANCE, DETECTION_MAX_SEQUENCE_LENGTH, DETECTION_SIZE, DETECTION_STEPS
from core.vital.partial import PartialResults
from core.vital.scores import LayerScores
from core.vital.similarity import EMBEDDING, ImageEmbedder, cosine_similarities

PROMPTS_RESOURCE = "detection_prompts.txt"
PHASE = "detect"


def default_prompts_file() -> Path:
    """The 64 one-object scene prompts shipped in resources/."""
    return resource_path(PROMPTS_RESOURCE)


def read_prompts_file(path: Path) -> list[str]:
    """One prompt per line; blank lines and lines starting with ``#`` are skipped."""
    if not path.is_file():
        raise ParameterError(f"prompts file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ParameterError(f"prompts file {path} is not UTF-8 text: save it as UTF-8, one prompt per line") from None
    except OSError as error:
        raise ParameterError(f"cannot read the prompts file {path}: {error.strerror or error}") from None
    prompts = [
        check_prompt(line, f"prompt on line {number} of {path.name}")
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not prompts:
        raise ParameterError(f"prompts file {path} has no prompts: write one prompt per line")
    return prompts


@dataclass(frozen=True)
class DetectionSettings:
    """What a detection run generates. ``batch_size`` changes speed and memory, not results."""

    prompts: tuple[str, ...]
    seed: int = 0
    steps: int = DETECTION_STEPS
    guidance: float = DETECTION_GUIDANCE
    height: int = DETECTION_SIZE
    width: int = DETECTION_SIZE
    max_sequence_length: int = DETECTION_MAX_SEQUENCE_LENGTH
    batch_size: int = 1

    def validate(self) -> None:
        """Refuse settings that cannot run, with one line each."""
        if not self.prompts:
            raise ParameterError("give at least one detection prompt")
        check_side("--height", self.height)
        check_side("--width", self.width)
        require_int({"--steps": self.steps}, "--steps", 1)
        require_int({"--batch-size": self.batch_size}, "--batch-size", 1)
        require_non_negative({"--guidance": self.guidance}, "--guidance")
        check_max_sequence_length(self.max_sequence_length, "--max-sequence-length")


def detection_parameters(model: FluxModel, embedder: ImageEmbedder, settings: DetectionSettings) -> dict[str, Any]:
    """Everything a run's similarities depend on: a resume must match these exactly."""
    layout = model.layout
    return {
        "model": model.model_id,
        "revision": model.revision,
        "dtype": str(model.dtype).removeprefix("torch."),
        "num_double": layout.num_double,
        "num_single": layout.num_single,
        "metric_model": embedder.model_id,
        "embedding": getattr(embedder, "embedding", EMBEDDING),
        "prompts": list(settings.prompts),
        "seed": settings.seed,
        "steps": settings.steps,
        "guidance": settings.guidance,
        "height": settings.height,
        "width": settings.width,
        "max_sequence_length": settings.max_sequence_length,
    }


@dataclass(frozen=True)
class DetectionUnit:
    """One batched generation: prompts ``rows`` with global layer ``layer`` bypassed (None: full model)."""

    rows: tuple[int, ...]
    layer: Optional[int]


def plan_units(partial: PartialResults, num_layers: int, batch_size: int) -> list[DetectionUnit]:
    """The units still to run, prompt chunk by prompt chunk: the full images first, then each layer.

    Chunks are aligned to ``batch_size`` from prompt 0, so a resumed run batches the
    remaining work exactly as an uninterrupted run would have.
    """
    num_prompts = len(partial.similarities)
    units = []
    for start in range(0, num_prompts, batch_size):
        chunk = range(start, min(start + batch_size, num_prompts))
        need_full = tuple(row for row in chunk if row not in partial.embeddings and partial.missing_layers(row))
        if need_full:
            units.append(DetectionUnit(need_full, None))
        for layer in range(num_layers):
            rows = tuple(row for row in chunk if partial.similarities[row][layer] is None)
            if rows:
                units.append(DetectionUnit(rows, layer))
    return units


@dataclass
class DetectionRun:
    """A finished detection: the prompts x layers similarities and their per-layer scores.

    ``units_run`` counts the batched generations this call made (fewer after a resume).
    ``partial`` is the on-disk partial result; discard it once the final result is written.
    """

    parameters: dict[str, Any]
    layout: BlockLayout
    similarities: list[list[float]]
    scores: LayerScores
    units_run: int
    partial: PartialResults


def _generate(model: FluxModel, settings: DetectionSettings, unit: DetectionUnit, report: StepReport) -> torch.Tensor:
    """Plain Euler sampling of the unit's prompts, each from its own seed's shared noise."""
    prompts = [settings.prompts[row] for row in unit.rows]
    cond = model.conditioning(
        prompts, [settings.guidance] * len(prompts), settings.height, settings.width, settings.max_sequence_length
    )
    schedule = model.schedule(settings.steps, settings.height, settings.width)
    tokens = model.image_tokens(settings.height, settings.width)
    channels = model.latent_channels
    latents = torch.stack(
        [shared_noise(settings.seed + row, tokens, channels, model.device, model.dtype) for row in unit.rows]
    )
    with bypassed_block(model.pipeline.transformer, unit.layer):
        return euler_sample(model, latents, cond, schedule, report, keep_history=False)[-1]


def _save_images(image_dir: Path, settings: DetectionSettings, unit: DetectionUnit, images, model_id: str) -> None:
    name = "full.png" if unit.layer is None else f"layer{unit.layer:02d}.png"
    for row, image in zip(unit.rows, images):
        recipe = {"model": model_id, "prompt": settings.prompts[row], "seed": settings.seed + row,
                  "steps": settings.steps, "guidance": settings.guidance, "bypassed_layer": unit.layer}
        save_png(image, image_dir / f"p{row}" / name, recipe)


def detect_vital_layers(
    model: FluxModel,
    embedder: ImageEmbedder,
    settings: DetectionSettings,
    *,
    partial_path: Optional[Path] = None,
    resume: bool = False,
    image_dir: Optional[Path] = None,
    control: Optional[JobControl] = None,
) -> DetectionRun:
    """Score every block of ``model`` by how much bypassing it changes the images.

    ``partial_path`` (a ``.partial.json`` file) is where finished units are saved after each
    one; with ``resume`` an existing one is continued (it must have the same parameters),
    without it an existing one is refused. ``image_dir`` receives ``p{i}/full.png`` and
    ``p{i}/layer{l:02d}.png``. Progress is reported as phase ``"detect"``, one event per
    sampling step over the whole run, and a cancel stops within one step.
    """
    control = control or JobControl()
    settings.validate()
    layout = model.layout
    parameters = detection_parameters(model, embedder, settings)
    partial = PartialResults.open(partial_path, parameters, len(settings.prompts), layout.num_layers, resume)
    units = plan_units(partial, layout.num_layers, settings.batch_size)
    total_steps = len(units) * settings.steps
    for done, unit in enumerate(units):
        latents = _generate(model, settings, unit, StepReport(control, PHASE, done * settings.steps, total_steps))
        images = decode_latents(model.pipeline, latents, settings.height, settings.width, model.device)
        if image_dir is not None:
            _save_images(image_dir, settings, unit, images, model.model_id)
        embeddings = embedder.embed(images)
        if unit.layer is None:
            partial.add_embeddings(unit.rows, embeddings)
        else:
            reference = torch.stack([partial.embeddings[row] for row in unit.rows])
            partial.add_similarities(unit.layer, unit.rows, cosine_similarities(reference, embeddings))
        control.check()
    similarities = partial.complete_similarities()
    scores = LayerScores.from_similarities(similarities)
    return DetectionRun(parameters, layout, similarities, scores, len(units), partial)
