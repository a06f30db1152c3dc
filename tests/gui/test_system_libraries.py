"""A fresh Linux without Qt's X11 libraries gets one line with the apt command, not Qt's abort."""

from __future__ import annotations

from gui.system_libraries import XCB_LIBRARIES, xcb_problem

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
