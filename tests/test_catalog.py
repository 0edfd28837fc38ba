"""The sandbox's voice catalog: shape, realism, edge cases and speech traits."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime

import pytest

from qavix_lab.errors import ValidationError
from qavix_lab.sandbox import catalog
from qavix_lab.sandbox.catalog import (
    audition_text,
    build_catalog,
    clone_record,
    generate_catalog,
    voice_traits,
)
from qavix_lab.sandbox.speech import VoiceTraits
from qavix_lab.spec.models import Voice

TIMBRE_KEYS = {f.metadata["wire"] for f in dataclasses.fields(Voice) if "wire" in f.metadata}


def url(voice_id: int) -> str:
    return f"http://sandbox.test/audition/{voice_id}.mp3"


@pytest.fixture(scope="module")
def voices():
    return build_catalog(url)


def test_every_record_has_exactly_the_timbre_info_fields(voices):
    assert all(set(v) == TIMBRE_KEYS for v in voices)


def test_default_catalog_is_large_and_multilingual(voices):
    langs = Counter(v["lang"] for v in voices)
    assert len(voices) >= 72
    assert {"zh", "en", "ja", "ko", "es", "fr", "de", "pt", "ru", "ar"} <= set(langs)
    assert all({v["gender"] for v in voices if v["lang"] == lang} == {1, 2} for lang in langs)


def test_ids_are_unique_int64_above_float_precision(voices):
    ids = [v["id"] for v in voices]
    assert len(set(ids)) == len(ids)
    assert all(type(i) is int and 2**53 < i < 2**63 for i in ids)
    assert any(int(float(i)) != i for i in ids)


def test_descriptions_agree_with_codes(voices):
    for v in voices:
        assert v["genderStr"] == catalog.GENDERS[v["gender"]]
        assert v["ageRangeStr"] == catalog.AGE_RANGES[v["ageRange"]]
        assert v["emotionStr"] == catalog.EMOTIONS[v["emotion"]]
        assert v["accentStr"] == catalog.ACCENTS[v["accent"]]
        assert v["langName"] == catalog.LANGUAGES[v["lang"]]
        assert v["categoryStrList"] == [catalog.CATEGORIES[c] for c in v["categoryList"]]


def test_english_has_calm_female_voices_and_a_spread(voices):
    english = [v for v in voices if v["lang"] == "en"]
    calm_women = [v for v in english if v["gender"] == 2 and v["emotionStr"] == "Calm"
                  and v["status"] == 0]
    assert len(calm_women) >= 3
    assert len({v["emotion"] for v in english}) >= 5
    assert len({v["ageRange"] for v in english}) == 4
    assert len({v["accent"] for v in english}) >= 3


def test_catalog_holds_the_edge_cases_real_catalogs_have(voices):
    disabled = [v for v in voices if v["status"] == 1]
    assert 1 <= len(disabled) <= len(voices) // 10
    assert any(v["categoryList"] == [] for v in voices)
    assert sum(v["remark"] is None for v in voices) == 1


def test_names_are_distinct_and_audition_urls_come_from_the_server(voices):
    assert len({v["name"] for v in voices}) == len(voices)
    assert all(v["auditionUrl"] == url(v["id"]) for v in voices)


def test_times_use_the_service_format_and_updates_follow_creation(voices):
    for v in voices:
        created = datetime.strptime(v["createTime"], "%Y-%m-%d %H:%M:%S")
        updated = datetime.strptime(v["updateTime"], "%Y-%m-%d %H:%M:%S")
        assert created <= updated


def test_counts_are_plausible_int32(voices):
    for v in voices:
        for key in ("hotCount", "useCount", "collectCount"):
            assert type(v[key]) is int and 0 <= v[key] < 2**31
        assert v["collectCount"] <= v["useCount"]
    assert len({v["hotCount"] for v in voices}) > len(voices) // 2


def test_same_seed_same_catalog_and_prefixes_agree(voices):
    assert build_catalog(url) == voices
    assert build_catalog(url, seed=8) != voices
    first = build_catalog(url, n=12)
    assert first == voices[:12]
    assert len({v["lang"] for v in first}) == 12


def test_a_larger_catalog_goes_on_with_numbered_namesakes(voices):
    more = build_catalog(url, n=len(voices) + 5)
    assert more[: len(voices)] == voices
    assert more[len(voices)]["name"] == f"{voices[0]['name']} 2"
    assert len({v["id"] for v in more}) == len(more)


def test_negative_size_is_refused():
    with pytest.raises(ValidationError):
        build_catalog(url, n=-1)


def test_generated_catalog_has_the_same_shape():
    records = generate_catalog(500, seed=3)
    assert len(records) == 500
    assert all(set(v) == TIMBRE_KEYS for v in records)
    assert len({v["id"] for v in records}) == 500


def test_voice_traits_follow_the_codes(voices):
    for v in voices:
        traits = voice_traits(v)
        assert traits["gender"] == v["genderStr"].lower()
        assert traits["emotion"] == v["emotionStr"].lower()
        assert traits["lang"] == v["lang"]
        VoiceTraits(**traits)
    ages = {voice_traits(v)["age"] for v in voices}
    assert ages == {"child", "young", "middle", "senior"}
    assert len({voice_traits(v)["seed"] for v in voices}) == len(voices)


def test_clone_record_is_a_personal_clone_with_stable_traits():
    record = clone_record(987654321012345678, "My voice", url, now=datetime(2025, 1, 2, 3, 4, 5,
                                                                        tzinfo=catalog.SERVICE_TZ))
    assert set(record) == TIMBRE_KEYS
    assert (record["type"], record["status"], record["gender"]) == (2, 0, None)
    assert record["createTime"] == "2025-01-02 03:04:05"
    assert record["auditionUrl"] == url(987654321012345678)
    traits = voice_traits(record)
    assert traits == voice_traits(dict(record))
    VoiceTraits(**traits)


def test_audition_text_speaks_the_voice_language(voices):
    chinese = next(v for v in voices if v["lang"] == "zh")
    assert chinese["name"] in audition_text(chinese)
    assert "你好" in audition_text(chinese)
    assert audition_text({"lang": "xx", "name": "Zed"}).startswith("Hello, I'm Zed")
