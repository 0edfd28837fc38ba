"""Quality checks: what a subtitler or dubbing editor would fix is flagged, the rest is not."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from qavix_lab.errors import ValidationError
from qavix_lab.transcripts import Timeline, plot_qa, qa, qa_summary, sentence_metrics
from qavix_lab.transcripts.profiles import PROFILES, Profile, profile_for

EN = PROFILES["en"]


def timeline(*rows: tuple[float, float, str], lang: str | None = "en", **extra) -> Timeline:
    return Timeline.from_sentences(
        [{"start": s, "end": e, "text": t, **{k: v[i] for k, v in extra.items()}}
         for i, (s, e, t) in enumerate(rows)], lang=lang)


def checks(findings: pd.DataFrame, sentence: int) -> dict[str, str]:
    rows = findings[findings["sentence"] == sentence]
    return dict(zip(rows["check"].astype(str), rows["severity"].astype(str), strict=True))


def test_findings_table_shape_and_dtypes():
    found = qa(timeline((0, 1, "x" * 30), (1.5, 4, "Fine and calm.")))
    assert list(found.columns) == ["sentence", "start", "end", "speaker", "check", "value",
                                   "limit", "severity", "message", "unit"]
    assert found["severity"].dtype == pd.CategoricalDtype(["info", "warning", "error"],
                                                          ordered=True)
    assert str(found["sentence"].dtype) == "Int64" and str(found["message"].dtype) == "string"
    assert set(found["sentence"]) == {0}


def test_reading_speed_is_flagged_above_the_limit_and_worse_above_a_fifth_more():
    wide = Profile("wide lines", max_chars_per_line=200)
    limit = wide.max_cps
    ok = "a" * int(limit * 2)                      # exactly the limit over 2 s
    fast = "a" * int(limit * 2 + 4)                # a little over
    very = "a" * int(limit * 2 * 1.3)              # far over
    found = qa(timeline((0, 2, ok), (3, 5, fast), (6, 8, very)), profile=wide)
    assert "reading_speed" not in checks(found, 0)
    assert checks(found, 1)["reading_speed"] == "warning"
    assert checks(found, 2)["reading_speed"] == "error"
    row = found[(found["sentence"] == 1) & (found["check"] == "reading_speed")].iloc[0]
    assert row["value"] == pytest.approx(len(fast) / 2) and row["limit"] == limit


def test_chinese_counts_characters_with_its_own_limits():
    nine_per_second = "我" * 18
    zh = qa(timeline((0, 2, nine_per_second), (3, 5, nine_per_second + "们"), lang="zh"))
    assert "reading_speed" not in checks(zh, 0)
    assert checks(zh, 1)["reading_speed"] == "warning"
    latin_half = sentence_metrics(timeline((0, 1, "我们AB"), lang="zh"))["chars"][0]
    assert latin_half == 3.0  # two full-width characters, two half-width letters


def test_children_profile_is_stricter():
    text = "a" * 18 * 2  # 18 chars/s: fine for adults (20), too fast for children (17)
    assert qa(timeline((0, 2, text)), profile="en").empty
    assert checks(qa(timeline((0, 2, text)), profile="en-children"), 0)["reading_speed"]


def test_line_length_and_line_count_after_breaking():
    long_word = "Pneumonoultramicroscopicsilicovolcanoconiosis-and-more-and-more"
    three_lines = " ".join(["word"] * 40)
    found = qa(timeline((0, 6, long_word), (7, 14, three_lines)), profile=dataclasses.replace(
        EN, max_cps=100))
    assert checks(found, 0) == {"line_length": "error"}
    assert checks(found, 1)["lines"] == "error"


def test_durations_outside_five_sixths_to_seven_seconds_in_frames():
    # At 24 fps: 5/6 s is 20 frames and 7 s is 168; at 25 fps 5/6 s needs 21 frames.
    found = qa(timeline((0, 19 / 24, "Hi."), (1, 1 + 20 / 24, "Yes."), (3, 3 + 169 / 24,
                                                                          "A slow thought.")))
    assert checks(found, 0)["duration"] == "warning"
    assert found.loc[found["sentence"] == 0, "value"].iloc[0] == 19
    assert "duration" not in checks(found, 1)
    assert checks(found, 2)["duration"] == "warning"
    at25 = qa(timeline((0, 20 / 25, "Hi."), (2, 2 + 21 / 25, "Yes.")), fps=25)
    assert checks(at25, 0)["duration"] == "warning" and "duration" not in checks(at25, 1)


def test_gaps_flicker_chaining_and_overlaps_in_frames():
    f = 1 / 24
    found = qa(timeline((0, 2, "One."), (2.0, 4, "Two."), (4 + f, 6, "Three."),
                        (6 + 2 * f, 8, "Four."), (8 + 5 * f, 10, "Five."),
                        (10 + 12 * f, 12, "Six."), (11.5, 14, "Seven.")))
    assert checks(found, 0)["gap"] == "error"        # touching: no 2-frame gap
    assert checks(found, 1)["gap"] == "error"        # 1 frame: flicker
    assert "gap" not in checks(found, 2) and "chaining" not in checks(found, 2)  # 2 frames
    assert checks(found, 3)["chaining"] == "warning"  # 5 frames: close it to 2
    assert not checks(found, 4)                      # 12 frames: apart
    assert checks(found, 5)["overlap"] == "error"
    row = found[(found["sentence"] == 3) & (found["check"] == "chaining")].iloc[0]
    assert (row["value"], row["limit"], row["unit"]) == (5, 12, "frames")


def test_dub_fit_and_length_ratio_for_a_translation():
    source = timeline((0, 2, "你好。"), (3, 5, "今天天气很好。"), lang="zh",
                      translation=["Hello, and a very warm welcome to everybody watching.",
                                   "Nice weather."])
    translated = source.translated(lang="en")
    found = qa(translated, source=source)
    assert checks(found, 0)["speech_fit"] == "error"
    assert checks(found, 0)["length_ratio"] == "warning"
    assert "speech_fit" not in checks(found, 1)
    metrics = sentence_metrics(translated, source=source)
    assert metrics["speech_fit"][1] == pytest.approx(len("Nice weather.") / EN.speaking_cps / 2)


def test_duration_ratio_against_the_source_timing():
    source = timeline((0, 2, "One."), (3, 5, "Two."))
    retimed = Timeline.from_sentences([
        {"start": 0, "end": 2.1, "text": "Uno.", "segment_id": "0"},
        {"start": 3, "end": 6.5, "text": "Dos.", "segment_id": "1"}], lang="es")
    found = qa(retimed, source=source)
    assert "duration_ratio" not in checks(found, 0)
    assert checks(found, 1)["duration_ratio"] == "warning"


def test_speaking_rate_outlier_and_punctuation_only():
    rows = [(i * 3.0, i * 3.0 + 2, "a steady sentence") for i in range(12)]
    rows.append((40.0, 40.5, "a steady sentence"))
    rows.append((42.0, 44.0, "…"))
    found = qa(timeline(*rows), profile=dataclasses.replace(EN, max_cps=100, min_duration=0.1))
    assert checks(found, 12) == {"speaking_rate": "warning"}
    assert checks(found, 13)["no_words"] == "warning"
    assert not any(checks(found, i) for i in range(12))


def test_one_finding_per_sentence_and_check_the_most_severe():
    found = qa(timeline((0, 1, "a" * 40)), profile=Profile("tight", max_chars_per_line=100))
    assert found.groupby(["sentence", "check"], observed=True).size().max() == 1
    assert checks(found, 0)["reading_speed"] == "error"


def test_summary_counts_and_shares():
    found = qa(timeline((0, 0.5, "Hi."), (0.52, 1, "Yo."), (2, 3, "Fine, thanks.")))
    summary = qa_summary(found)
    assert summary.loc["duration", "warning"] == 2
    assert summary.loc["gap", "error"] == 1
    assert summary.loc["duration", "share"] == pytest.approx(2 / 3)
    assert list(summary.columns[:3]) == ["info", "warning", "error"]


def test_plot_qa_is_a_figure_even_without_findings(tmp_path):
    found = qa(timeline((0, 0.5, "Hi."), (0.52, 1, "Yo.")))
    figure = plot_qa(found)
    figure.savefig(tmp_path / "qa.png")
    assert (tmp_path / "qa.png").stat().st_size > 3000
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == list(
        qa_summary(found).index)
    empty = plot_qa(qa(timeline((0, 2, "Fine."))))
    assert "no findings" in [t.get_text() for t in empty.axes[0].texts]


def test_profiles_by_name_language_or_script():
    assert profile_for("zh") is PROFILES["zh"]
    assert profile_for(None, "zh-CN") is PROFILES["zh"]
    assert profile_for(None, "en_US") is PROFILES["en"]
    assert profile_for(None, None, pd.Series(["这是中文。"])) is PROFILES["zh"]
    assert profile_for(None, "fr", pd.Series(["Bonjour."])) is PROFILES["default"]
    assert profile_for(None, None, pd.Series(["안녕하세요 여러분"])) is PROFILES["ko"]
    assert profile_for(None, None, pd.Series(["こんにちは、世界"])) is PROFILES["ja"]
    with pytest.raises(ValidationError, match="no QA profile 'xx'"):
        profile_for("xx")
    assert PROFILES["en"].min_gap == pytest.approx(2 / 24)
