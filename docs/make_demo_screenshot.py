"""Write docs/screenshot.png: the real editor, offscreen, after a chain of demo-model edits.

Opens a sample photo of the demo world, edits one colour, edits that result again, and grabs
the window (history panel with the chain, canvas with the before/after split). Runs in a
throw-away app home, so the user's settings and caches are untouched. Needs the demo weights
in resources/demo-model/.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python docs/make_demo_screenshot.py [OUTPUT.png]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from core.model.demo_weights import DEMO_MODEL_ID
from core.storage.paths import HOME_ENV
from core.storage.resources import resource_path
from gui.self_test import fill_edit_panel, hide_offscreen_notes, run_edit
from gui.settings import AppSettings

SAMPLE = "red-circle-blue-square.png"
CHAIN = (
    "a big red circle on the left and a small blue square on the right on a yellow background",
    "a big green circle on the left and a small blue square on the right on a yellow background",
    "a big green circle on the left and a small white square on the right on a yellow background",
)
STEPS = 20
TEXT_TOKENS = 32


async def make_chain(window) -> None:
    """Open the sample and edit it twice, each edit starting from the one before."""
    from gui.app import open_file

    await window.controller.ready()
    if not await open_file(window, resource_path("samples") / SAMPLE):
        raise SystemExit(f"could not open the sample {SAMPLE}")
    for source_prompt, edit_prompt in zip(CHAIN, CHAIN[1:]):
        fill_edit_panel(window, source_prompt, edit_prompt, STEPS, size=64, text_tokens=TEXT_TOKENS)
        await run_edit(window)


def main() -> int:
    output = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    hide_offscreen_notes()
    with tempfile.TemporaryDirectory(prefix="stable-flow-screenshot-") as home:
        os.environ[HOME_ENV] = home
        from gui.app import create_application, create_window, install_event_loop

        app = create_application()
        window = create_window(AppSettings(model=DEMO_MODEL_ID, device="cpu"), offer_model_setup=False)
        window.resize(1280, 800)
        window.show()
        window.controller.start()
        with install_event_loop(app) as loop:
            try:
                loop.run_until_complete(asyncio.wait_for(make_chain(window), 600))
                app.processEvents()
                window.grab().save(str(output))
                print(f"wrote {output}")
            finally:
                window.controller.mark_saved()
                window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
