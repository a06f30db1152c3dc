"""Batch runner (tiny model, CPU): equal to single edits, failures recorded, resumable after a kill."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from core.api.errors import Cancelled
from core.api.progress import CancelToken, JobControl
from core.api.requests import EditRequest
from core.batch.photos import find_photos, output_bases
from core.batch.recipe import BatchEdit, BatchRecipe, recipe_from_prompts
from core.batch.report import REPORT_NAME, read_report
from core.batch.runner import BatchRunner
from core.batch.source_prompts import SourcePrompts
from core.engine import Engine
from core.storage.photos import load_image, resize_to_working_size
from core.storage.png_files import read_recipe
from tests.core.batch_helpers import FAST_PARAMS, MSL, CountingEngine, photo_folder


def _pixels(path):
    with Image.open(path) as image:
        return image.size, image.convert("RGB").tobytes()


def _run(engine, recipe, folder, out, control=None, sources=None):
    photos = find_photos(folder, exclude=out)
    runner = BatchRunner(engine, recipe, sources or SourcePrompts(recipe.source), out)
    return runner.run(photos, out / REPORT_NAME, control=control)


def test_a_batch_of_six_photos_equals_six_single_edits(tmp_path, tiny_model):
    photos = photo_folder(tmp_path / "in")
    recipe = recipe_from_prompts(["a photo of {stem}", "a painting of a dog"], params=FAST_PARAMS,
                                 max_sequence_length=MSL)
    report = _run(Engine(tiny_model), recipe, tmp_path / "in", tmp_path / "out")
    assert [p.status for p in report.photos] == ["done"] * 6
    single = Engine(tiny_model)
    for photo in photos:
        image = resize_to_working_size(load_image(photo))
        request = EditRequest(method="stable-flow", source_prompt=f"a photo of {photo.stem}",
                              target_prompts=("a painting of a dog",), image=image, params=FAST_PARAMS,
                              max_sequence_length=MSL)
        expected = single.run(request).images[0]
        assert _pixels(tmp_path / "out" / f"{photo.stem}-1.png") == (expected.size, expected.tobytes())
        recipe_in_file = read_recipe(tmp_path / "out" / f"{photo.stem}-1.png")
        assert recipe_in_file["source_prompt"] == f"a photo of {photo.stem}"
        assert recipe_in_file["params"]["steps"] == 3 and recipe_in_file["batch"]["photo"] == photo.name
    data = read_report(tmp_path / "out" / REPORT_NAME)
    assert data["summary"]["done"] == 6 and all(p["seconds"] > 0 and p["error"] is None for p in data["photos"])
    assert [p["outputs"] for p in data["photos"]] == [[f"{p.stem}-1.png"] for p in photos]


def test_a_corrupt_photo_is_reported_and_the_others_finish(tmp_path, tiny_model):
    photo_folder(tmp_path / "in", 3)
    (tmp_path / "in" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a jpeg")
    full = (tmp_path / "in" / "p0.png").read_bytes()
    (tmp_path / "in" / "cut.png").write_bytes(full[: len(full) // 2])
    recipe = recipe_from_prompts(["a photo", "a photo of a cat"], params=FAST_PARAMS, max_sequence_length=MSL)
    report = _run(Engine(tiny_model), recipe, tmp_path / "in", tmp_path / "out")
    by_name = {p.photo.rsplit("/", 1)[-1]: p for p in report.photos}
    assert {name: p.status for name, p in by_name.items()} == {
        "broken.jpg": "failed", "cut.png": "failed", "p0.png": "done", "p1.jpg": "done", "p2.png": "done"}
    assert "broken.jpg" in by_name["broken.jpg"].error and "\n" not in by_name["broken.jpg"].error
    assert "cut.png" in by_name["cut.png"].error and by_name["cut.png"].outputs == []
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == ["p0-1.png", "p1-1.png", "p2-1.png"]


def _chain_recipe():
    edits = (BatchEdit(("a photo of a cat",), params=FAST_PARAMS), BatchEdit(("a painting of a cat",), seed=7))
    return BatchRecipe(edits, source="a photo of {stem}", max_sequence_length=MSL)


def test_a_run_killed_midway_and_rerun_does_each_photo_once_and_gives_the_same_files(tmp_path, tiny_model):
    photos = photo_folder(tmp_path / "in")
    recipe = _chain_recipe()
    token = CancelToken()
    # 2 edits per photo: run 8 is photo 4's second edit, so photo 4 is half written when it stops.
    first = CountingEngine(tiny_model, cancel_on_run=8, token=token)
    with pytest.raises(Cancelled):
        _run(first, recipe, tmp_path / "in", tmp_path / "out", control=JobControl(cancel=token))
    data = read_report(tmp_path / "out" / REPORT_NAME)
    assert [p["status"] for p in data["photos"]] == ["done"] * 3 + ["cancelled", "waiting", "waiting"]
    assert (tmp_path / "out" / "p3-1.png").exists() and not (tmp_path / "out" / "p3-2.png").exists()
    second = CountingEngine(tiny_model)
    report = _run(second, recipe, tmp_path / "in", tmp_path / "out")
    assert [p.status for p in report.photos] == ["done"] * 6
    assert [p.resumed for p in report.photos] == [True] * 3 + [False] * 3
    # Each photo's first edit (keyed by its pixels) finished once in total, except photo 4's, whose
    # chain was cut short and redone; each chain finished exactly once (its last edit starts from a trajectory).
    finals = first.finished["trajectory"] + second.finished["trajectory"]
    assert finals == 6 and first.finished["trajectory"] == 3
    assert sum(first.finished.values()) + sum(second.finished.values()) == 6 * 2 + 1
    straight = tmp_path / "straight"
    _run(Engine(tiny_model), recipe, tmp_path / "in", straight)
    for photo in photos:
        for k in (1, 2):
            name = f"{photo.stem}-{k}.png"
            assert (tmp_path / "out" / name).read_bytes() == (straight / name).read_bytes(), name


def test_a_rerun_redoes_photos_whose_results_changed_or_whose_recipe_changed(tmp_path, tiny_model):
    photo_folder(tmp_path / "in", 2)
    recipe = recipe_from_prompts(["a photo", "a photo of a cat"], params=FAST_PARAMS, max_sequence_length=MSL)
    _run(Engine(tiny_model), recipe, tmp_path / "in", tmp_path / "out")
    full = (tmp_path / "out" / "p0-1.png").read_bytes()
    (tmp_path / "out" / "p0-1.png").write_bytes(full[:-40])  # a half-written file (not by this app)
    engine = CountingEngine(tiny_model)
    report = _run(engine, recipe, tmp_path / "in", tmp_path / "out")
    assert [p.resumed for p in report.photos] == [False, True] and sum(engine.finished.values()) == 1
    assert (tmp_path / "out" / "p0-1.png").read_bytes() == full
    other = recipe_from_prompts(["a photo", "a photo of a dog"], params=FAST_PARAMS, max_sequence_length=MSL)
    engine = CountingEngine(tiny_model)
    _run(engine, other, tmp_path / "in", tmp_path / "out")
    assert sum(engine.finished.values()) == 2  # another recipe: nothing is reused


def test_descriptions_come_from_a_sidecar_file_before_the_template(tmp_path, tiny_model):
    photo_folder(tmp_path / "in", 2)
    sidecar = tmp_path / "prompts.json"
    sidecar.write_text(json.dumps({"p1.jpg": "a photo of a red house"}))
    from core.batch.source_prompts import read_sidecar

    recipe = recipe_from_prompts(["a photo of {name}", "a photo of a cat"], params=FAST_PARAMS,
                                 max_sequence_length=MSL)
    report = _run(Engine(tiny_model), recipe, tmp_path / "in", tmp_path / "out",
                  sources=SourcePrompts(recipe.source, read_sidecar(sidecar)))
    assert [p.source_prompt for p in report.photos] == ["a photo of p0.png", "a photo of a red house"]


def test_result_names_stay_apart_when_two_photos_share_a_stem(tmp_path):
    a, b = tmp_path / "x.png", tmp_path / "x.jpg"
    assert output_bases([b, a]) == {b: "x_jpg", a: "x_png"}


class OutOfMemoryOnSecondPhoto(Engine):
    def __init__(self, model) -> None:
        super().__init__(model)
        self.runs = 0

    def run(self, request, control=None):
        self.runs += 1
        if self.runs == 2:
            import torch

            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return super().run(request, control)


def test_out_of_memory_on_one_photo_is_one_line_and_the_batch_goes_on(tmp_path, tiny_model):
    photo_folder(tmp_path / "in", 3)
    recipe = recipe_from_prompts(["a photo", "a photo of a cat"], params=FAST_PARAMS, max_sequence_length=MSL)
    report = _run(OutOfMemoryOnSecondPhoto(tiny_model), recipe, tmp_path / "in", tmp_path / "out")
    assert [p.status for p in report.photos] == ["done", "failed", "done"]
    assert report.photos[1].error.startswith("out of memory: try a smaller max_pixels")


def test_a_chain_started_from_a_typed_description_keeps_it(tmp_path):
    from core.batch.recipe import recipe_from_chain
    from core.session.node import EditNode
    from core.session.tree import EditTree
    from tests.helpers import gradient_photo

    tree = EditTree()
    image = gradient_photo(32, 32)
    tree.reset(EditNode("a" * 32, None, "photo", ""), image)  # opened without a description
    tree.insert(EditNode("b" * 32, "a" * 32, "edit", "a photo of a dog", source_prompt="a photo of a street",
                         method="stable-flow", params={"steps": 3}, seed=9), image)
    recipe = recipe_from_chain(tree, "b" * 32)
    assert recipe.source == "a photo of a street"
    assert recipe.edits[0].prompts == ("a photo of a dog",) and recipe.edits[0].seed == 9
    assert recipe_from_chain(tree, "b" * 32, source="auto").source == "auto"
