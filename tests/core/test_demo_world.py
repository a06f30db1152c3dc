"""The demo world: deterministic scenes, the caption grammar, masks, and metrics that tell a right edit from a wrong one."""

from dataclasses import replace

import numpy as np
import pytest

from core.demo_model.batches import HELD_OUT_SCENES
from core.demo_world.captions import caption
from core.demo_world.edits import EDIT_KINDS, SceneEdit, edit_set
from core.demo_world.locate import locate
from core.demo_world.metrics import kept_mask, mae_and_psnr, pixels, score_edit, score_generated, shape_at
from core.demo_world.render import object_mask, render
from core.demo_world.scenes import (COLOURS, HORIZON_HEIGHTS, HORIZON_JITTER, SHAPES, Scene, SceneObject, ground_colour,
                                    scene_for_index)


def test_scenes_are_the_same_for_a_seed_and_differ_between_seeds():
    assert [scene_for_index(3, i) for i in range(20)] == [scene_for_index(3, i) for i in range(20)]
    assert [scene_for_index(3, i) for i in range(20)] != [scene_for_index(4, i) for i in range(20)]


def test_captions_follow_the_grammar():
    scene = Scene("yellow", (SceneObject("circle", "red", "small", "left"), SceneObject("star", "blue", "big", "right")))
    assert caption(scene) == "a small red circle on the left and a big blue star on the right on a yellow background"
    single = Scene("white", (SceneObject("square", "green", "big", "middle"),))
    assert caption(single) == "a big green square in the middle on a white background"
    assert caption(Scene("orange", single.objects)).endswith("in the middle on an orange background")


def test_a_render_shows_the_object_colour_inside_its_mask_and_the_background_outside():
    item = SceneObject("triangle", "purple", "big", "left")
    image = pixels(render(Scene("orange", (item,))))
    mask = object_mask(item)
    assert 150 < mask.sum() < 400
    assert np.abs(image[mask].mean(axis=0) - COLOURS["purple"]).max() < 20
    assert np.abs(image[0, 0] - COLOURS["orange"]).max() < 1  # a corner, far from the object


@pytest.mark.parametrize("shape", SHAPES)
def test_the_shape_reader_recognises_each_drawn_shape(shape):
    for colour, background in (("yellow", "orange"), ("black", "white"), ("blue", "red")):
        item = SceneObject(shape, colour, "small", "right", dx=1.3, dy=-0.7)
        for horizon in (None, 30.5):  # the horizon's edge runs through the object
            scene = Scene(background, (item,), horizon)
            assert shape_at(pixels(render(scene)), item, scene) == shape


def test_ground_truth_edits_score_right_and_unedited_images_score_wrong():
    edits = edit_set(0, HELD_OUT_SCENES, 60)
    assert {edit.kind for edit in edits} == set(EDIT_KINDS)
    for edit in edits:
        source = render(edit.source)
        right = score_edit(edit, source, render(edit.target))
        assert right.adherent and right.kept_mae == 0.0, edit.prompts
        assert not score_edit(edit, source, source).adherent, edit.prompts


def test_preservation_counts_only_what_should_not_change():
    edit = next(e for e in edit_set(0, HELD_OUT_SCENES, 8) if e.kind == "colour")
    source, target = pixels(render(edit.source)), pixels(render(edit.target))
    mask = kept_mask(edit)
    assert mae_and_psnr(target, source, mask)[0] == 0.0
    assert mae_and_psnr(target, source)[0] > 0.0  # the whole image does change
    spoiled = target.copy()
    spoiled[mask] = 255 - spoiled[mask]
    assert mae_and_psnr(spoiled, source, mask)[1] < 10.0


@pytest.mark.parametrize("shape", SHAPES)
def test_locate_finds_where_a_picture_draws_each_object(shape):
    left = SceneObject(shape, "red", "big", "left", dx=-3.2, dy=7.1)
    right = SceneObject("circle", "blue", "small", "right", dx=2.5, dy=-6.0)
    for scene in (Scene("yellow", (left, right)), Scene("white", (SceneObject(shape, "black", "small", "middle", 3.9, -7.5),)),
                  Scene("yellow", (left, right), horizon=35.3), Scene("black", (right,), horizon=22.6)):
        nominal = Scene(scene.background, tuple(SceneObject(o.shape, o.colour, o.size, o.position) for o in scene.objects),
                        horizon=None if scene.horizon is None else 45.0)  # a picture draws its own horizon
        found = locate(nominal, render(scene))
        for truth, item in zip(scene.objects, found.objects):
            assert abs(item.dx - truth.dx) < 0.3 and abs(item.dy - truth.dy) < 0.3, (truth, item)


def test_generated_edits_are_scored_where_the_pictures_draw_their_objects():
    """A caption leaves an object's exact place free: a right edit of a picture that drew the objects
    elsewhere than the caption's scene scores right, and an edit that moved the other object does not keep it."""
    captioned = Scene("yellow", (SceneObject("circle", "red", "small", "left", dy=-7.0),
                                 SceneObject("star", "blue", "small", "right", dy=-7.0)))
    edit = SceneEdit("colour", captioned, captioned.with_object(0, colour="green"), 0)
    drawn = Scene("yellow", tuple(replace(item, dx=2.0, dy=7.0) for item in captioned.objects))
    right_edit = drawn.with_object(0, colour="green")
    right = score_generated(edit, render(drawn), render(right_edit))
    assert right.adherent and right.kept_mae == 0.0
    assert not score_edit(edit, render(drawn), render(right_edit)).adherent  # the caption's scene misses the objects
    moved = right_edit.with_object(1, dy=-7.0)
    assert score_generated(edit, render(drawn), render(moved)).kept_mae > 5.0  # the demo tests' bar


def test_the_unnamed_horizon_leans_with_the_first_colour_and_an_edit_that_moves_it_is_not_kept():
    scenes = [scene_for_index(0, i) for i in range(200)]
    for scene in scenes:
        assert abs(scene.horizon - HORIZON_HEIGHTS[scene.objects[0].colour]) <= HORIZON_JITTER
    image = pixels(render(Scene("white", (SceneObject("circle", "red", "small", "left"),), horizon=20.0)))
    assert np.abs(image[10, 60] - COLOURS["white"]).max() < 1 and np.abs(image[40, 60] - ground_colour("white")).max() < 1
    # A colour edit keeps the horizon; a regeneration that moved it to the new colour's height is not kept
    source = Scene("yellow", (SceneObject("circle", "red", "big", "left"),), horizon=HORIZON_HEIGHTS["red"])
    edit = SceneEdit("colour", source, source.with_object(0, colour="purple"), 0)
    assert edit.target.horizon == source.horizon
    moved = replace(edit.target, horizon=HORIZON_HEIGHTS["purple"])
    assert score_generated(edit, render(source), render(edit.target)).kept_mae == 0.0
    assert score_generated(edit, render(source), render(moved)).kept_mae > 8.0  # the demo tests' bar
    assert score_generated(edit, render(source), render(moved)).adherent


def test_the_shipped_sample_photos_are_the_sample_scenes_and_carry_their_captions():
    from PIL import Image

    from core.demo_world.samples import SAMPLE_SCENES
    from core.session.recipe_input import embedded_prompt
    from core.storage.resources import resource_path

    folder = resource_path("samples")
    captions = dict(line.split(": ", 1) for line in (folder / "captions.txt").read_text().splitlines())
    for name, scene in SAMPLE_SCENES.items():
        assert np.array_equal(pixels(Image.open(folder / f"{name}.png")), pixels(render(scene))), name
        assert captions[f"{name}.png"] == caption(scene)
        assert embedded_prompt(folder / f"{name}.png") == caption(scene)  # opening it fills the description
