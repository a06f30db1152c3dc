"""Florence-2 captions (tiny random model built in code): loading, offline, and auto descriptions in a batch."""

from __future__ import annotations

import pytest

from core.batch.source_prompts import SourcePrompts
from core.model.captioning import CaptionModelMissing, caption_model_is_downloaded, load_captioner
from core.model.tiny_florence import TINY_CAPTION_MODEL_ID, build_tiny_florence2
from tests.helpers import gradient_photo


@pytest.fixture(scope="module")
def captioner():
    return load_captioner(TINY_CAPTION_MODEL_ID)


def test_the_tiny_captioner_writes_words_the_same_way_every_time(captioner):
    image = gradient_photo(80, 60)
    caption = captioner(image)
    assert caption.strip() and len(caption.split()) >= 3 and "<" not in caption
    assert load_captioner(TINY_CAPTION_MODEL_ID)(image) == caption  # built from a fixed seed


def test_a_local_florence2_folder_loads_through_transformers(tmp_path, captioner):
    model, processor = build_tiny_florence2()
    model.save_pretrained(tmp_path / "florence")
    processor.save_pretrained(tmp_path / "florence")
    assert caption_model_is_downloaded(str(tmp_path / "florence"))
    loaded = load_captioner(str(tmp_path / "florence"))
    image = gradient_photo(64, 64, seed=3)
    assert loaded(image) == captioner(image)


def test_without_the_model_one_line_says_how_to_get_it(tmp_path):
    assert not caption_model_is_downloaded("florence-community/Florence-2-base")
    with pytest.raises(CaptionModelMissing) as missing:
        load_captioner("florence-community/Florence-2-base")  # tests run with HF_HUB_OFFLINE=1
    assert "not downloaded" in str(missing.value) and "Model setup" in str(missing.value)
    assert "\n" not in str(missing.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CaptionModelMissing, match="no config.json"):
        load_captioner(str(tmp_path / "empty"))


def test_auto_descriptions_use_the_captioner_and_key_results_by_its_id(tmp_path, captioner):
    photo = tmp_path / "p.png"
    image = gradient_photo(64, 48)
    image.save(photo)
    sources = SourcePrompts("auto", captioner=captioner, captioner_id=TINY_CAPTION_MODEL_ID)
    assert sources.needs_captioner and sources.spec_for(photo) == f"auto:{TINY_CAPTION_MODEL_ID}"
    assert sources.prompt_for(photo, image) == captioner(image)
    with pytest.raises(Exception, match="captioning model"):
        SourcePrompts("auto").prompt_for(photo, image)
