"""Qt needs system libraries a plain Debian/Ubuntu may lack.

Without GLib and a few others PySide6 cannot even be imported (an ImportError naming
libglib-2.0.so.0); without the X11 (xcb) ones Qt aborts with "Could not load the Qt platform
plugin xcb" and a page of hints. ``qt_problem`` runs before PySide6 is imported (this module
never imports it, nor torch) and names the one apt command that installs what is missing.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from typing import Callable, Optional

# Library name (as ctypes.util.find_library takes it) -> the Debian/Ubuntu package holding it.
# Those QtCore, QtGui and QtWidgets load when imported, whatever the platform plugin. The
# package name libglib2.0-0 works on Debian 12 and 13 alike (13's libglib2.0-0t64 provides it).
QT_IMPORT_LIBRARIES = {
    "glib-2.0": "libglib2.0-0",
    "xkbcommon": "libxkbcommon0",
    "EGL": "libegl1",
    "fontconfig": "libfontconfig1",
    "dbus-1": "libdbus-1-3",
}

# Those of Qt's X11 window (the xcb platform plugin).
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-image": "libxcb-image0",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-randr": "libxcb-randr0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xkb": "libxcb-xkb1",
    "X11-xcb": "libx11-xcb1",
    "EGL": "libegl1",
    "GL": "libgl1",
    "fontconfig": "libfontconfig1",
    "dbus-1": "libdbus-1-3",
}


def uses_xcb(environ: Optional[dict] = None) -> bool:
    """Whether Qt will pick its xcb platform: Linux, a display, no other platform asked for."""
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0] == "xcb"
    return sys.platform.startswith("linux") and bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def missing_packages(find: Callable[[str], Optional[str]] = ctypes.util.find_library,
                     libraries: Optional[dict] = None) -> list[str]:
    """The packages of the libraries (default: the xcb ones) this system lacks (sorted)."""
    libraries = XCB_LIBRARIES if libraries is None else libraries
    return sorted({package for library, package in libraries.items() if not find(library)})


def qt_problem(environ: Optional[dict] = None,
               find: Optional[Callable[[str], Optional[str]]] = None) -> Optional[str]:
    """One line naming the apt command for the libraries Qt lacks here, or None when all is there.

    Call it before anything imports PySide6: it checks the libraries PySide6 needs to be
    imported at all and, when Qt will use X11, those of its window. Off Linux it says nothing.
    """
    find = find or ctypes.util.find_library  # looked up now, so a test can replace it
    if not sys.platform.startswith("linux") or not find("c"):  # no library lookup here: let Qt try
        return None
    missing = set(missing_packages(find, QT_IMPORT_LIBRARIES))
    if uses_xcb(environ):
        missing.update(missing_packages(find))
    if not missing:
        return None
    return ("The editor needs system libraries for Qt, and some are missing: install them with "
            f"'sudo apt install {' '.join(sorted(missing))}', then start it again.")


def xcb_problem(environ: Optional[dict] = None,
                find: Callable[[str], Optional[str]] = ctypes.util.find_library) -> Optional[str]:
    """One line naming the apt command for the missing libraries, or None when all is there."""
    if not uses_xcb(environ) or not find("c"):  # no library lookup on this system: let Qt try
        return None
    missing = missing_packages(find)
    if not missing:
        return None
    return ("The editor's window needs Qt's X11 libraries, and some are missing: install them with "
            f"'sudo apt install {' '.join(missing)}', then start it again.")
