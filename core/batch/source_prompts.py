"""How each photo of a batch is described: a sidecar file, a template, or automatic captioning.

A sidecar file maps photo file names to descriptions, as CSV (``file,prompt`` rows; a
header row is allowed) or JSON (``{"dog.jpg": "a photo of a dog", ...}``). Its names are
only looked up, never opened. A template may hold ``{stem}`` (the file name without its
extension) and ``{name}`` (with it). ``auto`` asks the captioning model. A photo in the
sidecar file uses its entry; the others use the template.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Callable, Optional

from PIL import Image

from core.api.errors import UserError
from core.batch.small_files import read_capped
from core.rules.prompts import check_prompt

AUTO = "auto"
MAX_SIDECAR_BYTES = 20_000_000
Captioner = Callable[[Image.Image], str]


class SourcePromptError(UserError):
    """A photo's description cannot be found or the sidecar file is unusable."""


def read_sidecar(path: str | Path) -> dict[str, str]:
    """File name -> description from a CSV or JSON sidecar file (size-capped, text only)."""
    path = Path(path)
    data = read_capped(path, MAX_SIDECAR_BYTES, "descriptions file", SourcePromptError)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourcePromptError(f"{path.name} is not UTF-8 text") from None
    entries = _json_entries(text, path.name) if path.suffix.lower() == ".json" else _csv_entries(text, path.name)
    for name, prompt in entries.items():
        check_prompt(prompt, f"description of {name} in {path.name}")
    return entries


def _json_entries(text: str, file_name: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise SourcePromptError(f"{file_name} is not valid JSON ({error})") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise SourcePromptError(f"{file_name} must be a JSON object of file names and descriptions")
    return {_name_only(k): v for k, v in data.items()}


def _csv_entries(text: str, file_name: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 2:
            raise SourcePromptError(f"{file_name} line {number}: expected 'file,description' (got {len(row)} "
                                    "columns; quote descriptions that contain commas)")
        name, prompt = row[0].strip(), row[1].strip()
        if number == 1 and (name.lower(), prompt.lower()) in {("file", "prompt"), ("file", "description"),
                                                             ("image", "prompt"), ("filename", "prompt")}:
            continue  # a header row
        entries[_name_only(name)] = prompt
    return entries


def _name_only(name: str) -> str:
    """A sidecar key is matched against file names only (a folder part is ignored, never followed)."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


class SourcePrompts:
    """The description of each photo: its sidecar entry, else the template (or ``auto``)."""

    def __init__(self, template: Optional[str] = None, sidecar: Optional[dict[str, str]] = None,
                 captioner: Optional[Captioner] = None, captioner_id: str = "") -> None:
        if template is None and not sidecar:
            raise SourcePromptError("say how the photos are described: a source prompt (a template such as "
                                    "'a photo of a {stem}', or auto) or a descriptions file")
        if template is not None and template.strip().lower() != AUTO:
            check_prompt(template, "source prompt")
        self.template = template
        self.sidecar = dict(sidecar or {})
        self.captioner = captioner
        self.captioner_id = captioner_id

    @property
    def needs_captioner(self) -> bool:
        """Whether some photo may be described by the captioning model."""
        return self.template is not None and self.template.strip().lower() == AUTO

    def spec_for(self, photo: Path) -> str:
        """What determines the photo's description, without captioning (part of its recipe hash)."""
        if photo.name in self.sidecar:
            return "text:" + self.sidecar[photo.name]
        if self.template is None:
            raise SourcePromptError(f"{photo.name} is not in the descriptions file and no source prompt template "
                                    "was given")
        if self.needs_captioner:
            return f"auto:{self.captioner_id}"
        return "text:" + self.template.replace("{stem}", photo.stem).replace("{name}", photo.name)

    def prompt_for(self, photo: Path, image: Image.Image) -> str:
        """The photo's description (captioning ``image`` when the template is ``auto``)."""
        spec = self.spec_for(photo)
        if spec.startswith("text:"):
            return check_prompt(spec[len("text:"):], f"description of {photo.name}")
        if self.captioner is None:
            raise SourcePromptError("automatic descriptions need the captioning model: download it in the editor's "
                                    "model setup, or give --caption-model")
        return check_prompt(self.captioner(image), f"automatic description of {photo.name}")
