"""Qt's X11 (xcb) platform needs system libraries a plain Debian/Ubuntu may lack.

Without them Qt aborts with "Could not load the Qt platform plugin xcb" and a page of
hints. This check runs before the QApplication exists and names the one apt command that
installs what is missing.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from typing import Callable, Optional

# Library name (as ctypes.util.find_library takes it) -> the Debian/Ubuntu package holding it.
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


def missing_packages(find: Callable[[str], Optional[str]] = ctypes.util.find_library) -> list[str]:
    """The packages of the xcb libraries this system lacks (sorted)."""
    return sorted({package for library, package in XCB_LIBRARIES.items() if not find(library)})


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
