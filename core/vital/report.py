"""The detection result on disk: RESULT.json with every number, and RESULT.png, its bar chart."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Optional

from core.api.errors import ParameterError
from core.model.vital_layers import BlockLayout
from core.storage.atomic import atomic_write_bytes, atomic_write_text
from core.vital.chart import draw_similarity_chart
from core.vital.detection import DetectionRun
from core.vital.scores import DEFAULT_TOP_K, choose_layers

RESULT_FORMAT = "stable-flow-studio/vital-layers"


def chart_path(result_path: Path) -> Path:
    """``RESULT.png`` beside ``RESULT.json``."""
    return result_path.with_suffix(".png")


def build_result(
    run: DetectionRun,
    *,
    top_k: Optional[int] = None,
    threshold: Optional[float] = None,
    extra_parameters: Optional[dict[str, Any]] = None,
) -> dict[str, Any]:
    """The result document: parameters, per-layer scores, ranking and the chosen set.

    ``extra_parameters`` records settings that do not change the scores (batch size,
    prompts file...). The chosen set is the top ``top_k`` (default 10) or the layers with
    vitality above ``threshold``.
    """
    layout = run.layout
    if top_k is None and threshold is None:
        top_k = DEFAULT_TOP_K
    chosen = choose_layers(run.scores, top_k, threshold)
    double, single = layout.split(chosen)
    layers = [
        {
            "layer": layer,
            "block": "double" if layer < layout.num_double else "single",
            "block_index": layer if layer < layout.num_double else layer - layout.num_double,
            "mean_similarity": similarity,
            "vitality": vitality,
        }
        for layer, (similarity, vitality) in enumerate(zip(run.scores.mean_similarity, run.scores.vitality))
    ]
    return {
        "format": RESULT_FORMAT,
        "model": run.parameters["model"],
        "parameters": {**run.parameters, **(extra_parameters or {}), "top_k": top_k, "threshold": threshold},
        "num_double": layout.num_double,
        "num_single": layout.num_single,
        "layers": layers,
        "ranking": run.scores.ranking(),
        "chosen": {"layers": list(chosen), "double_blocks": double, "single_blocks": single},
        "similarities": run.similarities,
    }


def metric_name(metric_model: str) -> str:
    """What the chart's axis calls the similarity metric of a detection run."""
    from core.vital.vae_metric import DEMO_VAE_METRIC_ID

    if metric_model == DEMO_VAE_METRIC_ID:
        return "demo-VAE latent"
    return "DINOv2" if "dinov2" in metric_model.lower() else metric_model


def write_result(path: Path, result: dict[str, Any]) -> Path:
    """Write RESULT.json and its chart RESULT.png atomically; returns the chart's path."""
    layout = BlockLayout(result["num_double"], result["num_single"])
    parameters = result["parameters"]
    threshold = parameters["threshold"]
    selection = f"top {parameters['top_k']}" if threshold is None else f"vitality > {threshold:g}"
    chosen = ", ".join(map(str, result["chosen"]["layers"])) or "none"
    title = (
        f"{result['model']}: similarity without each block ({len(parameters['prompts'])} prompts, "
        f"{parameters['steps']} steps); chosen = {selection}: {chosen}"
    )
    chart = draw_similarity_chart(
        [entry["mean_similarity"] for entry in result["layers"]], layout, result["chosen"]["layers"], title, threshold,
        metric_name(str(parameters.get("metric_model", "DINOv2"))),
    )
    buffer = io.BytesIO()
    chart.save(buffer, format="PNG")
    target = chart_path(path)
    atomic_write_bytes(target, buffer.getvalue())
    atomic_write_text(path, json.dumps(result, indent=2) + "\n")
    return target


def read_result(path: Path) -> dict[str, Any]:
    """A result written by :func:`write_result`, checked enough to register its chosen set."""
    if not path.is_file():
        raise ParameterError(f"detection result not found: {path}")
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
        ok = (
            result.get("format") == RESULT_FORMAT
            and isinstance(result.get("model"), str)
            and all(isinstance(result.get(key), int) for key in ("num_double", "num_single"))
            and all(isinstance(i, int) for i in result["chosen"]["layers"])
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise ParameterError(f"{path} is not a vital-layer detection result (write one with detect-vital-layers)")
    return result
