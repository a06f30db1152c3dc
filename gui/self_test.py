"""``python main.py --self-test``: the real window and worker, one generated and one photo edit.

Runs offscreen on the demo model in a throw-away app home (the user's settings, history and
caches are untouched), checks that both results reached the history panel and that the photo
edit changed the colour it was asked to, exits 0 on success and 1 with one line saying what
failed.
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
from gui.settings import AppSettings

SIZE = 64
STEPS = 4
TEXT_TOKENS = 16
# The self-test's edits, on the demo model at the steps and prompt length it was measured with.
DEMO_STEPS = 20
GENERATED_EDIT = ("a big red circle on the left on a yellow background",
                  "a big blue circle on the left on a yellow background")
SAMPLE = "purple-triangle-orange-circle"  # core.demo_world.samples; its small triangle turns white
SAMPLE_EDIT_COLOUR = "white"
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


def _demo_fill(window, source_prompt: str, edit_prompt: str) -> None:
    from core.model.demo_weights import DEMO_IMAGE_SIZE, DEMO_TEXT_TOKENS

    fill_edit_panel(window, source_prompt, edit_prompt, DEMO_STEPS, DEMO_IMAGE_SIZE, DEMO_TEXT_TOKENS)


def _sample_edit() -> tuple[Path, str, str, object]:
    """(photo path, its caption, the caption with the first object's colour changed, that object as edited)."""
    from core.demo_world.captions import caption
    from core.demo_world.samples import SAMPLE_SCENES
    from core.storage.resources import resource_path

    scene = SAMPLE_SCENES[SAMPLE]
    edited = scene.with_object(0, colour=SAMPLE_EDIT_COLOUR)
    return resource_path("samples") / f"{SAMPLE}.png", caption(scene), caption(edited), edited.objects[0]


def _colour_of(image: Image.Image, item) -> str:
    from core.demo_world.metrics import colour_in, pixels
    from core.demo_world.render import interior_mask

    return colour_in(pixels(image), interior_mask(item))


async def check_editor(window, _home: Path) -> str:
    """The two edits and their checks; returns a one-line summary."""
    started = time.monotonic()
    await window.controller.ready()
    history = window.history_panel

    _demo_fill(window, *GENERATED_EDIT)
    generated = await run_edit(window)
    shown = history.node_ids()
    _require(len(generated) == 1 and generated[0] in shown, "the generated edit is not in the history panel")
    _require(len(shown) == 2, f"expected the generated image and its edit in the history, found {len(shown)} rows")

    photo, source_prompt, edit_prompt, edited_object = _sample_edit()
    window.controller.mark_saved()  # the generated session is not kept: no "save first?" question
    from gui.app import open_file

    _require(await open_file(window, photo), f"the sample photo {photo.name} could not be opened")
    _demo_fill(window, source_prompt, edit_prompt)
    edited = await run_edit(window)
    shown = history.node_ids()
    _require(len(edited) == 1 and edited[0] in shown, "the photo edit is not in the history panel")
    tree = window.controller.tree
    _require(tree.current_id == edited[0], "the photo edit did not become the current image")
    result = tree.image(edited[0])
    _require(result.size == (SIZE, SIZE), "the photo edit has the wrong size")
    colour = _colour_of(result, edited_object)
    _require(colour == SAMPLE_EDIT_COLOUR, f"the photo edit drew the {edited_object.shape} {colour}, not {SAMPLE_EDIT_COLOUR}")
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
        from core.model.demo_weights import DEMO_MODEL_ID

        print(run_in_throwaway_window(AppSettings(model=DEMO_MODEL_ID, device="cpu"), check_editor, TIMEOUT_S))
        return 0
    except SelfTestFailure as failure:
        print(f"self-test FAILED: {failure}", file=sys.stderr)
    except asyncio.TimeoutError:
        print(f"self-test FAILED: no result within {TIMEOUT_S} s", file=sys.stderr)
    return 1
