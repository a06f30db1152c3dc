"""Masked edits in sessions: chains that never degrade the untouched pixels, at working and at
original size, and masks that survive save/load, autosave, undo/redo and exported recipes."""

import json
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.api.errors import ParameterError
from core.flux.masks import feather, mask_array, mask_from_text, scaled_mask
from core.session.autosave import Autosave, restore_autosave
from core.session.export import export_node, read_export_recipe
from core.session.project_file import ProjectFileError, load_project
from core.session.session_editing import EditSession
from core.storage.photos import load_image, resize_to_working_size
from tests.core.session_helpers import SEQ, STEPS, engine, same_pixels  # noqa: F401 (fixtures)
from tests.helpers import gradient_photo

OPTIONS = dict(params={"steps": STEPS}, max_sequence_length=SEQ)
BUDGET = 64 * 48  # the 128x96 photo is worked on at 64x48
# Three regions of the 64x48 working image, one per edit (the rest is never touched).
BOXES = [(0, 0, 15, 15), (40, 0, 63, 15), (16, 32, 39, 47)]


@pytest.fixture
def big_photo(tmp_path):
    path = tmp_path / "big.png"
    gradient_photo(128, 96, seed=4).save(path)
    return path


def box_mask(box, radius=1.5) -> Image.Image:
    mask = Image.new("L", (64, 48), 0)
    ImageDraw.Draw(mask).rectangle(box, fill=255)
    return feather(mask, radius)


@pytest.fixture
def chain(engine, big_photo):
    """A photo edited three times, each edit masked to its own box, with three different methods."""
    session = EditSession(autosave=Autosave())
    node = session.open_photo(big_photo, "a photo", max_pixels=BUDGET)
    nodes = []
    for box, method, prompt in zip(BOXES, ("stable-flow", "flowedit", "sdedit"),
                                   ("a photo of a cat", "a photo of a red car", "a photo of a blue boat")):
        (node,) = session.edit(engine, node.id, [prompt], method=method, mask=box_mask(box), **OPTIONS)
        nodes.append(node)
    return session, nodes


def outside_all(masks, size) -> np.ndarray:
    """Where every mask, scaled to ``size``, is exactly zero."""
    return np.all([scaled_mask(mask, size) == 0 for mask in masks], axis=0)


def test_a_masked_chain_keeps_the_photos_pixels_outside_every_mask_at_both_sizes(chain, big_photo, tmp_path):
    session, nodes = chain
    tree = session.tree
    masks = [tree.mask(node.id) for node in nodes]
    photo = load_image(big_photo)
    working = np.asarray(resize_to_working_size(photo, BUDGET))
    last = np.asarray(tree.image(nodes[-1].id))
    keep = outside_all(masks, (64, 48))
    assert keep.mean() > 0.4 and np.array_equal(last[keep], working[keep])
    for mask, node in zip(masks, nodes):  # every edit changed its own region
        inside = mask_array(mask) == 1
        assert not np.array_equal(last[inside], working[inside])

    exported = export_node(tree, nodes[-1].id, tmp_path / "out.png", original_size=True)
    full = np.asarray(Image.open(exported).convert("RGB"))
    original = np.asarray(photo)
    keep_full = outside_all(masks, photo.size)
    assert full.shape == original.shape and np.array_equal(full[keep_full], original[keep_full])
    assert not np.array_equal(full, np.asarray(tree.image(nodes[-1].id).resize(photo.size, Image.LANCZOS)))


def test_an_unmasked_edit_in_the_chain_is_the_whole_image_at_original_size(engine, big_photo):
    session = EditSession()
    root = session.open_photo(big_photo, "a photo", max_pixels=BUDGET)
    (whole,) = session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS)
    (local,) = session.edit(engine, whole.id, ["a photo of a red car"], method="sdedit", mask=box_mask(BOXES[0]),
                            **OPTIONS)
    tree = session.tree
    upscaled = tree.image(whole.id).resize((128, 96), Image.LANCZOS)
    assert same_pixels(tree.full_size_image(whole.id), upscaled)
    keep = scaled_mask(tree.mask(local.id), (128, 96)) == 0
    assert np.array_equal(np.asarray(tree.full_size_image(local.id))[keep], np.asarray(upscaled)[keep])


def test_masks_survive_save_load_autosave_and_undo_redo(chain, tmp_path):
    session, nodes = chain
    tree = session.tree
    full_before = tree.full_size_image(nodes[-1].id)
    loaded = load_project(session.save(tmp_path / "s.sfproj"))
    restored = restore_autosave(session.autosave.folder)
    for other in (loaded, restored):
        assert other.nodes() == tree.nodes()
        for node in nodes:
            assert other.node(node.id).masked and same_pixels(other.mask(node.id), tree.mask(node.id))
        assert same_pixels(other.original(), tree.original())
        assert same_pixels(other.full_size_image(nodes[-1].id), full_before)
    session.history.undo()
    assert tree.current_id == nodes[1].id
    session.history.redo()
    assert tree.current_id == nodes[2].id and same_pixels(tree.mask(nodes[2].id), box_mask(BOXES[2]))


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
def test_the_exported_recipe_round_trips_every_mask_of_the_chain(chain, tmp_path, suffix):
    session, nodes = chain
    recipe = read_export_recipe(export_node(session.tree, nodes[-1].id, tmp_path / f"out{suffix}"))
    assert same_pixels(mask_from_text(recipe["mask"], (64, 48)), session.tree.mask(nodes[-1].id))
    for entry, node in zip(recipe["chain"], nodes):
        assert same_pixels(mask_from_text(entry["mask"]), session.tree.mask(node.id))
    assert "mask" not in recipe["original"]


def test_a_mask_of_another_size_is_refused(engine, big_photo):
    session = EditSession()
    root = session.open_photo(big_photo, "a photo", max_pixels=BUDGET)
    with pytest.raises(ParameterError, match="the mask is 128x96 but the image is 64x48"):
        session.build_request(root.id, ["a cat"], mask=Image.new("L", (128, 96), 255))


def _rewrite(path, target, change):
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as out:
        for name in source.namelist():
            out.writestr(name, change(name, source.read(name)))


def test_a_damaged_mask_or_original_in_a_project_gives_one_clear_line(chain, tmp_path):
    session, nodes = chain
    path = session.save(tmp_path / "s.sfproj")
    rgb_mask = tmp_path / "rgb.sfproj"
    _rewrite(path, rgb_mask, lambda name, data: _png(Image.new("RGB", (64, 48))) if name.startswith("masks/")
             else data)
    small_mask = tmp_path / "small.sfproj"
    _rewrite(path, small_mask, lambda name, data: _png(Image.new("L", (8, 8))) if name.startswith("masks/")
             else data)
    odd_flag = tmp_path / "flag.sfproj"
    _rewrite(path, odd_flag, lambda name, data: _manifest(data, original="yes") if name == "manifest.json" else data)
    for bad, message in [(rgb_mask, "not an 8-bit grayscale"), (small_mask, "not the size of the image"),
                         (odd_flag, "'original' entry is not true or false")]:
        with pytest.raises(ProjectFileError, match=message) as error:
            load_project(bad)
        assert "\n" not in str(error.value)


def _png(image):
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _manifest(data, **changes):
    manifest = json.loads(data)
    manifest.update(changes)
    return json.dumps(manifest).encode()


def test_masks_too_large_for_a_jpeg_are_replaced_by_a_note_and_kept_in_webp(tmp_path):
    from core.session.export import MASKS_OMITTED
    from core.session.node import EditNode
    from core.session.tree import EditTree

    tree = EditTree()
    tree.reset(EditNode("root", None, "photo", "a photo"), gradient_photo(512, 512))
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (512, 512), dtype=np.uint8), "L")
    tree.insert(EditNode("edit", "root", "edit", "a cat", source_prompt="a photo", masked=True),
                gradient_photo(512, 512, seed=1), None, noise)
    jpeg = read_export_recipe(export_node(tree, "edit", tmp_path / "big.jpg"))
    assert jpeg["mask"] == MASKS_OMITTED and jpeg["chain"][0]["mask"] == MASKS_OMITTED
    assert jpeg["prompt"] == "a cat"
    webp = read_export_recipe(export_node(tree, "edit", tmp_path / "big.webp"))
    assert same_pixels(mask_from_text(webp["mask"]), noise)


def test_a_mask_painted_for_the_next_edit_survives_save_open_and_a_crash(chain, tmp_path):
    """A draft (painted, not yet used) is part of the session: the project and the autosave keep
    the latest one, a changed draft replaces its file, and a dropped draft leaves none behind."""
    session, nodes = chain
    tree = session.tree
    first, second = box_mask((0, 0, 9, 9)), box_mask((20, 20, 40, 40))
    tree.set_draft(nodes[-1].id, first)
    tree.set_draft(nodes[-1].id, second)
    tree.set_draft(nodes[0].id, Image.new("L", (64, 48), 0))  # cleared on purpose: not the edit's mask
    loaded = load_project(session.save(tmp_path / "s.sfproj"))
    restored = restore_autosave(session.autosave.folder)
    for other in (loaded, restored):
        assert same_pixels(other.draft(nodes[-1].id), second)
        assert np.asarray(other.draft(nodes[0].id)).max() == 0 and other.draft(nodes[1].id) is None
    assert len(list((session.autosave.folder / "drafts").iterdir())) == 2  # the first draft's file is gone
    tree.set_draft(nodes[0].id, None)
    assert restore_autosave(session.autosave.folder).draft(nodes[0].id) is None
    assert len(list((session.autosave.folder / "drafts").iterdir())) == 1


def test_a_draft_of_the_wrong_size_is_refused(chain):
    session, nodes = chain
    with pytest.raises(ValueError, match="size of its result"):
        session.tree.set_draft(nodes[0].id, Image.new("L", (8, 8), 255))


def test_hostile_drafts_in_a_project_give_one_clear_line_and_are_never_paths(chain, tmp_path):
    session, nodes = chain
    session.tree.set_draft(nodes[-1].id, box_mask((0, 0, 9, 9)))
    path = session.save(tmp_path / "s.sfproj")
    digest = session.tree.drafts()[nodes[-1].id]

    def with_manifest(name, **changes):
        target = tmp_path / name
        _rewrite(path, target, lambda entry, data: _manifest(data, **changes) if entry == "manifest.json" else data)
        return target

    def with_draft(name, image):
        target = tmp_path / name
        _rewrite(path, target, lambda entry, data: _png(image) if entry.startswith("drafts/") else data)
        return target

    cases = [
        (with_manifest("stranger.sfproj", drafts={"not-a-result": digest}), "for a result it does not list"),
        (with_manifest("path.sfproj", drafts={nodes[-1].id: "../../etc/passwd"}), "name of a painted mask"),
        (with_manifest("list.sfproj", drafts=[digest]), "not a mapping"),
        (with_manifest("missing.sfproj", drafts={nodes[-1].id: "0" * 16}), "has no drafts/"),
        (with_draft("rgb.sfproj", Image.new("RGB", (64, 48))), "painted mask of result 4 is not an 8-bit grayscale"),
        (with_draft("small.sfproj", Image.new("L", (8, 8))), "not the size of its result"),
    ]
    for bad, message in cases:
        with pytest.raises(ProjectFileError, match=message) as error:
            load_project(bad)
        assert "\n" not in str(error.value)
