"""The glue between the edit tree and the engine: open, edit any node, keep every result.

Editing a node never inverts it again when its latent trajectory is known (a generated
image, or any Stable Flow result): the trajectory is the request's ``source``. A photo
root, and a result whose method produced no trajectory (FlowEdit, FlowAlign, SDEdit), is
edited like a photo: its image is the source, and Stable Flow inverts it through the
engine's inversion store (the disk cache), so it is inverted once per source prompt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from PIL import Image

from core.api.errors import ParameterError
from core.api.progress import JobControl
from core.api.requests import EditRequest, EditResult
from core.engine import Engine
from core.flux.masks import mask_array, mask_image
from core.rules.method_defaults import DEFAULT_METHOD
from core.rules.prompts import MAX_SEQUENCE_LENGTH
from core.session.autosave import Autosave, discard_autosave, restore_autosave
from core.session.history import SessionHistory
from core.session.node import EditNode, new_node_id
from core.session.operations import AddNodes
from core.session.project_file import load_project, save_project
from core.session.recipe_input import embedded_prompt
from core.session.tree import EditTree
from core.storage.photos import DEFAULT_MAX_PIXELS, load_image, resize_to_working_size


def used_vital_layers(request: EditRequest, result: EditResult) -> Optional[tuple[int, ...]]:
    """The blocks the edit injected, as a node records them: the method's report, else the request's."""
    return result.vital_layers if result.vital_layers is not None else request.vital_layers


def result_operation(node_id: str, request: EditRequest, result: EditResult, model_id: str,
                     model_revision: Optional[str] = None, preview: Optional[Mapping[str, Any]] = None) -> AddNodes:
    """The operation (not yet applied) adding one child of ``node_id`` per edit result;
    ``preview`` marks fast previews with their full-quality settings (see EditNode). It reads
    no session state, so a worker thread can prepare it while the window goes on."""
    nodes = []
    batch_id = new_node_id()
    mask = None if request.mask is None else mask_image(request.mask)
    for prompt, trajectory in zip(request.target_prompts, result.trajectories):
        node = EditNode(new_node_id(), node_id, "edit", prompt, source_prompt=request.source_prompt,
                        method=result.method, params=result.params, seed=request.seed, model_id=model_id,
                        model_revision=model_revision, max_sequence_length=request.max_sequence_length,
                        vital_layers=used_vital_layers(request, result), masked=mask is not None,
                        preview=None if preview is None else dict(preview), batch_id=batch_id)
        if trajectory is not None:
            node.trajectory_id = node.id
        nodes.append(node)
    return AddNodes(nodes, result.images, result.trajectories, [mask] * len(nodes))


class EditSession:
    """An edit tree, its undo history and (optionally) its autosave.

    Headless callers use :meth:`edit`; the editor runs :meth:`build_request` on the UI
    thread, the request on its worker, then pushes :meth:`add_result`'s operation onto
    its ``QUndoStack``. With ``autosave`` given, every change of the tree is autosaved.
    """

    def __init__(self, tree: Optional[EditTree] = None, autosave: Optional[Autosave] = None) -> None:
        self.tree = tree if tree is not None else EditTree()
        self.history = SessionHistory(self.tree)
        self.autosave = autosave
        if autosave is not None:
            autosave.attach(self.tree)

    # -- starting ------------------------------------------------------------------------
    def open_photo(self, path: str | Path, prompt: Optional[str] = None,
                   max_pixels: int = DEFAULT_MAX_PIXELS) -> EditNode:
        """Open a photo as the root, at its working size.

        ``prompt`` describes it; when None, a recipe embedded by this app supplies it.
        """
        path = Path(path)
        photo = load_image(path)
        image = resize_to_working_size(photo, max_pixels)
        if prompt is None:
            prompt = embedded_prompt(path)
        root = EditNode(new_node_id(), None, "photo", prompt, image_path=str(path.resolve()),
                        original_size=photo.size)
        self.tree.reset(root, image, original=photo if photo.size != image.size else None)
        self.history.clear()
        return root

    def generation_request(self, prompt: str, edit_prompts: Sequence[str], *, method: str = DEFAULT_METHOD,
                           params: Optional[Mapping[str, Any]] = None, seed: int = 42, height: int = 1024,
                           width: int = 1024, max_sequence_length: int = MAX_SEQUENCE_LENGTH,
                           vital_layers: Optional[tuple[int, ...]] = None) -> EditRequest:
        """The request that generates ``prompt`` and its first edits (a generated start)."""
        return EditRequest(method=method, source_prompt=prompt, target_prompts=tuple(edit_prompts), height=height,
                           width=width, seed=seed, params=dict(params or {}),
                           max_sequence_length=max_sequence_length, vital_layers=vital_layers)

    def begin_generated(self, request: EditRequest, result: EditResult, model_id: str,
                        model_revision: Optional[str] = None) -> AddNodes:
        """Make the generated source the root; returns (does not apply) the operation adding its edits."""
        root = EditNode(new_node_id(), None, "generated", request.source_prompt, method=result.method,
                        params=result.params, seed=request.seed, model_id=model_id, model_revision=model_revision,
                        max_sequence_length=request.max_sequence_length,
                        vital_layers=used_vital_layers(request, result))
        if result.source_trajectory is not None:
            root.trajectory_id = root.id
        self.tree.reset(root, result.source_image, result.source_trajectory)
        self.history.clear()
        return self.add_result(root.id, request, result, model_id, model_revision)

    def start_generated(self, engine: Engine, prompt: str, edit_prompts: Sequence[str],
                        control: Optional[JobControl] = None, **options: Any) -> list[EditNode]:
        """Generate ``prompt`` with its first edits; the generated image is the root. Returns the edits."""
        request = self.generation_request(prompt, edit_prompts, **options)
        result = engine.run(request, control)
        op = self.begin_generated(request, result, engine.model.model_id, engine.model.revision)
        self.history.push(op)
        return op.nodes

    # -- editing -------------------------------------------------------------------------
    def build_request(self, node_id: str, edit_prompts: Sequence[str], method: str = DEFAULT_METHOD,
                      params: Optional[Mapping[str, Any]] = None, seed: int = 42, *,
                      source_prompt: Optional[str] = None, max_sequence_length: Optional[int] = None,
                      vital_layers: Optional[tuple[int, ...]] = None,
                      mask: Optional[Image.Image] = None) -> EditRequest:
        """The request that edits node ``node_id`` with ``edit_prompts``.

        The source prompt is the node's prompt unless ``source_prompt`` is given. The node's
        stored trajectory is the source when it was made with that prompt; otherwise the
        node's image is (and is inverted, through the cache, by methods that invert).
        With a ``mask`` (8-bit, the node's size, white = edit) the edit keeps the node's own
        pixels outside it.
        """
        node = self.tree.node(node_id)
        if not self.tree.is_live(node_id):
            raise ParameterError("that result was deleted: undo the deletion to edit it")
        source_prompt = node.prompt if source_prompt is None else source_prompt
        if max_sequence_length is None:
            max_sequence_length = node.max_sequence_length or MAX_SEQUENCE_LENGTH
        trajectory = self.tree.trajectory(node_id)
        image = self.tree.image(node_id)
        start: dict[str, Any] = {"image": image}
        if trajectory is not None and trajectory.prompt == source_prompt:
            start = {"source": trajectory, "source_image": image}
        if mask is not None:
            if mask.size != image.size:
                raise ParameterError(f"the mask is {mask.width}x{mask.height} but the image is "
                                     f"{image.width}x{image.height}: draw it on the image being edited")
            start.update(mask=mask_array(mask), keep=image)
        return EditRequest(method=method, source_prompt=source_prompt, target_prompts=tuple(edit_prompts),
                           height=image.height, width=image.width, seed=seed, params=dict(params or {}),
                           max_sequence_length=max_sequence_length, vital_layers=vital_layers, **start)

    def add_result(self, node_id: str, request: EditRequest, result: EditResult, model_id: str,
                   model_revision: Optional[str] = None, preview: Optional[dict] = None) -> AddNodes:
        """The operation (not yet applied) adding one child of ``node_id`` per edit result
        (see :func:`result_operation`)."""
        return result_operation(node_id, request, result, model_id, model_revision, preview)

    def edit(self, engine: Engine, node_id: str, edit_prompts: Sequence[str], method: str = DEFAULT_METHOD,
             params: Optional[Mapping[str, Any]] = None, seed: int = 42, control: Optional[JobControl] = None,
             **options: Any) -> list[EditNode]:
        """Edit a node headlessly: build the request, run it, add the results (undoably), autosave."""
        request = self.build_request(node_id, edit_prompts, method, params, seed, **options)
        result = engine.run(request, control)
        op = self.add_result(node_id, request, result, engine.model.model_id, engine.model.revision)
        self.history.push(op)
        return op.nodes

    # -- files ---------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Save the session as a project file."""
        return save_project(self.tree, path)

    def load(self, path: str | Path) -> None:
        """Replace the session with a project file's (the undo history starts empty)."""
        load_project(path, self.tree)
        self.history.clear()

    def restore_autosave(self, folder: Path) -> None:
        """Replace the session with an autosave left by a crash; that folder is then removed
        (this session's own autosave holds everything from here on)."""
        restore_autosave(folder, self.tree)
        self.history.clear()
        if self.autosave is not None and Path(folder) != self.autosave.folder:
            discard_autosave(folder)

    def close(self, wait: bool = True) -> None:
        """A clean shutdown: remove the autosave (save the project first if it is wanted);
        ``wait=False`` deletes its files in the background (see :meth:`Autosave.clear`)."""
        if self.autosave is not None:
            self.autosave.clear(wait)
