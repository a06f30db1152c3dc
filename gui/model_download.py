"""Downloading a model into the normal Hugging Face cache on its own thread, with progress and cancel.

huggingface_hub keeps partial files in its cache, so a cancelled or broken download
resumes where it stopped the next time. Only the diffusers-format folders are fetched
(the FLUX repositories also hold a single-file checkpoint of the same weights).
"""

from __future__ import annotations

import threading
from typing import Callable, Optional

from PySide6.QtCore import QObject, QThread, Signal, Slot

from gui.error_messages import describe_error

DIFFUSERS_PATTERNS = [
    "model_index.json", "scheduler/*", "text_encoder/*", "text_encoder_2/*", "tokenizer/*", "tokenizer_2/*",
    "transformer/*", "vae/*",
]


class DownloadCancelled(Exception):
    """Raised inside the download when the user pressed Cancel."""


def is_cached(repo_id: str) -> bool:
    """Whether the model's index is in the Hugging Face cache (a hint: the download checks every file)."""
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(repo_id, "model_index.json"), str)


def _progress_class(report: Callable[[float, float], None], cancel: threading.Event) -> type:
    """A tqdm class for snapshot_download that reports bytes and stops when ``cancel`` is set."""
    from tqdm.auto import tqdm

    class Progress(tqdm):
        def __init__(self, *args, **kwargs) -> None:
            kwargs.pop("name", None)
            kwargs["disable"] = True  # no console bar; we count ourselves
            super().__init__(*args, **kwargs)
            self._counts_bytes = kwargs.get("unit") == "B"
            self._done = float(kwargs.get("initial") or 0)

        def update(self, n=1):
            if cancel.is_set():
                raise DownloadCancelled()
            if self._counts_bytes:
                self._done += float(n or 0)
                report(self._done, float(self.total or 0))
            return super().update(n)

    return Progress


def describe_download_error(error: BaseException, repo_id: str) -> str:
    """One line on why a download failed and what to do."""
    from huggingface_hub import errors

    if isinstance(error, errors.GatedRepoError):
        return (f"{repo_id} is gated: accept its licence on https://huggingface.co/{repo_id} while logged in, "
                "then give a token of that account")
    if isinstance(error, errors.RepositoryNotFoundError):
        return f"{repo_id} was not found on Hugging Face (or the token cannot see it): check the name and token"
    if isinstance(error, (errors.OfflineModeIsEnabled, errors.LocalEntryNotFoundError)):
        return ("No connection to Hugging Face (offline, or HF_HUB_OFFLINE is set): connect to the internet to "
                "download; models already downloaded work offline")
    if isinstance(error, errors.HfHubHTTPError) and getattr(error.response, "status_code", None) == 401:
        return "Hugging Face refused the token: create a read token at https://huggingface.co/settings/tokens"
    if isinstance(error, OSError) and getattr(error, "errno", None) == 28:
        return "The disk is full: free some space (FLUX needs about 35 GB) and press Download again to resume"
    return f"The download stopped: {describe_error(error)} Press Download again to resume."


class DownloadWorker(QObject):
    """Runs one snapshot_download on the thread it was moved to."""

    progress = Signal(float, float)  # bytes done, bytes in total (0 while unknown)
    finished = Signal(str)  # the snapshot folder
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, repo_id: str, token: Optional[str], remember_token: bool,
                 patterns: Optional[list[str]] = None) -> None:
        super().__init__()
        self.repo_id = repo_id
        self._patterns = patterns or DIFFUSERS_PATTERNS
        self._token = token
        self._remember = remember_token
        self.cancel_flag = threading.Event()

    @Slot()
    def run(self) -> None:
        """Log in (when asked to remember the token), then download; report how it ended."""
        try:
            import huggingface_hub

            if self._token and self._remember:
                huggingface_hub.login(token=self._token, add_to_git_credential=False, skip_if_logged_in=False)
            path = huggingface_hub.snapshot_download(
                self.repo_id, token=self._token or None, allow_patterns=self._patterns,
                tqdm_class=_progress_class(self.progress.emit, self.cancel_flag), max_workers=4,
            )
        except DownloadCancelled:
            self.cancelled.emit()
        except Exception as error:
            self.failed.emit(describe_download_error(error, self.repo_id))
        else:
            self.finished.emit(str(path))


class ModelDownload(QObject):
    """One download on its own thread; the thread ends with the download."""

    progress = Signal(float, float)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, repo_id: str, token: Optional[str] = None, remember_token: bool = False,
                 parent: Optional[QObject] = None, patterns: Optional[list[str]] = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("model-download")
        self._worker = DownloadWorker(repo_id, token, remember_token, patterns)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        for source, target in ((self._worker.progress, self._on_progress), (self._worker.finished, self._on_finished),
                               (self._worker.failed, self._on_failed), (self._worker.cancelled, self._on_cancelled)):
            source.connect(target)

    def start(self) -> None:
        """Begin downloading."""
        self._thread.start()

    def cancel(self) -> None:
        """Stop at the next chunk (thread-safe flag); partial files stay for a later resume."""
        self._worker.cancel_flag.set()

    def is_running(self) -> bool:
        """Whether the download thread is still working."""
        return self._thread.isRunning()

    def wait(self) -> None:
        """Cancel and wait for the thread to end (closing the dialog)."""
        self.cancel()
        self._thread.quit()
        self._thread.wait()

    def _stop_thread(self) -> None:
        self._thread.quit()
        self._thread.wait()

    @Slot(float, float)
    def _on_progress(self, done: float, total: float) -> None:
        self.progress.emit(done, total)

    @Slot(str)
    def _on_finished(self, path: str) -> None:
        self._stop_thread()
        self.finished.emit(path)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._stop_thread()
        self.failed.emit(message)

    @Slot()
    def _on_cancelled(self) -> None:
        self._stop_thread()
        self.cancelled.emit()
