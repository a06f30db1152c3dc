"""What a finished edit job hands the UI thread, prepared on the worker from pure job data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

from gui.autosave_prewrite import prewrite_results


@dataclass(frozen=True)
class ResultPlan:
    """How the worker prepares an edit's result: plain data, no session and no closure.

    ``node_id`` is the edited node (None: a generated start, whose source becomes the root);
    ``preview`` marks a fast preview with its full-quality settings; the new results' files are
    written ahead into ``autosave_folder`` so the UI thread's autosave only renames them.
    """

    node_id: Optional[str] = None
    preview: Optional[Mapping[str, Any]] = None
    autosave_folder: Optional[Path] = None


@dataclass(frozen=True)
class GeneratedStart:
    """A finished generated-start job: the UI thread makes its source the new root."""

    request: Any
    result: Any
    model_id: str
    model_revision: Optional[str]


@dataclass(frozen=True)
class FinishedEdit:
    """A finished edit of a node, prepared on the worker: what goes into the tree, and the
    share of the source's steps whose recorded K/V were replayed (0 when none were)."""

    operation: Any
    kv_replay_share: float = 0.0


def prepare_result(plan: ResultPlan, request: Any, result: Any, model_id: str,
                   model_revision: Optional[str]) -> GeneratedStart | FinishedEdit:
    """On the worker thread: the payload the UI thread applies (it only pushes the operation)."""
    if plan.node_id is None:
        return GeneratedStart(request, result, model_id, model_revision)
    from core.session.session_editing import result_operation

    operation = result_operation(plan.node_id, request, result, model_id, model_revision, plan.preview)
    if plan.autosave_folder is not None:
        prewrite_results(plan.autosave_folder, operation)
    return FinishedEdit(operation, result.kv_replay_share)
