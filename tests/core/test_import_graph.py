"""The rooms of core/ depend one way only, and the front ends use core through its public rooms.

Read with the stdlib ``ast`` module, so every import counts, including ones inside functions
(those only defer loading; they are still a dependency). Imports under ``if TYPE_CHECKING:``
count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Lowest first: a room may import its own modules and rooms listed before it, never after.
ROOM_ORDER = [
    "api", "rules", "storage", "demo_world", "flux", "model", "sampling", "methods", "vital",
    "engine", "session", "batch", "demo_model",
]

# What each front end may import from core, and why it needs more than api/engine/session.
FRONT_END_ROOMS = {
    "cli": {
        "api", "engine", "session", "batch", "rules",  # batch runs; defaults for --help without torch
        "storage",  # reading photos and recipes, writing outputs
        "flux",  # --mask files
        "model",  # --model and --device choices, loading
        "vital",  # detect-vital-layers
        "methods",  # compare lists the methods
        "demo_world", "demo_model",  # make-demo-samples, train-demo-model
    },
    "gui": {
        "api", "engine", "session", "rules",
        "batch",  # the batch dialog runs core's batch runner
        "storage",  # app folders, settings file, photos, recipes in PNGs
        "model",  # the model setup dialog, devices, memory modes, downloads, captions
        "methods",  # the method catalog and fast previews
        "flux",  # masks painted on the canvas
        "vital",  # vital-layer sets in the settings
        "demo_world",  # the demo's sample photos
    },
}


def _room(module: str) -> str:
    """``core.model.loading`` -> ``model``; ``core.engine`` -> ``engine``."""
    return module.split(".")[1] if module.count(".") >= 1 else ""


def _imports(path: Path) -> set[str]:
    """Every ``core.*`` module imported by ``path`` (``from core.x import y`` names ``core.x``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "core" else [f"core.{a.name}" for a in node.names]
            found.update(name for name in names if name.startswith("core."))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("core."))
    return found


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _core_graph() -> dict[str, set[str]]:
    return {_module_name(path): _imports(path) for path in sorted((ROOT / "core").rglob("*.py"))}


def test_every_module_of_core_lives_in_a_known_room() -> None:
    rooms = {_room(module) for module in _core_graph() if module != "core"}
    assert rooms <= set(ROOM_ORDER), f"rooms missing from ROOM_ORDER: {sorted(rooms - set(ROOM_ORDER))}"


def test_no_room_imports_a_room_above_it() -> None:
    rank = {room: index for index, room in enumerate(ROOM_ORDER)}
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in _core_graph().items() if module != "core"
        for target in targets if rank[_room(target)] > rank[_room(module)]
    )
    assert upward == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk of ``edges`` meets, each as the path that closes it."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    return cycles


def test_core_has_no_import_cycle() -> None:
    graph = _core_graph()
    known = set(graph)

    def resolve(name: str) -> str:
        return name if name in known else name.rpartition(".")[0]  # "core.x.Name" -> "core.x"

    edges = {module: {resolve(t) for t in targets} & known - {module} for module, targets in graph.items()}
    assert _cycles(edges) == []


def test_the_checks_see_imports_of_every_form_and_find_a_cycle(tmp_path: Path) -> None:
    """The checkers themselves: each import form is read, and a cycle two modules away is reported."""
    (tmp_path / "a.py").write_text("from core.x import b\nimport json\n")
    (tmp_path / "b.py").write_text("import core.y.c\nfrom core import z\ndef f():\n    from core.w import v\n")
    assert _imports(tmp_path / "a.py") == {"core.x"}
    assert _imports(tmp_path / "b.py") == {"core.y.c", "core.z", "core.w"}
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_front_ends_use_only_their_rooms_of_core() -> None:
    wrong = []
    for front_end, allowed in FRONT_END_ROOMS.items():
        for path in sorted((ROOT / front_end).rglob("*.py")):
            wrong += [f"{path.relative_to(ROOT)} -> {target}" for target in sorted(_imports(path))
                      if _room(target) not in allowed]
    assert wrong == []
