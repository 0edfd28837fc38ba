"""qavix_lab.media: probing and frames on small clips generated with the bundled ffmpeg."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from qavix_lab.errors import MediaError, ValidationError
from qavix_lab.media import Frame, MediaInfo, frame, probe
from qavix_lab.media.ffmpeg import run_ffmpeg

DATASET = Path(__file__).parents[1] / "datasets" / "media"


def _make(factory, name: str, *inputs_and_codecs: str) -> str:
    path = factory.mktemp("media") / name
    run_ffmpeg([*inputs_and_codecs, str(path)], what="test clip")
    return str(path)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> str:
    """2 s of 320x240 at 25 fps with a sine track."""
    return _make(tmp_path_factory, "clip.mp4", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=2",
                 "-f", "lavfi", "-i", "sine=f=440:d=2", "-c:v", "libx264", "-preset",
                 "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")


@pytest.fixture(scope="module")
def red_then_blue(tmp_path_factory) -> str:
    """1 s of red, then 1 s of blue, 160x120 at 10 fps, no audio."""
    return _make(tmp_path_factory, "colours.mkv",
                 "-f", "lavfi", "-i", "color=red:s=160x120:r=10:d=1",
                 "-f", "lavfi", "-i", "color=blue:s=160x120:r=10:d=1", "-filter_complex",
                 "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]", "-c:v", "libx264", "-preset",
                 "ultrafast", "-qp", "0", "-pix_fmt", "yuv444p")


@pytest.fixture(scope="module")
def tone(tmp_path_factory) -> str:
    return _make(tmp_path_factory, "tone.wav", "-f", "lavfi", "-i", "sine=f=300:d=1.5")


def test_probe_reads_a_video_with_sound(clip):
    info = probe(clip)
    assert isinstance(info, MediaInfo)
    assert (info.format, info.width, info.height, info.fps) == ("mp4", 320, 240, 25.0)
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert info.has_video and info.has_audio
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert info.size == (info.path.stat().st_size) > 0


def test_probe_of_a_silent_video_and_of_audio_alone(red_then_blue, tone):
    video = probe(red_then_blue)
    assert (video.format, video.has_audio, video.audio_codec) == ("mkv", False, None)
    assert video.duration == pytest.approx(2.0, abs=0.05)
    audio = probe(tone)
    assert (audio.format, audio.has_video, audio.width, audio.height, audio.fps) == (
        "wav", False, None, None, None)
    assert audio.duration == pytest.approx(1.5, abs=0.02)


def test_request_fields_carry_only_what_is_known(clip, tone):
    video = probe(clip)
    assert video.as_request_fields() == {"format": "mp4", "fileSize": video.size,
                                         "duration": video.duration, "width": 320, "height": 240}
    assert set(probe(tone).as_request_fields()) == {"format", "fileSize", "duration"}


@pytest.mark.parametrize("content, expected", [
    (b"this is not a video at all\n" * 20, "Invalid data"),
    (b"", "Invalid data"),
])
def test_probe_names_the_file_and_what_ffmpeg_said(tmp_path, content, expected):
    bad = tmp_path / "holiday.mp4"
    bad.write_bytes(content)
    with pytest.raises(MediaError) as caught:
        probe(bad)
    assert caught.value.where == str(bad)
    assert expected in str(caught.value)


def test_a_truncated_video_is_a_media_error(tmp_path, clip):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(open(clip, "rb").read()[:4000])
    with pytest.raises(MediaError, match="moov atom not found"):
        probe(cut)


def test_missing_file_and_directory_are_media_errors(tmp_path):
    with pytest.raises(MediaError, match="no such file"):
        probe(tmp_path / "nowhere.mp4")
    with pytest.raises(MediaError, match="not a file"):
        probe(tmp_path)


def test_frame_shows_the_picture_at_the_time_asked(red_then_blue):
    first, later = frame(red_then_blue, 0.5), frame(red_then_blue, 1.5)
    assert first.array.shape == (120, 160, 3) and first.array.dtype == np.uint8
    assert (first.width, first.height, first.t) == (160, 120, 0.5)
    assert np.abs(first.array[60, 80].astype(int) - [255, 0, 0]).max() <= 3
    assert np.abs(later.array[60, 80].astype(int) - [0, 0, 255]).max() <= 3


def test_frame_at_the_very_end_is_the_last_picture(red_then_blue):
    last = frame(red_then_blue, probe(red_then_blue).duration)
    assert np.abs(last.array[0, 0].astype(int) - [0, 0, 255]).max() <= 3


@pytest.mark.parametrize("t", [-0.1, float("nan"), "1"])
def test_frame_rejects_what_is_not_a_time(red_then_blue, t):
    with pytest.raises(ValidationError, match="t must be a time"):
        frame(red_then_blue, t)


def test_frame_beyond_the_end_says_the_duration(red_then_blue):
    with pytest.raises(ValidationError, match=r"duration 2\.000 s"):
        frame(red_then_blue, 2.5)


def test_frame_png_is_a_cached_image_of_the_array(clip):
    still = frame(clip, 1.0)
    assert still.png is still.png
    assert still._repr_png_() == still.png
    decoded = np.asarray(Image.open(io.BytesIO(still.png)))
    assert np.array_equal(decoded, still.array)
    assert "array" not in repr(still)
    with pytest.raises(ValueError):
        still.array[0, 0, 0] = 1  # frames are values: read-only


def test_frame_of_an_image_file_or_bytes(tmp_path):
    picture = np.zeros((30, 40, 3), np.uint8)
    picture[:, 20:] = (0, 200, 0)
    for name in ("face.png", "face.jpg"):
        Image.fromarray(picture).save(tmp_path / name)
    exact = frame(tmp_path / "face.png")
    assert isinstance(exact, Frame) and (exact.width, exact.height) == (40, 30)
    assert np.array_equal(exact.array, picture)
    lossy = frame(str(tmp_path / "face.jpg"))
    assert np.abs(lossy.array[15, 35].astype(int) - [0, 200, 0]).max() <= 8
    assert np.array_equal(frame((tmp_path / "face.png").read_bytes()).array, picture)


def test_frame_of_bad_sources_is_a_media_error(tmp_path, tone):
    with pytest.raises(MediaError, match="not an image"):
        frame(b"\x00\x01 not an image")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with pytest.raises(MediaError):
        frame(broken)
    with pytest.raises(MediaError, match="no video stream"):
        frame(tone)
    with pytest.raises(MediaError, match="no such file"):
        frame(tmp_path / "missing.jpg")


def test_the_sample_dataset_is_small_playable_media():
    sample = probe(DATASET / "sample.mp4")
    assert (sample.width, sample.height, sample.video_codec, sample.audio_codec) == (
        640, 360, "h264", "aac")
    assert 6 <= sample.duration <= 10.5
    assert sample.size < 600 * 1024
    face = frame(DATASET / "face.png")
    assert (face.width, face.height) == (256, 256)
