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


# --- edits: excerpt, side by side, stacked audio, subtitle preview -------------------------------
def _coloured_tone(factory, colour: str, size: str, seconds: float, hz: int) -> str:
    return _make(factory, f"{colour}.mp4", "-f", "lavfi", "-i",
                 f"color={colour}:s={size}:r=10:d={seconds}", "-f", "lavfi", "-i",
                 f"sine=f={hz}:d={seconds}", "-c:v", "libx264", "-preset", "ultrafast",
                 "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")


@pytest.fixture(scope="module")
def green_with_440(tmp_path_factory) -> str:
    """2 s of green, 200x100 at 10 fps, with a 440 Hz tone."""
    return _coloured_tone(tmp_path_factory, "green", "200x100", 2, 440)


@pytest.fixture(scope="module")
def blue_with_1200(tmp_path_factory) -> str:
    """1.5 s of blue, 160x120 at 10 fps, with a 1200 Hz tone."""
    return _coloured_tone(tmp_path_factory, "blue", "160x120", 1.5, 1200)


def _near(pixel, rgb, tolerance=40) -> bool:
    return bool(np.abs(pixel.astype(int) - rgb).max() <= tolerance)


def _dominant_hz(path, channel: int) -> float:
    raw = run_ffmpeg(["-i", str(path), "-f", "s16le", "-ac", "2", "-ar", "16000", "pipe:"],
                     what="decode")
    samples = np.frombuffer(raw, np.int16).reshape(-1, 2)[:, channel].astype(float)
    if np.abs(samples).max() < 100:
        return 0.0
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / 16000)[spectrum.argmax()])


def test_excerpt_cuts_exactly_the_seconds_asked(red_then_blue, tmp_path):
    from qavix_lab.media import excerpt

    cut = excerpt(red_then_blue, 0.5, 1.5, tmp_path / "cut.mp4")
    info = probe(cut)
    assert cut == tmp_path / "cut.mp4" and info.video_codec == "h264"
    assert info.duration == pytest.approx(1.0, abs=0.1)
    assert _near(frame(cut, 0.2).array[60, 80], [255, 0, 0])   # 0.7 s of the source: red
    assert _near(frame(cut, 0.8).array[60, 80], [0, 0, 255])   # 1.3 s of the source: blue


def test_excerpt_of_audio_keeps_its_kind_and_has_a_default_place(tone):
    from qavix_lab.media import excerpt

    cut = excerpt(tone, 0.25, 1.0)
    assert cut.suffix == ".wav" and cut.is_file()
    assert probe(cut).duration == pytest.approx(0.75, abs=0.02)


@pytest.mark.parametrize("start, end, message", [
    (1.0, 1.0, "must be before end"), (1.5, 0.5, "must be before end"),
    (-1, 1, "start must be a time"), (0, float("inf"), "end must be a time"),
    (0, 3.0, r"beyond the end .*duration 2\.000 s"),
])
def test_excerpt_rejects_impossible_spans(red_then_blue, start, end, message):
    from qavix_lab.media import excerpt

    with pytest.raises(ValidationError, match=message):
        excerpt(red_then_blue, start, end)


def test_edits_of_missing_or_corrupt_files_are_media_errors(tmp_path, clip, tone):
    from qavix_lab.media import excerpt, side_by_side, stack_audio, subtitle_preview

    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"not a video" * 50)
    for call in (lambda: excerpt(tmp_path / "gone.mp4", 0, 1),
                 lambda: side_by_side(clip, corrupt),
                 lambda: stack_audio(tmp_path / "gone.mp4", clip),
                 lambda: subtitle_preview(corrupt, [(0, 1, "hi")])):
        with pytest.raises(MediaError) as caught:
            call()
        assert str(tmp_path) in str(caught.value)
    with pytest.raises(MediaError, match="no video stream"):
        side_by_side(tone, clip)


def test_side_by_side_puts_before_left_and_after_right_at_one_height(green_with_440,
                                                                     blue_with_1200, tmp_path):
    from qavix_lab.media import side_by_side

    both = side_by_side(green_with_440, blue_with_1200, tmp_path / "both.mp4")
    info = probe(both)
    # the green 200x100 clip sets the height; the 160x120 blue one is scaled to 134x100
    assert (info.height, info.width) == (100, 200 + 134)
    assert info.duration == pytest.approx(1.5, abs=0.1)  # the shorter of the two
    picture = frame(both, 0.5).array
    assert _near(picture[70, 100], [0, 128, 0]) and _near(picture[70, 260], [0, 0, 255])
    assert (picture[:30, :100] > 200).all(axis=2).any()  # the white "before" label
    assert _dominant_hz(both, 0) == pytest.approx(1200, abs=20)  # the sound of "after"
    with pytest.raises(ValidationError, match="audio must be"):
        side_by_side(green_with_440, blue_with_1200, audio="left")


def test_stack_audio_puts_the_original_left_and_the_dub_right(green_with_440, blue_with_1200,
                                                              tmp_path):
    from qavix_lab.media import stack_audio

    stacked = stack_audio(green_with_440, blue_with_1200, tmp_path / "stacked.mp4")
    info = probe(stacked)
    assert (info.width, info.height) == (160, 120)  # the dub's picture
    assert info.duration == pytest.approx(1.5, abs=0.1)
    assert _dominant_hz(stacked, 0) == pytest.approx(440, abs=20)
    assert _dominant_hz(stacked, 1) == pytest.approx(1200, abs=20)
    mixed = stack_audio(green_with_440, blue_with_1200, tmp_path / "mixed.mp4", mode="mix",
                        original_gain_db=-20)
    assert _dominant_hz(mixed, 0) == _dominant_hz(mixed, 1) == pytest.approx(1200, abs=20)
    with pytest.raises(ValidationError, match="mode must be"):
        stack_audio(green_with_440, blue_with_1200, mode="left")


def test_stack_audio_needs_sound_in_both(green_with_440, red_then_blue):
    from qavix_lab.media import stack_audio

    with pytest.raises(MediaError, match="no sound") as caught:
        stack_audio(green_with_440, red_then_blue)
    assert caught.value.where == red_then_blue


def _white_in_band(path, t, rows) -> int:
    picture = frame(path, t).array[rows]
    return int((picture > 220).all(axis=2).sum())


def test_subtitle_preview_burns_each_cue_only_while_it_is_spoken(green_with_440, tmp_path):
    from qavix_lab.media import subtitle_preview
    from qavix_lab.transcripts import Timeline

    srt_file = tmp_path / "cues.srt"
    srt_file.write_text("1\n00:00:00,500 --> 00:00:01,000\nBonjour\n\n"
                        "2\n00:00:01,600 --> 00:00:02,000\nAu revoir\n", encoding="utf-8")
    timeline = Timeline.from_sentences([{"start": 0.5, "end": 1.0, "text": "Bonjour"},
                                        {"start": 1.6, "end": 2.0, "text": "Au revoir"}])
    for source in (srt_file, str(srt_file), timeline, [(0.5, 1.0, "Bonjour")]):
        preview = subtitle_preview(green_with_440, source, 0.3, 1.5, tmp_path / "p.mp4")
        assert probe(preview).duration == pytest.approx(1.2, abs=0.1)
        bottom = slice(50, 100)
        assert _white_in_band(preview, 0.1, bottom) == 0        # 0.4 s: before the cue
        assert _white_in_band(preview, 0.5, bottom) > 20        # 0.8 s: "Bonjour"
        assert _white_in_band(preview, 0.5, slice(0, 40)) == 0  # at the bottom, not the top
        assert _white_in_band(preview, 1.0, bottom) == 0        # 1.3 s: between cues
    top = subtitle_preview(green_with_440, srt_file, 0, 2, tmp_path / "t.mp4", position="top")
    assert _white_in_band(top, 0.8, slice(0, 50)) > 20


@pytest.mark.parametrize("subtitles, error", [
    ([(1.0, 0.5, "backwards")], ValidationError), ([("a", "b")], ValidationError),
    (42, ValidationError), ("missing.srt", MediaError),
])
def test_subtitle_preview_rejects_bad_subtitles(green_with_440, subtitles, error):
    from qavix_lab.media import subtitle_preview

    with pytest.raises(error):
        subtitle_preview(green_with_440, subtitles)


def test_side_by_side_of_a_span(green_with_440, blue_with_1200, tmp_path):
    from qavix_lab.media import side_by_side

    part = side_by_side(green_with_440, blue_with_1200, tmp_path / "part.mp4", start=0.5, end=1.0)
    assert probe(part).duration == pytest.approx(0.5, abs=0.1)
    with pytest.raises(ValidationError, match=r"beyond the end .*duration 1\.5"):
        side_by_side(green_with_440, blue_with_1200, end=1.8)  # the shorter one is 1.5 s
