"""TimelinePlayer's Python model: what it syncs, how it streams media, what it refuses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qavix_lab.errors import MediaError, ValidationError
from qavix_lab.transcripts import Timeline, qa
from qavix_lab.widgets.timeline_player import CHUNK, TimelinePlayer

SAMPLE = Path(__file__).resolve().parents[1] / "datasets" / "media" / "sample.mp4"


@pytest.fixture
def timeline():
    return Timeline.from_sentences([
        {"start": 0.0, "end": 1.5, "text": "Hello there.", "speaker": "1",
         "translation": "Hola."},
        {"start": 2.0, "end": 2.3, "text": "This sentence is far too long to read in time.",
         "speaker": "2", "translation": None},
        {"start": 3.0, "end": 4.5, "text": "Bye.", "speaker": "1", "translation": "Adiós."},
    ], lang="en")


def test_sentences_lanes_and_problems_reach_the_view(timeline):
    findings = qa(timeline, profile="en")
    player = TimelinePlayer(timeline, qa=findings)
    assert [s["start"] for s in player.sentences] == [0.0, 2.0, 3.0]
    assert [s["translation"] for s in player.sentences] == ["Hola.", None, "Adiós."]
    assert {p["sentence"] for p in player.problems} == set(findings["sentence"].astype(int))
    assert any(p["check"] == "reading_speed" and p["sentence"] == 1 for p in player.problems)
    assert player.duration == 4.5 and player.media_kind == "" and player.media_size == 0


def test_a_translation_timeline_fills_the_lane_below(timeline):
    other = Timeline.from_sentences([{"start": 2.0, "end": 2.3, "text": "x",
                                      "translation": "Esta frase."}])
    player = TimelinePlayer(timeline, translation=other)
    assert player.sentences[1]["translation"] == "Esta frase."


def test_media_is_streamed_in_chunks_and_never_put_in_the_state(timeline, tmp_path):
    video = tmp_path / "dub.mp4"
    shutil.copy(SAMPLE, video)
    player = TimelinePlayer(timeline, video)
    assert player.media_kind == "video" and player.media_mime == "video/mp4"
    assert player.fps == 24.0 and player.duration >= 9.9  # the video is longer than the lines
    sent = []
    player.send = lambda content, buffers=None: sent.append((content, buffers))
    offset, received = 0, b""
    while True:
        player._answer(player, {"type": "chunk", "offset": offset, "view": "v1"}, [])
        content, (data,) = sent[-1]
        assert content["view"] == "v1" and content["offset"] == offset
        assert len(data) <= CHUNK
        received += data
        offset += len(data)
        if content["last"]:
            break
    assert received == video.read_bytes()
    state = json.dumps(player.get_state(), default=repr)
    assert "dub.mp4" not in state and str(tmp_path) not in state
    assert len(state) < video.stat().st_size / 5  # the code and the lines, not the media


def test_the_export_shows_a_picture_beside_the_widget_view(timeline):
    data, _ = TimelinePlayer(timeline, qa=qa(timeline, profile="en"))._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["image/png"].startswith(b"\x89PNG")


def test_python_drives_the_playhead(timeline):
    player = TimelinePlayer(timeline)
    sent = []
    player.send = lambda content, buffers=None: sent.append(content)
    player.play_sentence(2)
    player.seek(1.25)
    assert sent == [{"type": "seek", "time": 3.0, "play": True, "until": 4.5},
                    {"type": "seek", "time": 1.25, "play": False}]
    with pytest.raises(ValidationError, match="no sentence 3"):
        player.play_sentence(3)
    with pytest.raises(ValidationError, match="seconds must be"):
        player.seek(float("nan"))


@pytest.mark.parametrize("media, error, message", [
    ("https://example.com/v.mp4", ValidationError, "give a local file"),
    ("nowhere.mp4", MediaError, "no such file"),
])
def test_media_that_cannot_play_is_refused(timeline, media, error, message):
    with pytest.raises(error, match=message):
        TimelinePlayer(timeline, media)


def test_a_format_the_browser_cannot_play_is_refused(timeline, tmp_path):
    odd = tmp_path / "clip.avi"
    odd.write_bytes(b"RIFF")
    with pytest.raises(MediaError, match="convert it first"):
        TimelinePlayer(timeline, odd)


def test_a_qa_table_of_another_timeline_is_refused(timeline):
    findings = qa(timeline, profile="en")
    findings.loc[findings.index[0], "sentence"] = 7
    with pytest.raises(ValidationError, match="names sentence 7"):
        TimelinePlayer(timeline, qa=findings)
    with pytest.raises(ValidationError, match="lacks"):
        TimelinePlayer(timeline, qa=findings.drop(columns="message"))
    with pytest.raises(ValidationError, match="expected a Timeline"):
        TimelinePlayer(findings)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="window"):
        TimelinePlayer(timeline, window=0)
