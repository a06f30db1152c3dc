"""``python main.py --startup-time``: seconds from process start to a painted editor window.

Prints ``<seconds> torch=<True|False>``: whether torch had been imported when the window showed.

The same calls as a normal start up to the first exposed, painted window, then it prints
the time and exits. Running it on the source version and on the frozen app measures both
the same way (benchmarks/bench_startup.py).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import psutil

from gui.self_test import hide_offscreen_notes


def run_startup_probe() -> int:
    """Print seconds from process start to the first painted window; 0 on success."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    hide_offscreen_notes()
    with tempfile.TemporaryDirectory(prefix="stable-flow-startup-") as home:
        os.environ.setdefault("STABLE_FLOW_STUDIO_HOME", home)
        from gui.app import create_application, create_window

        app = create_application()
        window = create_window(offer_model_setup=False)
        window.show()
        while not (window.windowHandle() and window.windowHandle().isExposed()):
            app.processEvents()
        app.processEvents()
        window.grab()
        seconds = time.time() - psutil.Process().create_time()
        torch_loaded = "torch" in sys.modules
        print(f"{seconds:.3f} torch={torch_loaded}")
        window.close()
    return 0
