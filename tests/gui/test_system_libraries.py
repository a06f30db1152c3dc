"""A fresh Linux without Qt's X11 libraries gets one line with the apt command, not Qt's abort."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gui.system_libraries import XCB_LIBRARIES, qt_problem, xcb_problem

ROOT = Path(__file__).resolve().parents[2]

# A fresh Debian without GLib: the lookup misses it and importing PySide6 fails, as it would there.
WITHOUT_GLIB = """
import ctypes.util, sys
sys.platform = "linux"
ctypes.util.find_library = lambda name: None if name == "glib-2.0" else "lib" + name + ".so"
sys.modules["PySide6"] = None
import main
sys.exit(main.main(sys.argv[1:]))
"""

X11 = {"DISPLAY": ":0"}


def finder(missing: set[str]):
    """A library lookup that finds everything except ``missing``."""
    return lambda name: None if name in missing else f"lib{name}.so"


def test_missing_xcb_libraries_name_the_apt_command(monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    line = xcb_problem(X11, finder({"xcb-cursor", "xcb-icccm"}))
    assert line is not None and "\n" not in line
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4" in line


def test_nothing_is_said_when_all_is_there_or_xcb_is_not_used(monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    assert xcb_problem(X11, finder(set())) is None
    everything_missing = finder(set(XCB_LIBRARIES))
    assert xcb_problem({"QT_QPA_PLATFORM": "offscreen", **X11}, everything_missing) is None
    assert xcb_problem({"WAYLAND_DISPLAY": "wayland-0", **X11}, everything_missing) is None
    assert xcb_problem({}, everything_missing) is None  # no display at all
    assert xcb_problem({"QT_QPA_PLATFORM": "xcb"}, everything_missing) is not None
    assert xcb_problem(X11, finder({"c", *XCB_LIBRARIES})) is None  # no way to look libraries up here


def test_missing_glib_is_one_line_before_pyside6_is_imported():
    for argv in ([], ["--self-test"]):
        result = subprocess.run([sys.executable, "-c", WITHOUT_GLIB, *argv], cwd=ROOT, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 1 and result.stdout == ""
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
        assert "'sudo apt install libglib2.0-0'" in result.stderr


def test_qt_problem_names_xcb_libraries_only_for_x11_and_nothing_off_linux(monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    missing = finder({"glib-2.0", "xcb-cursor"})
    assert "'sudo apt install libglib2.0-0 libxcb-cursor0'" in qt_problem(X11, missing)
    assert "'sudo apt install libglib2.0-0'" in qt_problem({"QT_QPA_PLATFORM": "offscreen", **X11}, missing)
    monkeypatch.setattr("sys.platform", "win32")
    assert qt_problem(X11, missing) is None
