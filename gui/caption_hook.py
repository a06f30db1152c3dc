"""Writes "Describe the image" for a photo opened without a description, on the engine's worker.

When a photo is opened and its description is empty, the worker captions it (the
captioning model loads there, after the editing model) and the panel shows the caption as
a suggestion; typed text is never replaced. "Describe for me" captions the shown image
on request. Without the captioning model the panel says, in one line, how to get it.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject, Slot

from gui.jobs import CacheChoice, CaptionJob


class CaptionHook(QObject):
    """Connects the controller's session changes and the panel's button to caption jobs."""

    def __init__(self, controller, panel) -> None:
        super().__init__(controller)
        self.controller = controller
        self.panel = panel
        self.job_id: Optional[int] = None
        self._replace = False
        controller.session_replaced.connect(self._on_session_replaced)
        controller.host.finished.connect(self._on_finished)
        controller.host.failed.connect(self._on_failed)
        controller.host.cancelled.connect(self._on_cancelled)
        panel.caption_requested.connect(lambda: self.caption_shown_image(replace=True))

    @Slot()
    def _on_session_replaced(self) -> None:
        tree = self.controller.tree
        if tree is None or tree.root_id is None:
            return
        root = tree.root_node()
        if root.kind != "photo" or root.prompt:
            return
        if self.panel.source_suggested:  # a suggestion for the previous photo is not the user's text
            self.panel.suggest_source_prompt("")
        if not self.panel.source_prompt.text().strip():
            self.caption_shown_image(replace=False)

    def caption_shown_image(self, replace: bool) -> Optional[int]:
        """Caption the current image on the worker; returns the job id (None when nothing is shown)."""
        tree = self.controller.tree
        choice = self.controller.model_choice()
        if tree is None or tree.current_id is None or choice is None:
            return None
        if self.job_id is not None:
            self.controller.host.forget(self.job_id)
        s = self.controller.settings
        host = self.controller.host
        job = CaptionJob(host.new_job_id(), choice, CacheChoice(s.cache_root(), max(1, int(s.cache_size_gb * 1e9))),
                         host.new_cancel_token(), tree.image(tree.current_id), s.caption_model)
        self.job_id, self._replace = host.submit(job), replace
        self.panel.show_caption_note("Describing the photo…")
        return self.job_id

    @Slot(int, object)
    def _on_finished(self, job_id: int, caption: object) -> None:
        if job_id != self.job_id:
            return
        self.job_id = None
        if not self.panel.suggest_source_prompt(str(caption), replace=self._replace):
            self.panel.show_caption_note("")  # the user typed a description meanwhile: it stays

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        if job_id == self.job_id:
            self.job_id = None
            self.panel.show_caption_note(message)

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        if job_id == self.job_id:
            self.job_id = None
            self.panel.show_caption_note("")
