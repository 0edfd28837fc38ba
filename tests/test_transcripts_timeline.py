"""Timeline: selections, gaps and overlaps, translations, pictures."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from qavix_lab.errors import TranscriptFormatError, ValidationError
from qavix_lab.transcripts import Timeline, from_task

matplotlib.use("Agg")
DATA = Path(__file__).resolve().parents[1] / "datasets" / "transcripts"


@pytest.fixture(scope="module")
def pair() -> tuple[Timeline, Timeline]:
    return from_task(json.loads((DATA / "task_query.json").read_text(encoding="utf-8")))


@pytest.fixture
def talk() -> Timeline:
    return Timeline.from_sentences([
        {"start": 0.0, "end": 2.0, "text": "one", "speaker": "A"},
        {"start": 1.5, "end": 3.0, "text": "two", "speaker": "B"},      # overlaps one
        {"start": 2.5, "end": 2.8, "text": "three", "speaker": "A"},    # inside two
        {"start": 4.0, "end": 5.0, "text": "four", "speaker": "B"},
        {"start": 5.0, "end": 6.0, "text": "five", "speaker": "C"},     # touches four
    ], lang="en")


def test_basic_facts(talk):
    assert len(talk) == 5
    assert (talk.start, talk.end, talk.duration) == (0.0, 6.0, 6.0)
    assert talk.speakers == ["A", "B", "C"]
    assert "5 sentences" in repr(talk) and "3 speakers" in repr(talk)


def test_gaps_are_silences_after_everything_before_has_ended(talk):
    gaps = talk.gaps()
    assert gaps[["before", "after"]].values.tolist() == [[1, 3]]
    assert gaps["start"].tolist() == [3.0] and gaps["end"].tolist() == [4.0]
    assert gaps["duration"].tolist() == [1.0]
    assert talk.gaps(min_duration=1.5).empty


def test_overlaps_list_every_pair_sharing_time(talk):
    overlaps = talk.overlaps()
    assert overlaps[["first", "second"]].values.tolist() == [[0, 1], [1, 2]]
    assert overlaps["duration"].round(6).tolist() == [0.5, 0.3]
    assert overlaps[["first_speaker", "second_speaker"]].values.tolist() == [["A", "B"],
                                                                              ["B", "A"]]


def test_crop_modes(talk):
    assert talk.crop(2.2, 4.5).sentences["text"].tolist() == ["two", "three", "four"]
    assert talk.crop(2.2, 4.5, mode="inside").sentences["text"].tolist() == ["three"]
    clipped = talk.crop(2.2, 4.5, mode="clip").sentences
    assert clipped["start"].tolist() == [2.2, 2.5, 4.0]
    assert clipped["end"].tolist() == [3.0, 2.8, 4.5]
    assert np.allclose(clipped["duration"], clipped["end"] - clipped["start"])
    with pytest.raises(ValidationError):
        talk.crop(0, 1, mode="around")


def test_selections_keep_words_pointing_at_their_sentences(pair):
    source, _ = pair
    later = source.crop(7.0, 15.0)
    assert later.sentences["text"].tolist() == source.sentences["text"].tolist()[2:]
    for i, text in enumerate(later.sentences["text"]):
        words = later.words[later.words["sentence"] == i]
        assert "".join(words["text"]) == text
    only_two = source.for_speaker("2")
    assert set(only_two.sentences["speaker"]) == {"2"}
    joined = only_two.words.groupby("sentence")["text"].agg("".join).tolist()
    assert joined == only_two.sentences["text"].tolist()


def test_translated_timeline_keeps_times_and_the_source_text(pair):
    source, translated = pair
    assert translated.sentences["text"].tolist() == source.sentences["translation"].tolist()
    assert translated.sentences["source_text"].tolist() == source.sentences["text"].tolist()
    assert translated.words.empty
    assert not translated.has_translation


def test_with_translations_matches_by_time_when_rows_differ(pair):
    source, translated = pair
    shifted = Timeline.from_sentences(
        translated.sentences.assign(start=translated.sentences["start"] + 0.1,
                                    translation=translated.sentences["text"])[
            ["start", "end", "text", "translation", "speaker"]].iloc[1:])
    merged = source.with_translations(shifted)
    assert merged.sentences["translation"].isna().tolist() == [True, False, False, False, False]
    assert merged.sentences["translation"].tolist()[1:] == \
        translated.sentences["text"].tolist()[1:]


def test_from_sentences_checks_its_input():
    with pytest.raises(TranscriptFormatError, match="missing 'end'"):
        Timeline.from_sentences([{"start": 0, "text": "x"}])
    t = Timeline.from_sentences(pd.DataFrame({"start": [1.0], "end": [2.0], "text": ["x"],
                                              "speaker": [None]}))
    assert t.sentences["speaker"].tolist() == ["0"]


def test_repr_png_draws_headless(pair):
    source, _ = pair
    png = source._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_plot_draws_a_lane_per_speaker_and_translation(pair):
    import matplotlib.pyplot as plt

    source, translated = pair
    ax = source.plot(other=translated)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["speaker 1", "translation", "speaker 2", "translation"]
    drawn = {t.get_text().replace("\n", " ") for t in ax.texts}
    assert "Sure, go ahead." in drawn
    assert ax.get_xlim()[0] <= source.start and ax.get_xlim()[1] >= source.end
    plt.close(ax.figure)


def test_a_hand_made_timeline_must_have_the_columns():
    with pytest.raises(ValidationError, match="lacks segment_id, duration"):
        Timeline(pd.DataFrame({"start": [0.0], "end": [1.0], "text": ["x"], "speaker": ["1"],
                               "translation": [None], "confidence": [None]}))


def test_a_timeline_draws_into_axes_of_a_subfigure():
    import json
    from pathlib import Path

    import matplotlib.pyplot as plt

    from qavix_lab.transcripts import from_task

    task = Path(__file__).resolve().parent.parent / "datasets" / "transcripts" / "task_query.json"
    source, translated = from_task(json.loads(task.read_text(encoding="utf-8")))
    top, bottom = plt.figure(figsize=(10, 5)).subfigures(2, 1)
    assert source.plot(ax=top.subplots()) is not None
    assert translated.plot(ax=bottom.subplots()) is not None
    plt.close("all")
