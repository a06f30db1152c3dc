"""Writing a finished edit's files into the autosave folder on the worker thread.

The session's autosave runs on the UI thread whenever the tree changes and skips entries
already on disk; writing the new results' PNGs and trajectories ahead, off the UI thread,
leaves it only the small manifest to write, so applying a large result never stalls.
A failed pre-write (a full disk) never costs the result: the autosave writes what is
missing itself and says so once when it cannot.
"""

from __future__ import annotations

import logging
from pathlib import Path

from core.storage.atomic import atomic_write_bytes


log = logging.getLogger(__name__)


def prewrite_results(folder: Path, operation) -> None:
    """Write each new node's image, trajectory and mask entry under ``folder`` (when it exists);
    an OSError is logged and left to the autosave, never raised."""
    from core.session.session_format import image_name, mask_name, trajectory_name
    from core.storage.png_files import png_bytes
    from core.storage.trajectory_files import trajectory_to_bytes

    if not folder.is_dir():
        return
    try:
        for node, image, trajectory, mask in zip(operation.nodes, operation.images, operation.trajectories,
                                                 operation.masks):
            atomic_write_bytes(folder / image_name(node.id), png_bytes(image))
            if mask is not None:
                atomic_write_bytes(folder / mask_name(node.id), png_bytes(mask))
            if trajectory is not None and node.trajectory_id:
                atomic_write_bytes(folder / trajectory_name(node.trajectory_id), trajectory_to_bytes(trajectory))
    except OSError as error:
        log.warning("pre-writing results to %s failed (the autosave retries): %s", folder, error)
