"""Benchmark (not a test): edit quality of every method on the demo world, the paper's Tables 1-2 in miniature.

A fixed set of one-attribute edits (colour, shape, background, an added object; cycled) on
held-out scenes of the demo world, twice: on images the model generates from the source
caption ("generated") and on rendered photos that are VAE-encoded and inverted ("photos").
Per method: adherence (the edited attribute is right, by pixel statistics against the
ground truth, core/demo_world/metrics.py), preservation (MAE and PSNR against the source
outside the edited object) and, for photos, inversion PSNR at nudging 1.0 and 1.15. Writes
a JSON result, a Markdown table and a sample grid.

    python benchmarks/bench_quality.py [--scenes 100] [--photos 100] [--model demo] [--vital-layers 1,2] [--part generated|photos]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PSNR_CAP = 60.0  # dB: an unchanged region would be infinite; capped so means stay finite
GRID_EDITS = 4


@dataclass(frozen=True)
class Row:
    """One table row: a method, its parameter overrides and (Stable Flow) which layers to inject."""

    label: str
    short: str  # the sample grid's tile label
    method: str
    params: dict = field(default_factory=dict)
    layers: Optional[str] = None  # "vital", "all", "non-vital", "none"


ROWS = (
    Row("Stable Flow, vital layers", "SF vital", "stable-flow", layers="vital"),
    Row("Stable Flow, all layers", "SF all", "stable-flow", layers="all"),
    Row("Stable Flow, non-vital layers only", "SF non-vital", "stable-flow", layers="non-vital"),
    Row("Stable Flow, no injection", "SF none", "stable-flow", layers="none"),
    Row("SDEdit (strength 0.8 of the steps)", "SDEdit", "sdedit"),
    Row("FlowEdit", "FlowEdit", "flowedit"),
    Row("FlowAlign (source guidance 1.0)", "FlowAlign 1.0", "flowalign", {"source_guidance": 1.0}),
    Row("FlowAlign (source guidance 1.5)", "FlowAlign 1.5", "flowalign", {"source_guidance": 1.5}),
    Row("dual (source-prompt inversion)", "dual", "dual", {"inversion_prompt": "source"}),
    Row("dual (empty-prompt inversion)", "dual empty", "dual", {"inversion_prompt": "empty"}),
)


class OnePhotoStore:
    """An in-memory inversion store, emptied per photo: the Stable Flow rows share one inversion."""

    def __init__(self) -> None:
        self.entries: dict = {}

    def get(self, key, expected=None):
        """The trajectory under ``key`` (one photo's inversions always fit: the store holds only that photo's)."""
        return self.entries.get(key)

    def put(self, key, trajectory) -> None:
        self.entries[key] = trajectory


def layer_sets(model, vital: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
    """The injected layers of each Stable Flow row."""
    every = tuple(range(model.layout.num_layers))
    return {"vital": vital, "all": every, "non-vital": tuple(i for i in every if i not in vital), "none": ()}


def run_row(engine, row: Row, edit, layers, image=None, source=None, steps=None, seed=0):
    """The edited image of one row for one edit (from a photo, or a known generated trajectory)."""
    from core.api.requests import EditRequest

    source_prompt, target_prompt = edit.prompts
    params = dict(row.params)
    if steps is not None:
        params["steps"] = steps
    if source is not None and row.method == "stable-flow":
        params.pop("steps", None)  # a known trajectory fixes the step count
    request = EditRequest(
        method=row.method, source_prompt=source_prompt, target_prompts=(target_prompt,), image=image, source=source,
        height=64, width=64, seed=seed, params=params, max_sequence_length=engine.model.text_tokens,
        vital_layers=layers[row.layers] if row.layers else None,
    )
    return engine.run(request).images[0]


def reconstruction_psnr(engine, photo, prompt: str, nudging: float, steps: int) -> float:
    """Invert with nudging, sample back with the same prompt at guidance 1 (no injection), PSNR vs the photo."""
    from core.api.requests import EditRequest
    from core.demo_world.metrics import mae_and_psnr, pixels

    request = EditRequest(method="dual", source_prompt=prompt, target_prompts=(prompt,), image=photo,
                          params={"steps": steps, "nudging": nudging, "inversion_guidance": 1.0,
                                  "target_guidance": 1.0}, max_sequence_length=engine.model.text_tokens)
    return min(PSNR_CAP, mae_and_psnr(pixels(engine.run(request).images[0]), pixels(photo))[1])


def summarise(scores: list[dict]) -> dict:
    """Adherence (%), mean kept-region MAE and PSNR over a row's edits, and adherence per edit kind."""
    kinds: dict[str, list[bool]] = {}
    for score in scores:
        kinds.setdefault(score["kind"], []).append(score["adherent"])
    return {
        "adherence": 100.0 * sum(s["adherent"] for s in scores) / len(scores),
        "kept_mae": sum(s["kept_mae"] for s in scores) / len(scores),
        "kept_psnr": sum(min(PSNR_CAP, s["kept_psnr"]) for s in scores) / len(scores),
        "adherence_by_kind": {kind: 100.0 * sum(v) / len(v) for kind, v in sorted(kinds.items())},
        "edits": len(scores),
    }


def _score(edit, source, edited, generated: bool = False) -> dict:
    """One edit's figures; a generated source is scored where it draws its objects (metrics.score_generated)."""
    from core.demo_world.metrics import score_edit, score_generated

    score = (score_generated if generated else score_edit)(edit, source, edited)
    return {"kind": edit.kind, "adherent": score.adherent, "kept_mae": score.kept_mae,
            "kept_psnr": min(PSNR_CAP, score.kept_psnr)}


def merge_parts(folder: Path) -> dict:
    """Every ``quality-<kind>-<start>.json`` of a folder merged per kind: summaries per row, mean reconstructions."""
    merged: dict = {}
    for path in sorted(folder.glob("quality-*-*.json")):
        part = json.loads(path.read_text(encoding="utf-8"))
        entry = merged.setdefault(part["kind"], {"steps": part["steps"], "vital_layers": part.get("vital_layers"),
                                                 "scores": {}, "inversion": {}, "wall_s": 0.0})
        entry["wall_s"] += part["wall_s"]
        for label, scores in part["scores"].items():
            entry["scores"].setdefault(label, []).extend(scores)
        for name, values in part.get("inversion", {}).items():
            entry["inversion"].setdefault(name, []).extend(values)
    for entry in merged.values():
        entry["rows"] = {label: summarise(scores) for label, scores in entry.pop("scores").items()}
        entry["inversion"] = {name: sum(v) / len(v) for name, v in entry["inversion"].items()}
    return merged


def markdown_table(parts: dict) -> str:
    """The README table: one line per row, generated and photo columns, then the reconstruction PSNRs."""
    head = [f"{name}: {parts[part]['rows'][ROWS[0].label]['edits']} edits at {parts[part]['steps']} steps, "
            f"vital layers {', '.join(map(str, parts[part].get('vital_layers') or [])) or 'none'}"
            for part, name in (("generated", "Generated"), ("photos", "Photos")) if part in parts]
    lines = [
        "; ".join(head), "",
        "| Method | Generated: adherence | kept MAE | kept PSNR | Photos: adherence | kept MAE | kept PSNR |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in ROWS:
        cells = [row.label]
        for part in ("generated", "photos"):
            entry = parts.get(part, {}).get("rows", {}).get(row.label)
            cells += ["-"] * 3 if entry is None else [
                f"{entry['adherence']:.0f}%", f"{entry['kept_mae']:.1f}", f"{entry['kept_psnr']:.1f} dB"]
        lines.append("| " + " | ".join(cells) + " |")
    inversion = parts.get("photos", {}).get("inversion")
    if inversion:
        lines += ["", "| Photo reconstruction (invert, then sample back with the source caption, guidance 1) | PSNR |",
                  "|---|---|"]
        lines += [f"| {name} | {value:.2f} dB |" for name, value in inversion.items()]
    return "\n".join(lines)


def write_grid(path: Path, tiles: list[list[tuple[str, object]]]) -> None:
    """One line of labelled tiles per edit, each tile scaled 3x (nearest) so the 64-pixel scenes are visible."""
    from PIL import Image

    from cli.compare_command import labelled_grid
    from core.storage.png_files import save_png

    lines = [labelled_grid([(label, image.resize((192, 192), Image.Resampling.NEAREST)) for label, image in line])
             for line in tiles]
    canvas = Image.new("RGB", (max(l.width for l in lines), sum(l.height for l in lines) + 8 * len(lines)), "white")
    y = 0
    for line in lines:
        canvas.paste(line, (0, y))
        y += line.height + 8
    save_png(canvas, path)


def run_generated(engine, layers, start: int, count: int, steps: int) -> dict:
    """Edits of generated images: the source is generated once from the caption (Stable Flow's
    source row, ``steps`` steps), then every method edits that trajectory or its clean end."""
    from core.api.requests import EditRequest
    from core.demo_model.batches import HELD_OUT_SCENES
    from core.demo_world.edits import edit_set

    scores: dict[str, list] = {row.label: [] for row in ROWS}
    started = time.perf_counter()
    for number, edit in enumerate(edit_set(1, HELD_OUT_SCENES, start + count)[start:], start=start):
        first = engine.run(EditRequest(
            method="stable-flow", source_prompt=edit.prompts[0], target_prompts=(edit.prompts[1],), height=64,
            width=64, seed=number, params={"steps": steps}, max_sequence_length=engine.model.text_tokens,
            vital_layers=layers["vital"]))
        for row in ROWS:
            edited = first.images[0] if row.layers == "vital" else run_row(
                engine, row, edit, layers, source=first.source_trajectory, steps=steps, seed=number)
            scores[row.label].append(_score(edit, first.source_image, edited, generated=True))
        print(f"generated {number + 1}/{start + count} ({time.perf_counter() - started:.0f} s)", flush=True)
    return {"scores": scores}


def run_photos(engine, layers, start: int, count: int, steps: int, grid_path: Path) -> dict:
    """Edits of rendered photos (each method encodes and inverts as for any photo) and the
    reconstruction PSNR at nudging 1.0 and 1.15; the first few edits go into the sample grid."""
    from core.demo_model.batches import HELD_OUT_SCENES
    from core.demo_world.edits import edit_set
    from core.demo_world.render import render

    scores: dict[str, list] = {row.label: [] for row in ROWS}
    reconstructions: dict[str, list[float]] = {"nudging 1.0": [], "nudging 1.15": []}
    grid: list = []
    started = time.perf_counter()
    for number, edit in enumerate(edit_set(2, HELD_OUT_SCENES, start + count)[start:], start=start):
        photo = render(edit.source)
        engine.inversion_store.entries.clear()
        line = [("photo", photo), ("target", render(edit.target))]
        for row in ROWS:
            edited = run_row(engine, row, edit, layers, image=photo, steps=steps, seed=number)
            scores[row.label].append(_score(edit, photo, edited))
            line.append((row.short, edited))
        for nudging in (1.0, 1.15):
            reconstructions[f"nudging {nudging}"].append(reconstruction_psnr(engine, photo, edit.prompts[0], nudging, steps))
        if start == 0 and number < GRID_EDITS:  # only the process with the first edits draws the grid
            grid.append(line)
        print(f"photo {number + 1}/{start + count} ({time.perf_counter() - started:.0f} s)", flush=True)
    if grid:
        write_grid(grid_path, grid)
    return {"scores": scores, "inversion": reconstructions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="demo")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--part", choices=("all", "generated", "photos", "table"), default="all",
                        help="run one kind of edit, or only rebuild the table from the part files")
    parser.add_argument("--scenes", type=int, default=100, help="generated-image edits")
    parser.add_argument("--photos", type=int, default=100, help="rendered-photo edits")
    parser.add_argument("--start", type=int, default=0,
                        help="first edit of this process (several processes can share a part; the table merges them)")
    parser.add_argument("--generated-steps", type=int, default=15, help="steps of generation and every edit")
    parser.add_argument("--photo-steps", type=int, default=20, help="steps of inversion and every photo edit")
    parser.add_argument("--vital-layers", help="the vital rows' layers, e.g. 1,2 (default: the model's registered or shipped set)")
    parser.add_argument("--output", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)

    if args.part != "table":
        import torch

        torch.set_num_threads(1)
        from core.engine import Engine
        from core.model.loading import ModelSpec, load_model
        from core.model.vital_layers import vital_layers_for

        model = load_model(ModelSpec(model=args.model, device=args.device))
        layers = layer_sets(model, vital_layers_for(model.model_id, model.layout, args.vital_layers))
        engine = Engine(model, OnePhotoStore())
        for kind in ("generated", "photos"):
            if args.part not in ("all", kind):
                continue
            started = time.perf_counter()
            if kind == "generated":
                steps = args.generated_steps
                result = run_generated(engine, layers, args.start, args.scenes, steps)
            else:
                steps = args.photo_steps
                result = run_photos(engine, layers, args.start, args.photos, steps, args.output / "quality-grid.png")
            result.update(kind=kind, steps=steps, model=model.model_id, vital_layers=list(layers["vital"]),
                          wall_s=round(time.perf_counter() - started, 1))
            path = args.output / f"quality-{kind}-{args.start}.json"
            path.write_text(json.dumps(result, indent=1), encoding="utf-8")
    merged = merge_parts(args.output)
    table = markdown_table(merged)
    (args.output / "quality.md").write_text(table + "\n", encoding="utf-8")
    (args.output / "quality.json").write_text(json.dumps(merged, indent=2), encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
