"""benchmarks/bench_quality.py runs every row on a photo through the engine (its photo store
must answer the engine as any inversion store does)."""

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_quality.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_quality", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_photo_part_edits_a_photo_with_every_row_and_reconstructs_it(tiny_model, tmp_path):
    from core.engine import Engine
    from core.model.vital_layers import vital_layers_for

    bench = _bench()
    engine = Engine(tiny_model, bench.OnePhotoStore())
    layers = bench.layer_sets(tiny_model, vital_layers_for(tiny_model.model_id, tiny_model.layout))
    result = bench.run_photos(engine, layers, 0, 1, 2, tmp_path / "grid.png")
    assert {label: len(scores) for label, scores in result["scores"].items()} == {row.label: 1 for row in bench.ROWS}
    assert all(len(values) == 1 for values in result["inversion"].values())
    assert (tmp_path / "grid.png").is_file()
