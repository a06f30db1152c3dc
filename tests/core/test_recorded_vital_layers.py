"""A Stable Flow result records the blocks it actually injected, also when the model's set was used,
so its recipe and project replay the same edit after the model's set changes."""

from cli.app import run_cli
from core.batch.recipe import recipe_from_chain
from core.model.vital_layers import vital_layers_for
from core.model.vital_registry import register_vital_layers
from core.session.session_editing import EditSession
from core.storage.png_files import read_recipe
from tests.core.session_helpers import SEQ, STEPS, engine, photo_file, same_pixels  # noqa: F401 (fixtures)

OPTIONS = dict(params={"steps": STEPS}, max_sequence_length=SEQ)
SHIPPED = (0, 1, 3, 5)  # resources/vital_layers/tiny-random.json


def _register(model, layers):
    layout = model.layout
    register_vital_layers(model.model_id, layers, layout.num_double, layout.num_single, source="test")


def test_an_edit_with_the_models_set_records_that_set_and_replays_the_same_after_it_changes(
        tiny_model, engine, photo_file):
    session = EditSession()
    root = session.open_photo(photo_file, "a photo of a street")
    (cat,) = session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS)
    assert cat.vital_layers == SHIPPED and cat.recipe()["vital_layers"] == list(SHIPPED)

    _register(tiny_model, (2,))
    assert vital_layers_for(tiny_model.model_id, tiny_model.layout) == (2,)
    assert recipe_from_chain(session.tree, cat.id).vital_layers == SHIPPED
    (replayed,) = session.edit(engine, root.id, ["a photo of a cat"], vital_layers=cat.vital_layers, **OPTIONS)
    (with_new_set,) = session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS)
    assert same_pixels(session.tree.image(replayed.id), session.tree.image(cat.id))
    assert with_new_set.vital_layers == (2,)
    assert not same_pixels(session.tree.image(with_new_set.id), session.tree.image(cat.id))


def test_a_generated_start_records_the_set_and_methods_without_injection_record_none(engine, photo_file):
    session = EditSession()
    (edit,) = session.start_generated(engine, "a photo of a dog", ["a photo of a dog in snow"], height=32, width=32,
                                      **OPTIONS)
    assert session.tree.root_node().vital_layers == SHIPPED and edit.vital_layers == SHIPPED
    root = session.open_photo(photo_file, "a photo of a street")
    (sdedit,) = session.edit(engine, root.id, ["a photo of a cat"], method="sdedit", **OPTIONS)
    assert sdedit.vital_layers is None and sdedit.recipe()["vital_layers"] is None


def test_the_command_lines_recipe_records_the_injected_set(tmp_path, capsys):
    out = tmp_path / "out"
    code = run_cli(["edit", "--model", "tiny-random", "--max-sequence-length", "16", "--height", "32", "--width", "32",
                    "--steps", "2", "--prompts", "a photo of a dog", "a photo of a cat", "--output", str(out)])
    assert code == 0, capsys.readouterr().err
    assert read_recipe(out / "1.png")["vital_layers"] == list(SHIPPED)
