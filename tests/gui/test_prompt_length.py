"""A prompt longer than the text encoders read is flagged in the panel before the edit runs."""

from __future__ import annotations

from tests.gui.helpers import ENGINE_TIMEOUT_MS


def test_a_long_prompt_is_flagged_with_the_models_token_counts(qtbot, window):
    panel = window.edit_panel
    qtbot.waitUntil(lambda: panel.token_counter is not None, timeout=ENGINE_TIMEOUT_MS)  # the model loaded
    panel.max_sequence_length.setValue(512)
    panel.edit_prompts.setPlainText("a photo of a street in snow")
    assert not panel.prompt_warning.isVisible()

    long_prompt = "a photo of a street with " + " and ".join(f"house number {n}" for n in range(40))
    panel.edit_prompts.setPlainText(f"a photo of a street at night\n{long_prompt}")
    warning = panel.prompt_warning.text()
    assert panel.prompt_warning.isVisible() and "CLIP reads 77 of its" in warning and "\n" not in warning

    panel.edit_prompts.setPlainText("a photo of a street at night " * 4)  # 30 CLIP tokens, 29 T5 tokens
    panel.max_sequence_length.setValue(16)  # T5 reads fewer tokens than this prompt has
    assert "T5 reads 16 of its" in panel.prompt_warning.text()
    panel.max_sequence_length.setValue(512)
    assert not panel.prompt_warning.isVisible(), panel.prompt_warning.text()
