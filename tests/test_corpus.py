"""Corpus scale: many transcripts or audio files into one DataFrame, on every engine alike."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from qavix_lab.audio import Audio
from qavix_lab.audio.corpus import metrics_many
from qavix_lab.corpus import CorpusError, expand
from qavix_lab.errors import ValidationError
from qavix_lab.transcripts import parse
from qavix_lab.transcripts.corpus import read_many


def _episode(n: int, offset_ms: int = 0) -> list[dict[str, object]]:
    """A sentence-list transcript of ``n`` sentences, 2 s apart, with two words each."""
    rows = []
    for i in range(n):
        bg = offset_ms + 2000 * i
        rows.append({"bg": str(bg), "ed": str(bg + 1500), "onebest": f"Line {i} here.",
                     "speaker": str(i % 2 + 1),
                     "wordsResultList": [
                         {"wordBg": "0", "wordEd": "60", "wordsName": f"Line{i}", "wp": "n",
                          "wc": "0.9"},
                         {"wordBg": "60", "wordEd": "140", "wordsName": "here", "wp": "n",
                          "wc": "0.8"}]})
    return rows


@pytest.fixture
def episodes(tmp_path):
    folder = tmp_path / "season"
    (folder / "extra").mkdir(parents=True)
    for k in range(5):
        (folder / f"ep{k}.json").write_text(json.dumps(_episode(3 + k, offset_ms=k)))
    (folder / "extra" / "ep9.json").write_text(json.dumps(_episode(2)))
    return folder


def test_read_many_stacks_every_file_in_order_with_its_rows(episodes):
    frame = read_many(str(episodes / "*.json"), engine="serial")
    assert list(frame.columns[:1]) == ["file"]
    assert frame["file"].cat.categories.tolist() == [str(episodes / f"ep{k}.json")
                                                      for k in range(5)]
    assert frame.groupby("file", observed=True).size().tolist() == [3, 4, 5, 6, 7]
    one = parse((episodes / "ep2.json").read_text()).sentences
    got = frame[frame["file"] == str(episodes / "ep2.json")].drop(columns="file")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), one.reset_index(drop=True))


def test_recursive_glob_and_words_level(episodes):
    words = read_many(str(episodes / "**" / "*.json"), level="words", engine="serial")
    assert words["file"].nunique() == 6
    assert len(words) == 2 * (3 + 4 + 5 + 6 + 7 + 2)


def test_processes_and_dask_give_the_serial_result(episodes):
    pattern = str(episodes / "**" / "*.json")
    serial = read_many(pattern, engine="serial")
    pd.testing.assert_frame_equal(read_many(pattern, engine="processes", workers=2), serial)
    pd.testing.assert_frame_equal(read_many(pattern, engine="dask", workers=2), serial)


def test_a_broken_file_is_named_and_the_rest_kept_on_request(episodes):
    (episodes / "ep1.json").write_text('{"not": "a transcript"}')
    with pytest.raises(CorpusError, match="1 of 5 files failed.*ep1.json") as caught:
        read_many(str(episodes / "*.json"), engine="serial")
    assert caught.value.failures["path"].tolist() == [str(episodes / "ep1.json")]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        frame = read_many(str(episodes / "*.json"), engine="processes", workers=2,
                          on_error="skip")
    assert any("1 of 5 files skipped" in str(w.message) for w in seen)
    assert str(episodes / "ep1.json") not in set(frame["file"])
    assert [f.error_type for f in frame.attrs["failures"]] == ["TranscriptFormatError"]
    assert pd.DataFrame(frame.attrs["failures"])["path"].tolist() == [str(episodes / "ep1.json")]
    # results with different failures still combine, print and filter (a DataFrame in attrs
    # made pandas raise "truth value of a DataFrame is ambiguous" in concat)
    clean = read_many([str(episodes / "ep0.json")], engine="serial", on_error="skip")
    both = pd.concat([frame, clean, frame[frame["file"] == str(episodes / "ep2.json")]])
    ep2 = str(episodes / "ep2.json")
    assert (both["file"] == ep2).sum() == 2 * (frame["file"] == ep2).sum() > 0
    assert "rows x" in repr(both)


@pytest.mark.parametrize("bad, message", [
    ("nothing-here-*.json", "no file matches"),
    (".", "is a folder"),
])
def test_paths_that_name_no_files_are_refused(tmp_path, monkeypatch, bad, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError, match=message):
        expand(bad)


def test_bad_options_are_refused_before_any_work(episodes):
    with pytest.raises(ValidationError, match="engine must be one of"):
        read_many(str(episodes / "*.json"), engine="spark")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="level must be"):
        read_many(str(episodes / "*.json"), level="paragraphs")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="on_error must be"):
        read_many(str(episodes / "*.json"), on_error="ignore")  # type: ignore[arg-type]


def test_metrics_many_one_row_per_file_and_the_same_on_processes(tmp_path):
    rate = 16000
    t = np.arange(rate) / rate
    for k, hz in enumerate((220.0, 330.0, 440.0)):
        tone = (0.1 * (k + 1) * np.sin(2 * np.pi * hz * t)).astype(np.float32)
        Audio(tone, rate, name=f"tone{k}").export(tmp_path / f"tone{k}.wav")
    (tmp_path / "tone9.wav").write_bytes(b"RIFF broken")
    serial = metrics_many(str(tmp_path / "tone[0-2].wav"), engine="serial")
    assert serial.index.tolist() == [str(tmp_path / f"tone{k}.wav") for k in range(3)]
    assert serial["loudness_lufs"].is_monotonic_increasing  # louder tones, louder readings
    pd.testing.assert_frame_equal(
        metrics_many(str(tmp_path / "tone[0-2].wav"), engine="processes", workers=2), serial)
    with pytest.raises(CorpusError, match="tone9.wav"):
        metrics_many(str(tmp_path / "*.wav"), engine="serial")
