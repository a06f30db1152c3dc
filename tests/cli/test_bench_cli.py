"""``python main.py bench`` runs on the CPU with tiny-random and reports every figure."""

import json

from cli.app import run_cli


def test_bench_prints_the_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    code = run_cli(["bench", "--model", "tiny-random", "--device", "cpu", "--height", "64", "--width", "48",
                    "--steps", "3", "--max-sequence-length", "16", "--configs", "eager,fused-qkv",
                    "--output", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "stock FluxPipeline, same batch" in printed and "re-edit, cached inversion + K/V" in printed
    assert "re-edit K/V: 100% of steps replayed" in printed
    result = json.loads(out.read_text())
    assert [r["config"] for r in result["reports"]] == ["eager", "fused-qkv"]
    measurements = {m["name"]: m for m in result["reports"][0]["measurements"]}
    assert measurements["stock FluxPipeline, same batch"]["transformer_passes"] == 3
    assert measurements["first photo edit"]["transformer_passes"] == 6  # inversion + editing
    assert measurements["re-edit, cached inversion"]["transformer_passes"] == 3
    assert set(result["reports"][0]["ratios"]) == {
        "generated edit per step / stock per step",
        "first photo edit / re-edit (cached inversion)",
        "first photo edit / re-edit (cached inversion + K/V)",
    }


def test_bench_refuses_unknown_speed_options(tmp_path, capsys):
    code = run_cli(["bench", "--model", "tiny-random", "--configs", "eager,turbo"])
    assert code == 2
    assert "unknown speed option 'turbo'" in capsys.readouterr().err
