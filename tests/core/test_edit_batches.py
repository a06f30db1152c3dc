"""The results of one edit job are told apart from another job's, however fast the machine."""

from __future__ import annotations

from core.session.project_file import load_project, save_project
from core.session.session_editing import EditSession
from tests.core.session_helpers import engine, photo_file  # noqa: F401 (fixtures)

SETTINGS = {"params": {"steps": 2}, "max_sequence_length": 16}


def test_one_job_shares_a_batch_id_another_job_gets_its_own_and_a_project_keeps_them(engine, photo_file, tmp_path):
    session = EditSession()
    root = session.open_photo(photo_file, "a photo")
    cat, dog = session.edit(engine, root.id, ["a photo of a cat", "a photo of a dog"], **SETTINGS)
    (again,) = session.edit(engine, root.id, ["a photo of a cat"], **SETTINGS)  # the same recipe, a new job
    assert cat.batch_id is not None and cat.batch_id == dog.batch_id != again.batch_id

    reopened = load_project(save_project(session.tree, tmp_path / "batches.sfproj"))
    assert [reopened.node(node.id).batch_id for node in (cat, dog, again)] == [cat.batch_id, cat.batch_id,
                                                                              again.batch_id]
