"""Running a batch on one process: every photo through the recipe, results and report on disk.

The model is loaded once by the caller (the engine is passed in). A photo that fails is
recorded with one line and the batch goes on; cancelling stops at the next step and keeps
what is finished. A photo is skipped when all its result files exist, are whole, and
carry its recipe hash: so a rerun after a kill redoes only unfinished photos.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

from PIL import Image

from core.api.errors import Cancelled, UserError
from core.api.progress import JobControl
from core.engine import Engine
from core.session.export import export_recipe
from core.session.session_editing import EditSession
from core.storage.png_files import read_recipe, save_png

from core.batch.photos import output_bases, result_names
from core.batch.recipe import BatchRecipe, recipe_hash
from core.batch.report import BatchReport, PhotoResult
from core.batch.source_prompts import SourcePrompts

BATCH_KEY = "batch"
log = logging.getLogger(__name__)
PhotoListener = Callable[[int, PhotoResult], None]


def model_fields(engine: Engine) -> dict:
    """What about the model changes a result (part of every recipe hash; the device index is not)."""
    model = engine.model
    return {"model": model.model_id, "revision": model.revision, "dtype": str(model.dtype),
            "device": model.device.type}


def failure_line(error: BaseException) -> str:
    """One line a user can act on, for any failure of one photo."""
    if isinstance(error, UserError):
        return str(error)
    if _is_out_of_memory(error):
        return "out of memory: try a smaller max_pixels, --memory-mode model-cpu-offload or --weights fp8"
    first = str(error).splitlines()[0] if str(error) else ""
    return f"internal error: {type(error).__name__}: {first}".rstrip(": ")


def _is_out_of_memory(error: BaseException) -> bool:
    import torch

    return isinstance(error, (torch.cuda.OutOfMemoryError, MemoryError)) or "out of memory" in str(error).lower()


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def results_match(paths: Sequence[Path], expected_hash: str) -> bool:
    """Whether every result file exists, decodes completely and carries ``expected_hash``."""
    for path in paths:
        try:
            recipe = read_recipe(path)
            with Image.open(path) as image:
                image.load()
        except Exception:  # missing, truncated, not a PNG: redo the photo
            return False
        if not isinstance(recipe, dict) or not isinstance(recipe.get(BATCH_KEY), dict) or \
                recipe[BATCH_KEY].get("recipe_hash") != expected_hash:
            return False
    return True


class BatchRunner:
    """Applies one recipe to photos with one engine, writing results into ``output``."""

    def __init__(self, engine: Engine, recipe: BatchRecipe, sources: SourcePrompts, output: Path,
                 process_index: int = 0, speed: str = "eager") -> None:
        self.engine = engine
        self.recipe = recipe
        self.sources = sources
        self.output = Path(output)
        self.process_index = process_index
        self.model = model_fields(engine)
        self.session = EditSession()  # reused: opening the next photo frees the previous one's results
        if sources.needs_captioner:
            self.model = {**self.model, "captioner": sources.captioner_id}
        if speed != "eager":  # compiled kernels and other attention backends differ in the last bits
            self.model = {**self.model, "speed": speed}

    def new_report(self, photos: Sequence[Path]) -> BatchReport:
        """A report with every photo waiting."""
        return BatchReport(self.recipe.to_dict(), self.model, [PhotoResult(str(p), process=self.process_index)
                                                               for p in photos])

    def run(self, photos: Sequence[Path], report_path: Path, *, bases: Optional[dict[Path, str]] = None,
            control: Optional[JobControl] = None, on_photo: Optional[PhotoListener] = None) -> BatchReport:
        """Edit ``photos`` in order; ``report_path`` is rewritten after every photo.

        ``bases`` names each photo's results (computed over the whole batch when it is split
        between processes). Raises :class:`Cancelled` after recording the cancellation.
        """
        bases = bases if bases is not None else output_bases(photos)
        control = control or JobControl()
        self.output.mkdir(parents=True, exist_ok=True)
        report = self.new_report(photos)
        report.write(report_path)

        def tell(index: int, result: PhotoResult) -> None:
            if on_photo is not None:  # a copy: the listener may read it on another thread
                on_photo(index, dataclasses.replace(result, outputs=list(result.outputs)))

        for index, photo in enumerate(photos):
            result = report.photos[index]
            result.status = "running"
            tell(index, result)
            started = time.perf_counter()
            try:
                self._run_one(photo, bases[photo], result, control)
                result.status = "done"
            except (Cancelled, KeyboardInterrupt):
                result.status = "cancelled"
                result.seconds = round(time.perf_counter() - started, 3)
                report.write(report_path)
                tell(index, result)
                raise
            except Exception as error:  # one photo's failure never stops the batch
                result.status = "failed"
                result.error = failure_line(error)
                result.outputs = []
                if not isinstance(error, UserError):
                    log.warning("photo %s failed", photo, exc_info=True)
                _release_memory()
            if not result.resumed:
                result.seconds = round(time.perf_counter() - started, 3)
            report.write(report_path)
            tell(index, result)
        return report

    def _run_one(self, photo: Path, base: str, result: PhotoResult, control: JobControl) -> None:
        spec = self.sources.spec_for(photo)
        expected = recipe_hash(self.recipe, photo_digest=_file_digest(photo), source_spec=spec, model=self.model)
        names = result_names(base, self.recipe.output_count())
        result.recipe_hash = expected
        if results_match([self.output / name for name in names], expected):
            result.outputs, result.resumed = names, True
            return
        root = self.session.open_photo(photo, "", self.recipe.max_pixels)
        root.prompt = self.sources.prompt_for(photo, self.session.tree.image(root.id))  # may caption the photo
        result.source_prompt = root.prompt
        tree = self.session.tree

        def write(k: int, node_id: str) -> None:
            recipe = {**export_recipe(tree, node_id),
                      BATCH_KEY: {"recipe_hash": expected, "photo": photo.name, "result": k}}
            save_png(tree.image(node_id), self.output / names[k - 1], recipe)

        self._edit_chain(root.id, control, write)
        result.outputs = names

    def _edit_chain(self, root_id: str, control: JobControl, write: Callable[[int, str], None]) -> None:
        """Run the recipe's edits from the photo, writing each result (1-based) as soon as it exists."""
        recipe = self.recipe
        options = {"max_sequence_length": recipe.max_sequence_length, "vital_layers": recipe.vital_layers}
        current = root_id
        written = 0
        for edit in recipe.edits:
            nodes = self.session.edit(self.engine, current, list(edit.prompts), edit.method, dict(edit.params),
                                      edit.seed, control=control, **options)
            for node in nodes:
                written += 1
                write(written, node.id)
            current = nodes[0].id


def _release_memory() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()
