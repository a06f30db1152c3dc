"""The edit tree and its undo history: no sequence of undo, redo, branch or delete loses a result."""

import random

import numpy as np
import pytest
from PIL import Image

from core.api.errors import ParameterError
from core.session.history import SessionHistory
from core.session.node import new_node_id
from core.session.operations import AddNodes, DeleteBranch, SetCurrent
from core.session.tree import EditNode, EditTree


def _image(value: int) -> Image.Image:
    return Image.new("RGB", (16, 16), (value % 256, 7, 9))


def _tree() -> tuple[EditTree, SessionHistory]:
    tree = EditTree()
    tree.reset(EditNode(new_node_id(), None, "photo", "a photo of a dog", original_size=(40, 30)), _image(0))
    return tree, SessionHistory(tree)


def _edit(parent_id: str, *prompts: str) -> AddNodes:
    nodes = [EditNode(new_node_id(), parent_id, "edit", p, source_prompt="src", method="stable-flow",
                      params={"steps": 4}, seed=42) for p in prompts]
    return AddNodes(nodes, [_image(len(p)) for p in prompts], [None] * len(prompts))


def test_undo_of_an_edit_moves_back_and_keeps_the_results_as_a_branch():
    tree, history = _tree()
    root = tree.root_id
    history.push(_edit(root, "a cat", "a fox"))
    cat, fox = tree.children(root)
    assert tree.current_id == cat.id and history.undo_text == "Edit: a cat"
    history.undo()
    assert tree.current_id == root
    assert [n.id for n in tree.children(root)] == [cat.id, fox.id]  # still there, reachable
    history.redo()
    assert tree.current_id == cat.id and not history.can_redo
    history.undo()
    history.push(_edit(root, "a bird"))  # a new edit after undo: the old results stay as a branch
    assert [n.prompt for n in tree.children(root)] == ["a cat", "a fox", "a bird"]
    assert not history.can_redo
    history.push(SetCurrent(fox.id))
    assert tree.current_id == fox.id
    history.undo()
    assert tree.node(tree.current_id).prompt == "a bird"


def test_delete_branch_hides_the_subtree_and_undo_brings_back_exactly_it():
    tree, history = _tree()
    root = tree.root_id
    history.push(_edit(root, "a cat", "a fox"))
    cat, fox = tree.children(root)
    history.push(_edit(cat.id, "a cat in snow"))
    snow = tree.children(cat.id)[0]
    history.push(DeleteBranch(fox.id))  # deleted before: must stay deleted after undoing the next delete
    before = [n.id for n in tree.nodes()]
    history.push(DeleteBranch(cat.id))
    assert [n.id for n in tree.nodes()] == [root]
    assert tree.current_id == root  # the current node was inside the branch
    with pytest.raises(ParameterError, match="deleted"):
        history.push(SetCurrent(snow.id))
    assert history.undo_text.startswith("Delete branch: a cat")  # the failed push was not recorded
    history.undo()
    assert [n.id for n in tree.nodes()] == before and tree.current_id == snow.id
    assert tree.path_to(snow.id) == [tree.node(root), cat, snow]
    with pytest.raises(ParameterError, match="cannot be deleted"):
        history.push(DeleteBranch(root))


def test_a_result_finished_after_its_parent_was_deleted_brings_the_parent_back():
    tree, history = _tree()
    history.push(_edit(tree.root_id, "a cat"))
    cat = tree.current_id
    history.push(_edit(cat, "a cat in snow"))
    snow = tree.current_id
    late = _edit(snow, "a cat in snow at night")  # built when the edit of "snow" started
    history.push(DeleteBranch(cat))  # ... and the branch was deleted while it ran
    history.push(late)
    assert [n.prompt for n in tree.path_to(tree.current_id)] == ["a photo of a dog", "a cat", "a cat in snow",
                                                                  "a cat in snow at night"]
    assert all(tree.is_live(n.id) for n in tree.path_to(tree.current_id))
    while history.can_undo:
        history.undo()
    assert {n.prompt for n in tree.nodes()} == {"a photo of a dog", "a cat", "a cat in snow", "a cat in snow at night"}


def test_listeners_hear_every_change():
    tree, history = _tree()
    events = []
    tree.add_listener(lambda event, node_id: events.append((event, node_id)))
    op = _edit(tree.root_id, "a cat")
    history.push(op)
    cat = op.nodes[0].id
    history.push(DeleteBranch(cat))
    history.undo()
    assert events == [("added", cat), ("current", cat), ("removed", cat), ("current", tree.root_id),
                      ("added", cat), ("current", cat)]


def test_random_sequences_of_edits_undo_redo_moves_and_deletes_keep_every_result():
    tree, history = _tree()
    rng = random.Random(5)
    created = {tree.root_id: np.asarray(tree.image(tree.root_id)).copy()}
    pushed = 0
    for step in range(300):
        live = [n.id for n in tree.nodes()]
        choice = rng.random()
        if choice < 0.3:
            op = _edit(rng.choice(live), f"edit {step}", f"variant {step}")
            for node, image in zip(op.nodes, op.images):
                created[node.id] = np.asarray(image).copy()
        elif choice < 0.45:
            op = SetCurrent(rng.choice(live))
        elif choice < 0.6 and len(live) > 1:
            op = DeleteBranch(rng.choice(live[1:]))
        elif choice < 0.85:
            history.undo()
            continue
        else:
            history.redo()
            continue
        history.push(op)
        pushed += 1
        assert tree.current_id is not None and tree.is_live(tree.current_id)
    assert pushed > 50
    while history.can_undo:
        history.undo()
    assert tree.current_id == tree.root_id
    assert {n.id for n in tree.nodes()} == set(created)  # nothing ever made is lost
    for node_id, pixels in created.items():
        assert np.array_equal(np.asarray(tree.image(node_id)), pixels)


def test_bad_ids_and_operations_are_refused_clearly():
    tree, history = _tree()
    with pytest.raises(ParameterError, match="no result with id nope"):
        tree.node("nope")
    with pytest.raises(ValueError):
        AddNodes([], [], [])
    assert not history.can_undo and not history.can_redo
    history.undo()  # nothing to undo: no-op, like a QUndoStack
    assert tree.current_id == tree.root_id
