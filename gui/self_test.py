"""``python main.py --self-test``: the real window and worker, one generated and one photo edit.

Runs offscreen on the tiny model in a throw-away app home (the user's settings, history and
caches are untouched), checks that both results reached the history panel, exits 0 on
success and 1 with one line saying what failed.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Awaitable, Callable, Optional, TypeVar

from PIL import Image
from PySide6.QtCore import qInstallMessageHandler

from core.storage.paths import HOME_ENV
from gui.settings import TINY_MODEL, AppSettings

SIZE = 64
STEPS = 4
TEXT_TOKENS = 16
TIMEOUT_S = 300
T = TypeVar("T")
# What the offscreen platform says about window-manager features it does not have.
OFFSCREEN_NOTES = ("propagateSizeHints",)


def hide_offscreen_notes() -> None:
    """Keep Qt's messages on stderr, except the offscreen platform's notes about itself."""

    def handler(_kind, _context, message: str) -> None:
        if not any(note in message for note in OFFSCREEN_NOTES):
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


class SelfTestFailure(Exception):
    """A check of the self-test failed; the message says which."""


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise SelfTestFailure(what)


def sample_photo(size: int = SIZE) -> Image.Image:
    """A small synthetic photo: colour gradients, no randomness."""
    ramp = Image.linear_gradient("L").resize((size, size))
    return Image.merge("RGB", (ramp, ramp.rotate(90), Image.new("L", (size, size), 96)))


def fill_edit_panel(window, source_prompt: str, edit_prompt: str, steps: Optional[int] = STEPS,
                    size: int = SIZE, text_tokens: int = TEXT_TOKENS) -> None:
    """Type the prompts and the small, fast settings the checks use (``steps`` when the field
    is editable; None leaves it as it is)."""
    panel = window.edit_panel
    panel.source_prompt.setText(source_prompt)
    panel.edit_prompts.setPlainText(edit_prompt)
    panel.width_box.setValue(size)
    panel.height_box.setValue(size)
    panel.max_sequence_length.setValue(text_tokens)
    field = panel.main_params.widgets.get("steps")
    if steps is not None and field is not None and field.isEnabled():
        field.setValue(steps)


async def run_edit(window) -> list[str]:
    """Press Edit and wait for the new node ids (raises SelfTestFailure when the edit fails)."""
    controller = window.controller
    outcome = asyncio.get_running_loop().create_future()

    def finished(ids: list) -> None:
        if not outcome.done():
            outcome.set_result(ids)

    def failed(message: str) -> None:
        if not outcome.done():
            outcome.set_exception(SelfTestFailure(f"the edit failed: {message}"))

    controller.edit_finished.connect(finished)
    controller.edit_failed.connect(failed)
    try:
        window.run_edit()
        _require(controller.busy, f"the edit did not start: {window.edit_panel.error_text()}")
        return await outcome
    finally:
        controller.edit_finished.disconnect(finished)
        controller.edit_failed.disconnect(failed)


async def check_editor(window, folder: Path) -> str:
    """The two edits and their checks; returns a one-line summary."""
    started = time.monotonic()
    await window.controller.ready()
    history = window.history_panel

    fill_edit_panel(window, "a photo of a dog on a street", "a photo of a cat on a street")
    generated = await run_edit(window)
    shown = history.node_ids()
    _require(len(generated) == 1 and generated[0] in shown, "the generated edit is not in the history panel")
    _require(len(shown) == 2, f"expected the generated image and its edit in the history, found {len(shown)} rows")

    photo = folder / "photo.png"
    sample_photo().save(photo)
    window.controller.mark_saved()  # the generated session is not kept: no "save first?" question
    from gui.app import open_file

    _require(await open_file(window, photo), "the test photo could not be opened")
    fill_edit_panel(window, "a photo of a street", "a photo of a street in snow")
    edited = await run_edit(window)
    shown = history.node_ids()
    _require(len(edited) == 1 and edited[0] in shown, "the photo edit is not in the history panel")
    tree = window.controller.tree
    _require(tree.current_id == edited[0], "the photo edit did not become the current image")
    _require(tree.image(edited[0]).size == (SIZE, SIZE), "the photo edit has the wrong size")
    return f"self-test passed: a generated edit and a photo edit in {time.monotonic() - started:.1f} s"


def run_in_throwaway_window(settings: AppSettings, work: Callable[[object, Path], Awaitable[T]], timeout_s: float,
                            size: Optional[tuple[int, int]] = None) -> T:
    """``await work(window, home)`` in the real window, offscreen, in a throw-away app home (the
    user's settings, history and caches are untouched); returns its result. The window closes
    afterwards with nothing to ask. Raises what ``work`` raises, or asyncio.TimeoutError."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    hide_offscreen_notes()
    with tempfile.TemporaryDirectory(prefix="stable-flow-self-test-") as home:
        os.environ[HOME_ENV] = home
        from gui.app import create_application, create_window, install_event_loop

        app = create_application()
        window = create_window(settings, offer_model_setup=False)
        if size is not None:
            window.resize(*size)
        window.show()
        window.controller.start()
        with install_event_loop(app) as loop:
            try:
                return loop.run_until_complete(asyncio.wait_for(work(window, Path(home)), timeout_s))
            finally:
                window.controller.mark_saved()  # nothing to ask about on close
                window.close()


def run_self_test() -> int:
    """Run the self-test; 0 when it passed."""
    try:
        print(run_in_throwaway_window(AppSettings(model=TINY_MODEL, device="cpu"), check_editor, TIMEOUT_S))
        return 0
    except SelfTestFailure as failure:
        print(f"self-test FAILED: {failure}", file=sys.stderr)
    except asyncio.TimeoutError:
        print(f"self-test FAILED: no result within {TIMEOUT_S} s", file=sys.stderr)
    return 1
