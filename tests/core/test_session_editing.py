"""Incremental editing: only a photo is ever inverted, once; results are edited from their trajectories."""

import pytest

from core.api.errors import ParameterError
from core.api.requests import EditResult
from core.session.session_editing import EditSession
from tests.core.session_helpers import SEQ, STEPS, engine, photo_file, same_pixels  # noqa: F401 (fixtures)

OPTIONS = dict(params={"steps": STEPS}, max_sequence_length=SEQ)


def _calls(model, action):
    before = model.transformer_calls
    result = action()
    return model.transformer_calls - before, result


def test_second_edit_of_the_same_photo_runs_no_inversion_and_gives_the_same_result(tiny_model, engine, photo_file):
    session = EditSession()
    root = session.open_photo(photo_file, "a photo of a street")
    assert session.tree.image(root.id).size == (64, 48) and root.original_size == (64, 48)
    calls, (first,) = _calls(tiny_model, lambda: session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS))
    assert calls == 2 * STEPS  # inversion + editing
    calls, (second,) = _calls(tiny_model, lambda: session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS))
    assert calls == STEPS  # editing only: the inversion came from the disk cache
    assert same_pixels(session.tree.image(first.id), session.tree.image(second.id))
    assert [n.id for n in session.tree.children(root.id)] == [first.id, second.id]  # both kept
    assert second.source_prompt == "a photo of a street" and second.params["steps"] == STEPS
    assert engine.inversion_store.files.hits == 1


def test_an_edit_chain_edits_each_result_from_its_trajectory(tiny_model, engine, photo_file):
    session = EditSession()
    root = session.open_photo(photo_file, "a photo")
    (cat,) = session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS)
    request = session.build_request(cat.id, ["a photo of a cat in snow"], params={"steps": STEPS})
    assert request.source is session.tree.trajectory(cat.id) and request.image is None
    assert request.source_prompt == "a photo of a cat" and request.max_sequence_length == SEQ
    calls, (snow,) = _calls(tiny_model, lambda: session.edit(engine, cat.id, ["a photo of a cat in snow"]))
    assert calls == STEPS
    assert [n.prompt for n in session.tree.path_to(snow.id)] == ["a photo", "a photo of a cat", "a photo of a cat in snow"]
    assert session.tree.current_id == snow.id
    session.history.undo()
    assert session.tree.current_id == cat.id and session.tree.is_live(snow.id)


def test_editing_a_generated_image_runs_no_inversion(tiny_model, engine):
    session = EditSession()
    (dog_hat,) = session.start_generated(engine, "a photo of a dog", ["a photo of a dog wearing a hat"],
                                         params={"steps": 3}, height=48, width=64, max_sequence_length=SEQ)
    root = session.tree.root_node()
    assert root.kind == "generated" and session.tree.trajectory(root.id).num_steps == 3
    assert session.tree.current_id == dog_hat.id
    for node_id in (root.id, dog_hat.id):
        calls, _ = _calls(tiny_model, lambda: session.edit(engine, node_id, ["a painting of a dog"]))
        assert calls == 3


def test_a_result_without_trajectory_is_edited_like_a_photo_through_the_cache(tiny_model, engine, photo_file):
    session = EditSession()
    root = session.open_photo(photo_file, "a photo")
    request = session.build_request(root.id, ["a photo at night"], **OPTIONS)
    result = engine.run(request)
    # what FlowEdit, FlowAlign or SDEdit return: an image without a trajectory
    no_trajectory = EditResult(result.images, [None], None, None, "flowedit", {"steps": STEPS})
    session.history.push(session.add_result(root.id, request, no_trajectory, tiny_model.model_id))
    night = session.tree.node(session.tree.current_id)
    assert night.trajectory_id is None and night.method == "flowedit"
    request = session.build_request(night.id, ["a photo at night in snow"], **OPTIONS)
    assert request.source is None and same_pixels(request.image, session.tree.image(night.id))
    calls, _ = _calls(tiny_model, lambda: session.edit(engine, night.id, ["a photo at night in snow"], **OPTIONS))
    assert calls == 2 * STEPS
    calls, _ = _calls(tiny_model, lambda: session.edit(engine, night.id, ["a photo at dawn"], **OPTIONS))
    assert calls == STEPS


def test_another_source_prompt_starts_from_the_image(engine, photo_file):
    session = EditSession()
    root = session.open_photo(photo_file, "a photo")
    (cat,) = session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS)
    request = session.build_request(cat.id, ["a dog"], source_prompt="a picture of a cat")
    assert request.source is None and request.image is not None and request.source_prompt == "a picture of a cat"


def test_deleted_results_cannot_be_edited_and_unknown_ids_are_refused(engine, photo_file):
    from core.session.operations import DeleteBranch

    session = EditSession()
    root = session.open_photo(photo_file, "a photo")
    (cat,) = session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS)
    session.history.push(DeleteBranch(cat.id))
    with pytest.raises(ParameterError, match="deleted"):
        session.build_request(cat.id, ["a dog"])
    with pytest.raises(ParameterError, match="no result"):
        session.build_request("missing", ["a dog"])


def test_opening_an_exported_png_restores_its_prompt(engine, photo_file, tmp_path):
    from core.session.export import export_node

    session = EditSession()
    root = session.open_photo(photo_file, "a photo")
    (cat,) = session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS)
    export_node(session.tree, cat.id, tmp_path / "cat.png")
    second = EditSession()
    reopened = second.open_photo(tmp_path / "cat.png")
    assert reopened.prompt == "a photo of a cat" and reopened.kind == "photo"
    assert same_pixels(second.tree.image(reopened.id), session.tree.image(cat.id))
