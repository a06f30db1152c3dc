"""A corpus of crafted inputs, generated in code (no binary blobs in the repository).

Every case is something a user may be handed: a project file (``.sfproj``), an autosave
folder, a photo whose embedded recipe its author chose, a cache entry, or a command line.
``tests/core/test_hostile_files.py`` runs each through the app's real open/edit path.

    python -m tests.hostile_corpus OUT_FOLDER     # write the corpus files, to look at them

Project cases mutate a small valid session (three results with trajectories) at one of
three levels: the manifest's JSON value, the raw entries, or the zip's own headers.
"""

from __future__ import annotations

import io
import json
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import torch
from PIL import Image, PngImagePlugin
from safetensors.torch import save as save_tensors

from core.api.trajectory import Trajectory
from core.session.node import EditNode
from core.session.session_format import entry_bytes, manifest_bytes, write_session
from core.session.tree import EditTree
from core.storage.png_files import RECIPE_KEY, png_bytes
from tests.helpers import gradient_photo

WIDTH, HEIGHT = 64, 48
TOKENS = (WIDTH // 16) * (HEIGHT // 16)
IDS = ["a" * 32, "b" * 32, "c" * 32]
SECRET = "hf_CorpusSecretToken0123456789"
CREATED = 1_700_000_000.0

Entries = dict[str, bytes]


# -- the valid base session ------------------------------------------------------------
def base_trajectory(prompt: str = "a photo", steps: int = 4, dtype: torch.dtype = torch.float32,
                    tokens: int = TOKENS, channels: int = 64, height: int = HEIGHT, width: int = WIDTH) -> Trajectory:
    """A well-formed trajectory (random latents) of the base image size, unless told otherwise."""
    latents = torch.randn(steps + 1, tokens, channels, generator=torch.Generator().manual_seed(steps))
    return Trajectory(latents.to(dtype), torch.linspace(1, 0, steps + 1), height, width, prompt, 3.5)


def base_tree(count: int = 3) -> EditTree:
    """A photo root and a chain of ``count - 1`` edits, every edit with a trajectory."""
    tree = EditTree()
    ids = IDS if count <= len(IDS) else [f"{index:032x}" for index in range(count)]
    tree.reset(EditNode(ids[0], None, "photo", "a photo", original_size=(WIDTH, HEIGHT), created_at=CREATED),
               gradient_photo(WIDTH, HEIGHT, seed=1))
    for index in range(1, count):
        node = EditNode(ids[index], ids[index - 1], "edit", f"edit {index}", source_prompt="a photo",
                        method="stable-flow", params={"steps": 4}, seed=index, trajectory_id=ids[index],
                        max_sequence_length=16, created_at=CREATED)
        tree.insert(node, gradient_photo(WIDTH, HEIGHT, seed=index + 1), base_trajectory(f"edit {index}"))
    return tree


def base_entries(count: int = 3) -> Entries:
    """The entries (name -> bytes) a save of :func:`base_tree` writes, manifest included."""
    entries: Entries = {}
    write_session(base_tree(count), lambda name, writer: entries.__setitem__(name, entry_bytes(writer)))
    return entries


def base_manifest() -> dict:
    """The base session's manifest as a JSON value."""
    return json.loads(manifest_bytes(base_tree()))


def zip_bytes(entries: Entries, compression: int = zipfile.ZIP_STORED) -> bytes:
    """Entries as a zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data, compress_type=compression)
    return buffer.getvalue()


# -- project cases -----------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectCase:
    """A crafted session; ``build(sandbox)`` gives its entries (or raw zip bytes).

    ``loads`` marks the few cases that are odd but valid and must open normally.
    ``zip_only``: the crafting is in the zip headers, so there is no autosave-folder form.
    """

    name: str
    build: Callable[[Path], Entries | bytes]
    loads: bool = False
    zip_only: bool = False


def _with_manifest(change: Callable[[dict, Path], Any]) -> Callable[[Path], Entries]:
    """Entries whose manifest is the base one after ``change(manifest, sandbox)`` (its return value is ignored)."""
    return _manifest_value(lambda manifest, sandbox: (change(manifest, sandbox), manifest)[1])


def _manifest_value(make: Callable[[dict, Path], Any]) -> Callable[[Path], Entries]:
    """Entries whose manifest is ``make(base manifest, sandbox)``: a JSON value, or bytes as they are."""
    def build(sandbox: Path) -> Entries:
        entries = base_entries()
        value = make(base_manifest(), sandbox)
        entries["manifest.json"] = value if isinstance(value, bytes) else json.dumps(value).encode()
        return entries
    return build


def _node_field(index: int, name: str, value: Any) -> Callable[[Path], Entries]:
    return _with_manifest(lambda manifest, _: manifest["nodes"][index].__setitem__(name, value))


def _escape(sandbox: Path, target: str) -> str:
    """A relative path from any app folder up to the root and down to ``sandbox/outside/target``."""
    return "../" * 40 + str(sandbox / "outside" / target).lstrip("/")


def _traversal_ids(sandbox: Path) -> Entries:
    """The reported attack: node and trajectory ids that climb out of the app's folders, with
    more than 8 results so the trajectory spill would write (and overwrite) outside."""
    entries = base_entries(12)
    manifest = json.loads(entries["manifest.json"])
    renames = {}
    for index, node in enumerate(manifest["nodes"]):
        evil = _escape(sandbox, f"victim{index}")
        renames[node["id"]] = evil
        for field in ("id", "trajectory_id"):
            if node.get(field):
                node[field] = evil
        if node.get("parent_id"):
            node["parent_id"] = renames[node["parent_id"]]
    for old, new in renames.items():
        entries[f"images/{new}.png"] = entries.pop(f"images/{old}.png")
        if f"trajectories/{old}.safetensors" in entries:
            entries[f"trajectories/{new}.safetensors"] = entries.pop(f"trajectories/{old}.safetensors")
    manifest["root_id"] = manifest["current_id"] = renames[manifest["root_id"]]
    entries["manifest.json"] = json.dumps(manifest).encode()
    return entries


def _replaced_entry(name: str, data: bytes) -> Callable[[Path], Entries]:
    """The base entries with entry ``name`` holding ``data``."""
    def build(_: Path) -> Entries:
        return {**base_entries(), name: data}
    return build


def _trajectory_entry(trajectory_bytes: bytes, node: int = 1) -> Callable[[Path], Entries]:
    return _replaced_entry(f"trajectories/{IDS[node]}.safetensors", trajectory_bytes)


def _raw_trajectory(latents: torch.Tensor, sigmas: Optional[torch.Tensor] = None,
                    **metadata: str) -> bytes:
    """Safetensors bytes in the trajectory layout with any tensors and metadata."""
    meta = {"format": "1", "height": str(HEIGHT), "width": str(WIDTH), "prompt": "edit 1", "guidance": "3.5",
            **metadata}
    sigmas = torch.linspace(1, 0, latents.shape[0]) if sigmas is None else sigmas
    return save_tensors({"latents": latents.contiguous(), "sigmas": sigmas.contiguous()}, metadata=meta)


def _latents(steps: int = 4, tokens: int = TOKENS, channels: int = 64) -> torch.Tensor:
    return torch.randn(steps + 1, tokens, channels, generator=torch.Generator().manual_seed(7))


def _with_nan(value: float) -> torch.Tensor:
    latents = _latents()
    latents[2, 1, 3] = value
    return latents


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's shape)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + \
        chunk(b"IEND", b"")


def _image_entry(data: bytes, node: int = 0) -> Callable[[Path], Entries]:
    return _replaced_entry(f"images/{IDS[node]}.png", data)


def _without(name: str) -> Callable[[Path], Entries]:
    def build(_: Path) -> Entries:
        entries = base_entries()
        del entries[name]
        return entries
    return build


def _patched_zip(name: str, offset: int, fmt: str, value: int, also_local: Optional[int] = None) -> Callable:
    """The base zip with one field of ``name``'s central directory header (and local header) patched."""
    def build(_: Path) -> bytes:
        data = bytearray(zip_bytes(base_entries()))
        encoded = name.encode()
        position = data.find(b"PK\x01\x02")
        while position >= 0:
            name_length = struct.unpack_from("<H", data, position + 28)[0]
            if bytes(data[position + 46:position + 46 + name_length]) == encoded:
                struct.pack_into(fmt, data, position + offset, value)
                if also_local is not None:
                    local = struct.unpack_from("<I", data, position + 42)[0]
                    struct.pack_into(fmt, data, local + also_local, value)
                return bytes(data)
            position = data.find(b"PK\x01\x02", position + 4)
        raise AssertionError(f"{name} is not in the base zip")
    return build


def _manifest_bomb(_: Path) -> bytes:
    """A zip whose manifest inflates to 80 MB of spaces (written by streaming, 80 KB on disk)."""
    entries = base_entries()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("manifest.json", "w", force_zip64=True) as stream:
            chunk = b" " * 2**20
            for _ in range(80):
                stream.write(chunk)
        for name, data in entries.items():
            if name != "manifest.json":
                archive.writestr(name, data)
    return buffer.getvalue()


def _corrupt_deflate(_: Path) -> bytes:
    """The manifest deflated, then bytes in the middle of its compressed stream flipped."""
    data = bytearray(zip_bytes(base_entries(), zipfile.ZIP_DEFLATED))
    header = data.find(b"PK\x03\x04")
    while header >= 0:
        name_length, extra_length = struct.unpack_from("<HH", data, header + 26)
        if bytes(data[header + 30:header + 30 + name_length]) == b"manifest.json":
            start = header + 30 + name_length + extra_length
            for index in range(start + 5, start + 40):
                data[index] ^= 0x5A
            return bytes(data)
        header = data.find(b"PK\x03\x04", header + 4)
    raise AssertionError("no manifest in the base zip")


def _jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    gradient_photo(WIDTH, HEIGHT).save(buffer, format="JPEG")
    return buffer.getvalue()


def _deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


PROJECT_CASES: list[ProjectCase] = [
    # item 1: ids that are paths
    ProjectCase("traversal node and trajectory ids (12 results)", _traversal_ids),
    ProjectCase("node id is an absolute path", _node_field(2, "id", "/tmp/stable-flow-evil")),
    ProjectCase("node id climbs with backslashes", _node_field(2, "id", "..\\..\\..\\evil")),
    ProjectCase("trajectory id climbs out", lambda sandbox: _node_field(1, "trajectory_id",
                                                                         _escape(sandbox, "t"))(sandbox)),
    ProjectCase("node id with a NUL byte", _node_field(2, "id", "abc\0def")),
    ProjectCase("node id that is a dot", _node_field(2, "id", ".")),
    ProjectCase("current id climbs out", _with_manifest(lambda m, s: m.__setitem__("current_id", "../../x"))),
    # item 5: the manifest's JSON value
    ProjectCase("manifest is a list", _manifest_value(lambda m, s: [m])),
    ProjectCase("manifest is null", _manifest_value(lambda m, s: b"null")),
    ProjectCase("manifest is a number", _manifest_value(lambda m, s: 7)),
    ProjectCase("manifest is a string", _manifest_value(lambda m, s: "stable-flow-studio-session")),
    ProjectCase("manifest nested 100000 deep", _manifest_value(lambda m, s: _deep_json(100_000))),
    ProjectCase("manifest nested 500 deep inside params",
                _with_manifest(lambda m, s: m["nodes"][1].__setitem__("params", json.loads(_deep_json(500))))),
    ProjectCase("manifest is not UTF-8", _manifest_value(lambda m, s: b'{"format": "\xff\xfe"}')),
    ProjectCase("manifest is empty", _manifest_value(lambda m, s: b"")),
    ProjectCase("manifest holds NaN", _manifest_value(lambda m, s: json.dumps(m).replace('"seed": 1', '"seed": NaN')
                                                     .encode())),
    ProjectCase("manifest holds 1e999", _manifest_value(lambda m, s: json.dumps(m).replace('"seed": 1',
                                                                                          '"seed": 1e999').encode())),
    ProjectCase("manifest holds a 5000-digit number",
                _manifest_value(lambda m, s: json.dumps(m).replace('"seed": 1', '"seed": ' + "9" * 5000).encode())),
    ProjectCase("format missing", _with_manifest(lambda m, s: m.pop("format"))),
    ProjectCase("version is text", _with_manifest(lambda m, s: m.__setitem__("version", "1"))),
    ProjectCase("version is true", _with_manifest(lambda m, s: m.__setitem__("version", True))),
    ProjectCase("version from the future", _with_manifest(lambda m, s: m.__setitem__("version", 99))),
    ProjectCase("nodes is a table", _with_manifest(lambda m, s: m.__setitem__("nodes", {"a": 1}))),
    ProjectCase("nodes is empty", _with_manifest(lambda m, s: m.__setitem__("nodes", []))),
    ProjectCase("a node is a number", _with_manifest(lambda m, s: m["nodes"].__setitem__(1, 5))),
    ProjectCase("a node has no id", _with_manifest(lambda m, s: m["nodes"][1].pop("id"))),
    ProjectCase("unknown node kind", _node_field(1, "kind", "virus")),
    ProjectCase("prompt is a number", _node_field(1, "prompt", 5)),
    ProjectCase("prompt is a table", _node_field(1, "prompt", {"x": 1})),
    ProjectCase("prompt is a list", _node_field(1, "prompt", ["a", "b"])),
    ProjectCase("prompt is a megabyte", _node_field(1, "prompt", "x" * 2**20)),
    ProjectCase("source prompt is true", _node_field(1, "source_prompt", True)),
    ProjectCase("image_path is a number", _node_field(0, "image_path", 12)),
    ProjectCase("original_size negative", _node_field(0, "original_size", [-64, 48])),
    ProjectCase("original_size 200000x200000", _node_field(0, "original_size", [200_000, 200_000])),
    ProjectCase("original_size 30000x30000", _node_field(0, "original_size", [30_000, 30_000])),
    ProjectCase("original_size is text", _node_field(0, "original_size", ["64", "48"])),
    ProjectCase("original_size has three sides", _node_field(0, "original_size", [64, 48, 3])),
    ProjectCase("seed is negative", _node_field(1, "seed", -1)),
    ProjectCase("seed beyond 64 bits", _node_field(1, "seed", 2**70)),
    ProjectCase("seed is a fraction", _node_field(1, "seed", 1.5)),
    ProjectCase("seed is true", _node_field(1, "seed", True)),
    ProjectCase("max_sequence_length zero", _node_field(1, "max_sequence_length", 0)),
    ProjectCase("max_sequence_length huge", _node_field(1, "max_sequence_length", 10**9)),
    ProjectCase("vital layers are text", _node_field(1, "vital_layers", ["a"])),
    ProjectCase("vital layer index huge", _node_field(1, "vital_layers", [10**12])),
    ProjectCase("params is a list", _node_field(1, "params", [1, 2])),
    ProjectCase("created_at is text", _node_field(1, "created_at", "yesterday")),
    ProjectCase("batch id climbs out", _node_field(1, "batch_id", "../../batch")),
    ProjectCase("batch id is a number", _node_field(1, "batch_id", 7)),
    ProjectCase("duplicate node ids", _node_field(2, "id", IDS[1])),
    ProjectCase("parent missing", _node_field(2, "parent_id", "f" * 32)),
    ProjectCase("two roots", _node_field(2, "parent_id", None)),
    ProjectCase("child listed before its parent",
                _with_manifest(lambda m, s: m["nodes"].insert(1, m["nodes"].pop(2)))),
    ProjectCase("unknown extra fields (a newer version's)", loads=True,
                build=_with_manifest(lambda m, s: m["nodes"][1].update({"future": {"x": [1, 2]}}))),
    # item 5: entries
    ProjectCase("manifest entry missing", _without("manifest.json")),
    ProjectCase("image entry missing", _without(f"images/{IDS[1]}.png")),
    ProjectCase("trajectory entry missing", _without(f"trajectories/{IDS[2]}.safetensors")),
    ProjectCase("image is a JPEG", _image_entry(_jpeg_bytes())),
    ProjectCase("image is garbage", _image_entry(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)),
    ProjectCase("image is a truncated PNG", _image_entry(png_bytes(gradient_photo(WIDTH, HEIGHT))[:300])),
    ProjectCase("image of 900 megapixels", _image_entry(_png_header_only(30_000, 30_000))),
    ProjectCase("image of 100 megapixels", _image_entry(_png_header_only(10_000, 10_000))),
    ProjectCase("image of another size than its trajectory",
                _image_entry(png_bytes(gradient_photo(WIDTH + 16, HEIGHT)), node=1)),
    ProjectCase("trajectory is garbage", _trajectory_entry(b"\x10\x00\x00\x00\x00\x00\x00\x00{garbage")),
    ProjectCase("trajectory is empty", _trajectory_entry(b"")),
    ProjectCase("trajectory with the wrong token count", _trajectory_entry(_raw_trajectory(_latents(tokens=5)))),
    ProjectCase("trajectory with the wrong channels", _trajectory_entry(_raw_trajectory(_latents(channels=16)))),
    ProjectCase("trajectory in float64", _trajectory_entry(_raw_trajectory(_latents().double()))),
    ProjectCase("trajectory in int64", _trajectory_entry(_raw_trajectory(_latents().long()))),
    ProjectCase("trajectory in bool", _trajectory_entry(_raw_trajectory(_latents() > 0))),
    ProjectCase("trajectory in float16 (what --dtype float16 writes)", loads=True,
                build=_trajectory_entry(_raw_trajectory(_latents().half()))),
    ProjectCase("trajectory with no step", _trajectory_entry(_raw_trajectory(_latents(steps=0)))),
    ProjectCase("trajectory of 2000 steps", _trajectory_entry(_raw_trajectory(_latents(steps=2000, tokens=12)))),
    ProjectCase("trajectory of two dimensions", _trajectory_entry(_raw_trajectory(_latents()[0]))),
    ProjectCase("trajectory with a rising schedule",
                _trajectory_entry(_raw_trajectory(_latents(), torch.linspace(0, 1, 5)))),
    ProjectCase("trajectory with a NaN sigma",
                _trajectory_entry(_raw_trajectory(_latents(), torch.tensor([1.0, float("nan"), 0.5, 0.2, 0.0])))),
    ProjectCase("trajectory with a NaN latent", _trajectory_entry(_raw_trajectory(_with_nan(float("nan"))))),
    ProjectCase("trajectory with an infinite latent", _trajectory_entry(_raw_trajectory(_with_nan(float("inf"))))),
    ProjectCase("trajectory size not a multiple of 16",
                _trajectory_entry(_raw_trajectory(_latents(), height="50"))),
    ProjectCase("trajectory height is text", _trajectory_entry(_raw_trajectory(_latents(), height="tall"))),
    ProjectCase("trajectory height of 5000 digits", _trajectory_entry(_raw_trajectory(_latents(), height="9" * 5000))),
    ProjectCase("trajectory guidance NaN", _trajectory_entry(_raw_trajectory(_latents(), guidance="nan"))),
    ProjectCase("trajectory from a future format", _trajectory_entry(_raw_trajectory(_latents(), format="9"))),
    # item 5/6: the zip itself
    ProjectCase("not a zip", lambda _: b"hello, I am a project", zip_only=True),
    ProjectCase("empty file", lambda _: b"", zip_only=True),
    ProjectCase("truncated zip", lambda _: zip_bytes(base_entries())[:-200], zip_only=True),
    ProjectCase("corrupt deflate stream in the manifest", _corrupt_deflate, zip_only=True),
    ProjectCase("encrypted manifest entry", _patched_zip("manifest.json", 8, "<H", 1, also_local=6), zip_only=True),
    ProjectCase("unsupported compression (method 99)", _patched_zip("manifest.json", 10, "<H", 99, also_local=8),
                zip_only=True),
    ProjectCase("bzip2-compressed entries", lambda _: zip_bytes(base_entries(), zipfile.ZIP_BZIP2), zip_only=True),
    ProjectCase("trajectory entry declares 4 GB", _patched_zip(f"trajectories/{IDS[1]}.safetensors", 24, "<I",
                                                               0xFFFF_FFF0), zip_only=True),
    ProjectCase("manifest inflates to 80 MB", _manifest_bomb, zip_only=True),
]


def project_file_bytes(case: ProjectCase, sandbox: Path) -> bytes:
    """The case as the bytes of a ``.sfproj`` file."""
    built = case.build(sandbox)
    return built if isinstance(built, bytes) else zip_bytes(built)


def write_autosave_folder(entries: Entries, folder: Path) -> None:
    """The entries as an autosave folder (only names that stay inside it: an escaping name is
    exactly what a crafted manifest, not a crafted folder, can hold)."""
    for name, data in entries.items():
        path = folder / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


# -- recipe PNG cases (a photo's metadata) -------------------------------------------------
# (name, recipe text, prompt the photo must open with)
RECIPE_CASES: list[tuple[str, Optional[str | bytes], str]] = [
    ("valid recipe", json.dumps({"prompt": "a photo of a dog"}), "a photo of a dog"),
    ("no recipe", None, ""),
    ("recipe is a list", json.dumps(["prompt", "a dog"]), ""),
    ("recipe is a number", "42", ""),
    ("recipe is a string", json.dumps("a photo of a dog"), ""),
    ("recipe nested 100000 deep", _deep_json(100_000).decode(), ""),
    ("recipe nested 40 deep", json.dumps({"prompt": "a dog", "x": json.loads(_deep_json(40))}), ""),
    ("prompt is a list", json.dumps({"prompt": ["a", "b"]}), ""),
    ("prompt is a table", json.dumps({"prompt": {"x": 1}}), ""),
    ("prompt is 1e308", '{"prompt": 1e308}', ""),
    ("prompt is true", '{"prompt": true}', ""),
    ("prompt is NaN", '{"prompt": NaN}', ""),
    ("prompt is Infinity", '{"prompt": Infinity}', ""),
    ("prompt is null", '{"prompt": null}', ""),
    ("prompt is a megabyte", json.dumps({"prompt": "x" * 2**20}), ""),
    ("recipe is not JSON", "{prompt: dog", ""),
    ("recipe in a Latin-1 tEXt chunk", b"{\"prompt\": \"caf\xe9\"}", "caf\u00e9"),  # tEXt is Latin-1 by the PNG spec
]


def recipe_png_bytes(text: Optional[str | bytes], compressed: bool = False) -> bytes:
    """A valid photo whose recipe chunk holds ``text`` verbatim (zTXt when ``compressed``)."""
    info = PngImagePlugin.PngInfo()
    if text is not None:
        if isinstance(text, bytes):
            info.add(b"tEXt", RECIPE_KEY.encode("latin-1") + b"\0" + text)
        else:
            info.add_text(RECIPE_KEY, text, zip=compressed)
    buffer = io.BytesIO()
    gradient_photo(WIDTH, HEIGHT, seed=9).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def recipe_bomb_png() -> bytes:
    """A photo whose compressed recipe chunk inflates to 64 MB."""
    return recipe_png_bytes(json.dumps({"prompt": "a dog", "pad": " " * 64 * 2**20}), compressed=True)


# -- latent-cache entries --------------------------------------------------------------------
def cache_trajectory_cases() -> list[tuple[str, bytes]]:
    """(name, entry data) for the latent cache: each well checksummed, none usable."""
    return [
        ("NaN latent", _raw_trajectory(_with_nan(float("nan")))),
        ("infinite latent", _raw_trajectory(_with_nan(float("-inf")))),
        ("wrong token count", _raw_trajectory(_latents(tokens=3))),
        ("wrong channels", _raw_trajectory(_latents(channels=8))),
        ("int64 latents", _raw_trajectory(_latents().long())),
        ("no step", _raw_trajectory(_latents(steps=0))),
        ("garbage", b"\x08\x00\x00\x00\x00\x00\x00\x00{}garbage"),
    ]


# -- command lines ---------------------------------------------------------------------------
def cli_cases(sandbox: Path) -> list[tuple[str, list[str], str]]:
    """(name, argv, text the one error line must contain); ``sandbox/out`` must never be created.

    Files the cases name (a FIFO, an empty token file, a photo) are made by :func:`cli_fixtures`.
    """
    out = str(sandbox / "out")
    fast = ["--model", "tiny-random", "--max-sequence-length", "16"]
    photo = str(sandbox / "in" / "photo.png")
    edit = ["edit", "--prompts", "a photo", "a cat", *fast]
    return [
        ("misspelt token option", [*edit, "--output", out, "--hf_tokn", SECRET], "unrecognized"),
        ("abbreviated token option", [*edit, "--output", out, f"--hf={SECRET}"], "ambiguous"),
        ("token as a stray argument", [*edit, "--output", out, SECRET], "unrecognized"),
        ("token for the wrong command", ["bench", "--model", "tiny-random", "--hf-tokn", SECRET], "unrecognized"),
        ("empty --output", [*edit, "--output", ""], "empty"),
        ("--output is a file", [*edit, "--output", photo], "not a folder"),
        ("FIFO as --input-image", [*edit, "--output", out, "--input-image", str(sandbox / "in" / "fifo")],
         "not a regular file"),
        ("device as --input-image", [*edit, "--output", out, "--input-image", "/dev/zero"], "not a regular file"),
        ("folder as --input-image", [*edit, "--output", out, "--input-image", str(sandbox / "in")], "folder"),
        ("missing --input-image", [*edit, "--output", out, "--input-image", str(sandbox / "none.png")], "not found"),
        ("900-megapixel --input-image", [*edit, "--output", out, "--input-image", str(sandbox / "in" / "bomb.png")],
         "too large"),
        ("one prompt only", ["edit", "--prompts", "a photo", *fast, "--output", out], "two prompts"),
        ("missing --hf-token-file", [*edit, "--output", out, "--hf-token-file", str(sandbox / "none.txt")],
         "cannot read"),
        ("empty --hf-token-file", [*edit, "--output", out, "--hf-token-file", str(sandbox / "in" / "empty.txt")],
         "empty"),
        ("FIFO as --hf-token-file", [*edit, "--output", out, "--hf-token-file", str(sandbox / "in" / "fifo")],
         "cannot read"),
        ("--hf-token and --hf-token-file", [*edit, "--output", out, "--hf-token", SECRET, "--hf-token-file",
                                            str(sandbox / "in" / "token.txt")], "not both"),
        ("model that cannot load", ["edit", "--prompts", "a photo", "a cat", "--model", str(sandbox / "no-model"),
                                    "--output", out, "--hf-token", SECRET], "model"),
        ("chain with a model that cannot load", ["chain", "--prompt", "a photo", "--edits", "a cat", "--model",
                                                 str(sandbox / "no-model"), "--output", out], "model"),
        ("compare with a FIFO photo", ["compare", "--input-image", str(sandbox / "in" / "fifo"), "--prompts",
                                       "a photo", "a cat", *fast, "--output", out], "not a regular file"),
    ]


def cli_fixtures(sandbox: Path) -> None:
    """The files :func:`cli_cases` names, under ``sandbox/in``."""
    import os

    folder = sandbox / "in"
    folder.mkdir(parents=True, exist_ok=True)
    gradient_photo(WIDTH, HEIGHT).save(folder / "photo.png")
    (folder / "bomb.png").write_bytes(_png_header_only(30_000, 30_000))
    (folder / "empty.txt").write_text("\n\n")
    (folder / "token.txt").write_text(SECRET + "\n")
    if hasattr(os, "mkfifo") and not (folder / "fifo").exists():
        os.mkfifo(folder / "fifo")


def corpus_counts() -> dict[str, int]:
    """How many cases of each kind the corpus holds."""
    sandbox = Path("/sandbox")
    return {"project files": len(PROJECT_CASES),
            "autosave folders": sum(not case.zip_only for case in PROJECT_CASES),
            "recipe PNGs": len(RECIPE_CASES) + 1, "cache entries": len(cache_trajectory_cases()),
            "command lines": len(cli_cases(sandbox))}


def main(argv: list[str]) -> int:
    """Write every project and recipe case into a folder (for looking at them by hand)."""
    folder = Path(argv[0]) if argv else Path("hostile-corpus")
    folder.mkdir(parents=True, exist_ok=True)
    for index, case in enumerate(PROJECT_CASES):
        (folder / f"project-{index:03}.sfproj").write_bytes(project_file_bytes(case, folder.absolute()))
    for index, (_, text, _) in enumerate(RECIPE_CASES):
        (folder / f"recipe-{index:03}.png").write_bytes(recipe_png_bytes(text))
    print(json.dumps(corpus_counts()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
