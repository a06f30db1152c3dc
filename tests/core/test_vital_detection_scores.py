"""Scoring and choosing vital layers on known numbers, the chart, and the detection prompts."""

import pytest

from core.api.errors import ParameterError
from core.vital.chart import (
    DOUBLE_CHOSEN_COLOUR,
    DOUBLE_COLOUR,
    SINGLE_CHOSEN_COLOUR,
    SINGLE_COLOUR,
    ChartGeometry,
    draw_similarity_chart,
)
from core.model.vital_layers import BlockLayout
from core.vital.detection import default_prompts_file, read_prompts_file
from core.vital.scores import LayerScores, check_selection, choose_layers


def test_vitality_ranking_and_chosen_set_follow_known_similarities():
    similarities = [[0.9, 0.5, 0.99, 0.7], [0.7, 0.5, 0.97, 0.9]]
    scores = LayerScores.from_similarities(similarities)
    assert scores.mean_similarity == pytest.approx((0.8, 0.5, 0.98, 0.8))
    assert scores.vitality == pytest.approx((0.2, 0.5, 0.02, 0.2))
    assert scores.ranking() == [1, 0, 3, 2]  # equal vitality: the lower index first
    assert choose_layers(scores, top_k=1) == (1,)
    assert choose_layers(scores, top_k=2) == (0, 1)
    assert choose_layers(scores, top_k=4) == (0, 1, 2, 3)
    assert choose_layers(scores, threshold=0.1) == (0, 1, 3)
    assert choose_layers(scores, threshold=0.5) == ()  # strictly above the threshold


def test_default_choice_is_the_ten_most_vital_layers():
    similarity = [0.95] * 57
    vital = [0, 1, 2, 17, 18, 25, 28, 53, 54, 56]
    for rank, layer in enumerate(vital):
        similarity[layer] = 0.3 + rank * 0.01
    scores = LayerScores(tuple(similarity))
    assert choose_layers(scores) == tuple(vital)
    assert scores.ranking()[:10] == vital


def test_bad_selections_are_refused_in_one_line():
    scores = LayerScores((0.5, 0.6, 0.7))
    with pytest.raises(ParameterError, match="more than this model's 3 blocks: choose at most 3"):
        choose_layers(scores, top_k=4)
    with pytest.raises(ParameterError, match="not both"):
        check_selection(2, 0.1)
    with pytest.raises(ParameterError, match="at least 1"):
        check_selection(0, None)
    with pytest.raises(ParameterError, match="must be a number"):
        check_selection(None, float("nan"))


def _bar_colour_and_top(image, geometry, layer):
    x0, x1 = geometry.bar_span(layer)
    x = (x0 + x1) // 2
    bottom = geometry.y(geometry.y_min) - 2
    colour = image.getpixel((x, bottom))
    top = next(y for y in range(geometry.y(1.0), bottom) if image.getpixel((x, y)) == colour)
    return colour, top


def test_chart_tells_block_kinds_and_chosen_layers_apart_and_bars_follow_similarity():
    similarity = [0.4, 0.9, 0.95, 0.5, 0.8, 0.97]
    image = draw_similarity_chart(similarity, BlockLayout(2, 4), [0, 3], "tiny: test", threshold=0.3)
    geometry = ChartGeometry.for_values(similarity)
    assert image.size == (geometry.width, geometry.height)
    bars = [_bar_colour_and_top(image, geometry, layer) for layer in range(6)]
    colours = [colour for colour, _ in bars]
    assert colours == [DOUBLE_CHOSEN_COLOUR, DOUBLE_COLOUR, SINGLE_COLOUR, SINGLE_CHOSEN_COLOUR, SINGLE_COLOUR,
                       SINGLE_COLOUR]
    tops = [top for _, top in bars]
    by_height = sorted(range(6), key=lambda layer: tops[layer])  # higher bar = smaller row
    assert by_height == sorted(range(6), key=lambda layer: -similarity[layer])


def test_chart_axis_zooms_in_on_close_similarities():
    geometry = ChartGeometry.for_values([0.99991, 0.99996, 0.99999])
    ticks = geometry.ticks()
    assert 0.9998 < ticks[0] <= 0.99991 and ticks[-1] == pytest.approx(1.0)
    assert geometry.y(0.99991) > geometry.y(0.99996) > geometry.y(1.0)


def test_shipped_prompts_are_64_distinct_scenes():
    prompts = read_prompts_file(default_prompts_file())
    assert len(prompts) == 64 and len(set(prompts)) == 64
    assert all(3 <= len(prompt.split()) <= 12 for prompt in prompts)


def test_prompt_files_skip_blank_and_comment_lines_and_refuse_missing_or_empty_ones(tmp_path):
    good = tmp_path / "p.txt"
    good.write_text("# scenes\na red apple\n\n  a blue car  \n", encoding="utf-8")
    assert read_prompts_file(good) == ["a red apple", "a blue car"]
    with pytest.raises(ParameterError, match="prompts file not found"):
        read_prompts_file(tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n# only a comment\n   \n", encoding="utf-8")
    with pytest.raises(ParameterError, match="has no prompts"):
        read_prompts_file(empty)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ParameterError, match="not UTF-8"):
        read_prompts_file(binary)


def test_the_chart_names_the_metric_the_detection_measured_with():
    from core.vital.report import metric_name

    assert metric_name("demo-vae") == "demo-VAE latent"  # the demo model's detection, not DINOv2
    assert metric_name("facebook/dinov2-base") == "DINOv2"
    similarity = [0.4, 0.9, 0.95, 0.5, 0.8, 0.97]
    default = draw_similarity_chart(similarity, BlockLayout(2, 4), [0], "t")
    named = draw_similarity_chart(similarity, BlockLayout(2, 4), [0], "t", metric="demo-VAE latent")
    assert default.tobytes() != named.tobytes()  # the axis label is drawn from the metric
