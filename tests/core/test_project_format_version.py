"""A project saved by a newer version of the app is refused with one line, not half read."""

import pytest

from core.session.project_file import ProjectFileError, load_project
from core.session.session_editing import EditSession
from core.session.session_format import FORMAT_VERSION
from tests.core.session_helpers import photo_file, rewrite_manifest  # noqa: F401 (fixture)


def test_a_newer_project_format_is_refused(photo_file, tmp_path):
    session = EditSession()
    session.open_photo(photo_file, "a photo")
    saved = session.save(tmp_path / "s.sfproj")
    newer = tmp_path / "newer.sfproj"
    rewrite_manifest(saved, newer, lambda manifest: manifest.update(version=FORMAT_VERSION + 1))
    assert load_project(saved).nodes()  # the unchanged file opens
    with pytest.raises(ProjectFileError, match="saved by a newer version of Stable Flow Studio") as error:
        load_project(newer)
    assert "\n" not in str(error.value)
