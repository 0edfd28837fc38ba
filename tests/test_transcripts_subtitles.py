"""SRT, WebVTT and bilingual SRT out; the task's SRT back in and compared with the transcript."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import srt
from hypothesis import given, settings
from hypothesis import strategies as st

from qavix_lab.errors import TranscriptFormatError
from qavix_lab.transcripts import Timeline, compare_timing, from_task, read_srt
from qavix_lab.transcripts.script import break_lines

DATA = Path(__file__).resolve().parents[1] / "datasets" / "transcripts"


@pytest.fixture(scope="module")
def pair() -> tuple[Timeline, Timeline]:
    return from_task(json.loads((DATA / "task_query.json").read_text(encoding="utf-8")))


def test_srt_is_valid_subrip_with_the_sentence_times(pair):
    _, translated = pair
    cues = list(srt.parse(translated.to_srt()))
    s = translated.sentences
    assert [c.start.total_seconds() for c in cues] == s["start"].tolist()
    assert [c.end.total_seconds() for c in cues] == s["end"].tolist()
    assert [c.content.replace("\n", " ") for c in cues] == s["text"].tolist()


def test_lines_are_broken_at_the_profile_limit(pair):
    _, translated = pair
    for cue in srt.parse(translated.to_srt()):
        assert max(len(line) for line in cue.content.splitlines()) <= 42
    narrow = list(srt.parse(translated.to_srt(max_chars=20)))
    assert all(len(line) <= 20 for c in narrow for line in c.content.splitlines())
    assert any(len(c.content.splitlines()) > 1 for c in narrow)


def test_chinese_lines_follow_the_sixteen_character_limit():
    t = Timeline.from_sentences([{"start": 0, "end": 4, "text":
                                  "大家好，欢迎收看今天的节目，我们今天要聊一聊人工智能。"}],
                                lang="zh")
    (cue,) = srt.parse(t.to_srt())
    assert cue.content.splitlines() == ["大家好，欢迎收看今天的节目，",
                                        "我们今天要聊一聊人工智能。"]


def test_vtt_has_its_header_dot_milliseconds_and_escapes():
    t = Timeline.from_sentences([{"start": 3661.5, "end": 3663.25, "text": "a <b> & c --> d"}])
    vtt = t.to_vtt()
    assert vtt.startswith("WEBVTT\n\n1\n01:01:01.500 --> 01:01:03.250\n")
    assert "a &lt;b&gt; &amp; c --&gt; d" in vtt


def test_bilingual_srt_puts_the_translation_under_the_source(pair):
    source, translated = pair
    cues = list(srt.parse(source.to_bilingual_srt()))
    first = cues[0].content.splitlines()
    assert first[0] == source.sentences["text"][0]
    assert " ".join(first[1:]) == source.sentences["translation"][0]
    reverse = list(srt.parse(translated.to_bilingual_srt()))[0].content.splitlines()
    assert reverse[-1] == source.sentences["text"][0]


def test_save_and_read_back(pair, tmp_path):
    _, translated = pair
    path = translated.save_srt(tmp_path / "dub.srt")
    back = read_srt(path, lang="en")
    assert back.sentences["text"].tolist() == translated.sentences["text"].tolist()
    assert back.sentences["start"].tolist() == translated.sentences["start"].tolist()
    assert back.lang == "en"
    vtt = translated.save_vtt(tmp_path / "dub.vtt")
    assert vtt.read_text(encoding="utf-8").startswith("WEBVTT")


texts = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]),
                min_size=1, max_size=60).map(lambda t: " ".join(t.split())).filter(bool)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**7), st.integers(1, 10**5), texts),
                min_size=1, max_size=8))
def test_srt_round_trip_keeps_times_to_the_millisecond_and_words(rows):
    t = Timeline.from_sentences([{"start": ms / 1000, "end": (ms + length) / 1000, "text": text}
                                 for ms, length, text in rows])
    back = read_srt(t.to_srt())
    assert back.sentences["start"].tolist() == t.sentences["start"].tolist()
    assert back.sentences["end"].tolist() == t.sentences["end"].tolist()
    for original, again in zip(t.sentences["text"], back.sentences["text"], strict=True):
        assert again.replace(" ", "") == original.replace(" ", "")


def test_line_breaking_never_loses_text():
    text = "Today we are going to have a little chat about artificial intelligence."
    for limit in range(5, 80):
        assert " ".join(break_lines(text, limit)) == text


def test_read_srt_errors_name_the_file(tmp_path):
    with pytest.raises(TranscriptFormatError, match="cannot read") as info:
        read_srt(tmp_path / "missing.srt")
    assert info.value.where.endswith("missing.srt")
    with pytest.raises(TranscriptFormatError, match="not valid SubRip near line 1: 'WEBVTT'"):
        read_srt("WEBVTT\n\n1\n00:00:01,000 --> 00:00:02,000\nok\n")
    with pytest.raises(TranscriptFormatError, match="not UTF-8"):
        read_srt(b"1\n00:00:01,000 --> 00:00:02,000\n\xff\xfe\x00bad\n")


def test_read_srt_takes_bytes_with_a_bom():
    data = "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\nHello\r\nthere\r\n".encode()
    t = read_srt(data)
    assert t.sentences["text"].tolist() == ["Hello there"]
    assert (t.start, t.end) == (1.0, 2.5)


def test_compare_timing_shows_shifts_and_what_is_missing(pair):
    _, translated = pair
    s = translated.sentences
    cues = [srt.Subtitle(i + 1, srt.timedelta(seconds=row.start + 0.2),
                         srt.timedelta(seconds=row.end - 0.1), row.text)
            for i, row in enumerate(s.itertuples()) if i != 2]
    report = compare_timing(translated, read_srt(srt.compose(cues)))
    matched = report[report["cue"].notna()]
    assert matched["sentence"].tolist() == [0, 1, 3, 4]
    assert matched["start_shift"].round(6).tolist() == [0.2] * 4
    assert matched["end_shift"].round(6).tolist() == [-0.1] * 4
    assert (matched["overlap"] == 1.0).all()
    missing = report[report["cue"].isna()]
    assert missing["sentence"].tolist() == [2]
    assert missing["text"].tolist() == [s["text"][2]]
    assert report["start"].is_monotonic_increasing
