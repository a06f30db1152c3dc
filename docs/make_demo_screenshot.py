"""Write docs/screenshot.png: the real editor, offscreen, after a chain of demo-model edits.

Opens a sample photo of the demo world, edits one colour, edits that result again, and grabs
the window (history panel with the chain, canvas with the before/after split). Runs in a
throw-away app home (gui.self_test.run_in_throwaway_window), so the user's settings and caches are untouched. Needs the demo weights
in resources/demo-model/.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python docs/make_demo_screenshot.py [OUTPUT.png]
"""

from __future__ import annotations

import sys
from pathlib import Path

from core.model.demo_weights import DEMO_MODEL_ID
from core.storage.resources import resource_path
from gui.self_test import fill_edit_panel, run_edit, run_in_throwaway_window
from gui.settings import AppSettings

SAMPLE = "purple-triangle-orange-circle.png"
CHAIN = (
    "a small purple triangle on the left and a big orange circle on the right on a blue background",
    "a small white triangle on the left and a big orange circle on the right on a blue background",
    "a small white triangle on the left and a big red circle on the right on a blue background",
)
STEPS = 20
TEXT_TOKENS = 32


async def make_chain(window, output: Path) -> str:
    """Open the sample, edit it twice (each edit starting from the one before), grab the window."""
    from PySide6.QtWidgets import QApplication

    from gui.app import open_file

    await window.controller.ready()
    if not await open_file(window, resource_path("samples") / SAMPLE):
        raise SystemExit(f"could not open the sample {SAMPLE}")
    for source_prompt, edit_prompt in zip(CHAIN, CHAIN[1:]):
        fill_edit_panel(window, source_prompt, edit_prompt, STEPS, size=64, text_tokens=TEXT_TOKENS)
        await run_edit(window)
    QApplication.processEvents()
    window.grab().save(str(output))
    return f"wrote {output}"


def main() -> int:
    output = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png").resolve()
    settings = AppSettings(model=DEMO_MODEL_ID, device="cpu")
    print(run_in_throwaway_window(settings, lambda window, _home: make_chain(window, output), 600, size=(1280, 800)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
