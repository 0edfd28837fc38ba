"""The sandbox's video processing, end to end on small clips made with the bundled ffmpeg.

The clips are 320x240, 3 s, with 440 Hz tones as "speech" at 0.3-1.0 s and 1.5-2.4 s.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import srt
from PIL import Image
from scipy.io import wavfile

from qavix_lab.errors import AudioError, MediaError, ValidationError
from qavix_lab.media import frame, probe
from qavix_lab.media.ffmpeg import run_ffmpeg
from qavix_lab.sandbox import processing

DATASET = Path(__file__).parents[1] / "datasets" / "media"
SPEECH = [(0.3, 1.0), (1.5, 2.4)]
SCRIPT = ["Hello.", "Welcome to the Qavix demo."]
BAND = (0, 204, 320, 36)  # the bottom 15%: x, y, w, h
TOP = (0, 0, 320, 150)
UNCHANGED = 3.0  # mean |pixel difference| that re-encoding alone stays under
CHANGED = 10.0  # ... and that an erased, burned or overlaid region exceeds


def _tones(regions, hz: int = 440) -> str:
    gates = "+".join(f"between(t,{start},{end})" for start, end in regions)
    return f"aevalsrc='0.5*sin(2*PI*{hz}*t)*({gates})':s=22050:d=3"


def _make_clip(path, *, script=None, audio=True) -> str:
    args = ["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=3"]
    args += ["-f", "lavfi", "-i", _tones(SPEECH), "-c:a", "aac"] if audio else []
    args += ["-metadata", f"comment={processing.script_comment(script, 'en')}"] if script else []
    run_ffmpeg([*args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                str(path)], what="test clip")
    return str(path)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> str:
    return _make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4", script=SCRIPT)


@pytest.fixture(scope="module")
def unscripted(tmp_path_factory) -> str:
    return _make_clip(tmp_path_factory.mktemp("clips") / "unscripted.mp4")


@pytest.fixture(scope="module")
def mute(tmp_path_factory) -> str:
    return _make_clip(tmp_path_factory.mktemp("clips") / "mute.mp4", audio=False)


@pytest.fixture()
def corrupt(tmp_path) -> str:
    path = tmp_path / "corrupt.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    return str(path)


def _change(a: str, b: str, t: float, box) -> float:
    """Mean absolute pixel difference of two videos at ``t`` inside ``box`` (x, y, w, h)."""
    x, y, w, h = box
    first, second = frame(a, t).array, frame(b, t).array
    return float(np.abs(first[y:y + h, x:x + w].astype(int) - second[y:y + h, x:x + w]).mean())


def _change_outside(a: str, b: str, t: float, box) -> float:
    """The larger mean difference of a 10-pixel ring around ``box`` and of the rest of the
    frame (2 pixels next to the box may blend)."""
    x, y, w, h = box
    difference = np.abs(frame(a, t).array.astype(int) - frame(b, t).array).mean(axis=2)
    near, far = np.zeros(difference.shape, bool), np.ones(difference.shape, bool)
    near[max(0, y - 12):y + h + 12, max(0, x - 12):x + w + 12] = True
    far[near] = False
    near[max(0, y - 2):y + h + 2, max(0, x - 2):x + w + 2] = False
    return max(float(difference[near].mean()), float(difference[far].mean()))


def _area(x, y, w, h, kind=2) -> dict:
    x1, y1 = x + w - 1, y + h - 1
    return {"area": [[x, y], [x1, y], [x1, y1], [x, y1]], "type": kind}


def _tone_wav(seconds: float, hz: float = 1000.0) -> bytes:
    t = np.arange(round(seconds * 22050)) / 22050
    buffer = io.BytesIO()
    wavfile.write(buffer, 22050, (0.4 * np.sin(2 * np.pi * hz * t) * 32767).astype(np.int16))
    return buffer.getvalue()


def _dominant_hz(path: str, start: float, end: float) -> float:
    raw = run_ffmpeg(["-ss", str(start), "-t", str(end - start), "-i", path, "-ac", "1",
                      "-ar", "22050", "-f", "f32le", "pipe:"], what="test audio")
    samples = np.frombuffer(raw, np.float32)
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / 22050)[spectrum.argmax()])


def _assert_same_shape_with_sound(src: str, dst: str) -> None:
    before, after = probe(src), probe(dst)
    assert (after.width, after.height, after.has_audio) == (before.width, before.height, True)
    assert after.duration == pytest.approx(before.duration, abs=0.1)


# --- cover, speech, script, transcript ------------------------------------------------------
def test_cover_is_a_jpeg_of_the_video(clip, tmp_path):
    processing.cover(clip, tmp_path / "cover.jpg")
    with Image.open(tmp_path / "cover.jpg") as image:
        assert (image.format, image.size) == ("JPEG", (320, 240))


def test_detect_speech_finds_the_spoken_regions(clip, mute):
    found = processing.detect_speech(clip)
    assert len(found) == len(SPEECH)
    for (start, end), (want_start, want_end) in zip(found, SPEECH, strict=True):
        assert start == pytest.approx(want_start, abs=0.05)
        assert end == pytest.approx(want_end, abs=0.05)
    assert processing.detect_speech(mute) == []


def test_read_script_returns_the_tagged_sentences(clip, unscripted):
    assert processing.read_script(clip) == SCRIPT
    assert processing.read_script(unscripted) is None


def test_transcript_is_the_sentence_list_form_timed_on_the_speech(clip):
    sentences = processing.transcript(clip, "en")
    assert [s["onebest"] for s in sentences] == SCRIPT
    welcome = sentences[1]
    assert int(welcome["bg"]) == pytest.approx(1500, abs=50)
    assert int(welcome["ed"]) == pytest.approx(2400, abs=50)
    assert welcome["speaker"] == "0"
    words = welcome["wordsResultList"]
    assert [w["wordsName"] for w in words] == ["Welcome", "to", "the", "Qavix", "demo", "."]
    assert [w["wp"] for w in words] == ["n"] * 5 + ["p"]
    assert all(isinstance(value, str) for w in words for value in w.values())
    begins, ends = [int(w["wordBg"]) for w in words], [int(w["wordEd"]) for w in words]
    assert begins[0] == 0 and begins[1:] == ends[:-1]
    assert ends[-1] == round((int(welcome["ed"]) - int(welcome["bg"])) / 10)
    assert ends[0] - begins[0] > 2 * (ends[1] - begins[1])  # "Welcome" is longer than "to"


def test_transcript_in_another_language_and_without_a_script(clip, unscripted):
    assert [s["onebest"] for s in processing.transcript(clip, "fr")] == [
        "Bonjour.", "Bienvenue dans la démo Qavix."]
    placeholders = processing.transcript(unscripted, "en")
    assert [s["onebest"] for s in placeholders] == ["Speech segment 1.", "Speech segment 2."]


@pytest.mark.parametrize("sentences, expected", [
    (["One.", "Two."], [(0.2, 1.5), (2.2, 2.8)]),  # the closest regions merge
    (["One.", "Two.", "Three.", "Four."], [(0.2, 0.7), (1.1, 1.5), (2.2, 2.5), (2.5, 2.8)]),
])
def test_transcript_pairs_script_and_regions_of_different_counts(tmp_path, sentences, expected):
    audio = tmp_path / "speech.mka"
    run_ffmpeg(["-f", "lavfi", "-i", _tones([(0.2, 0.7), (1.1, 1.5), (2.2, 2.8)]), "-metadata",
                f"comment={processing.script_comment(sentences, 'en')}", str(audio)], what="test")
    timed = processing.transcript(audio, "en")
    assert [s["onebest"] for s in timed] == sentences
    for sentence, (start, end) in zip(timed, expected, strict=True):
        assert int(sentence["bg"]) == pytest.approx(start * 1000, abs=50)
        assert int(sentence["ed"]) == pytest.approx(end * 1000, abs=50)


def test_the_sample_clip_is_transcribed_as_its_script_json_says():
    script = json.loads((DATASET / "script.json").read_text(encoding="utf-8"))
    heard = processing.transcript(DATASET / "sample.mp4", "en")
    assert [s["onebest"] for s in heard] == [s["text"] for s in script["sentences"]]
    for sentence, expected in zip(heard, script["sentences"], strict=True):
        assert int(sentence["bg"]) == pytest.approx(expected["start"] * 1000, abs=80)
        assert int(sentence["ed"]) == pytest.approx(expected["end"] * 1000, abs=80)


def test_translate_text_uses_the_phrase_table_or_marks_the_language():
    assert processing.translate_text("Hello.", "en", "fr") == "Bonjour."
    assert processing.translate_text("bonjour.", "fr", "zh-CN") == "你好。"  # any way round
    assert processing.translate_text("Good night.", "en", "de-DE") == "[de] Good night."
    assert processing.translate_text("Good night.", "en-US", "EN") == "Good night."


# --- erase ------------------------------------------------------------------------------------
def test_manual_erase_blurs_the_text_box_and_leaves_the_rest(clip, tmp_path):
    box = (100, 50, 100, 70)
    progress: list[float] = []
    processing.erase(clip, tmp_path / "out.mp4", areas=[_area(*box)], mode=2, erase_type=None,
                     progress=progress.append)
    out = str(tmp_path / "out.mp4")
    _assert_same_shape_with_sound(clip, out)
    assert _change(clip, out, 1.0, box) > CHANGED
    assert _change_outside(clip, out, 1.0, box) < UNCHANGED
    assert progress and progress == sorted(progress) and progress[-1] == 1.0
    assert 0 <= min(progress)


def test_manual_erase_delogos_a_logo_box_on_the_frame_edge(clip, tmp_path):
    box = (0, 0, 80, 40)  # the clock of testsrc2, touching the top-left edges
    processing.erase(clip, tmp_path / "out.mp4", areas=[_area(*box, kind=1)], mode=2,
                     erase_type=None)
    out = str(tmp_path / "out.mp4")
    assert _change(clip, out, 1.0, (2, 2, 76, 36)) > CHANGED
    assert _change_outside(clip, out, 1.0, box) < UNCHANGED


@pytest.mark.parametrize("erase_type, erased, kept", [
    (1, BAND, TOP),
    (2, (218, 6, 94, 36), BAND),
])
def test_automatic_erase_finds_the_usual_places(clip, tmp_path, erase_type, erased, kept):
    processing.erase(clip, tmp_path / "out.mp4", areas=None, mode=1, erase_type=erase_type)
    out = str(tmp_path / "out.mp4")
    assert _change(clip, out, 2.0, erased) > CHANGED
    assert _change(clip, out, 2.0, kept) < UNCHANGED


def test_protect_mode_erases_the_band_except_the_protected_box(clip, tmp_path):
    protected = (120, 210, 80, 24)
    processing.erase(clip, tmp_path / "out.mp4", areas=[_area(*protected)], mode=3,
                     erase_type=1)
    out = str(tmp_path / "out.mp4")
    assert _change(clip, out, 2.0, protected) < UNCHANGED
    assert _change(clip, out, 2.0, (0, 210, 100, 30)) > CHANGED
    assert _change(clip, out, 2.0, TOP) < UNCHANGED


def test_erase_mode_minus_two_copies_the_file(clip, tmp_path):
    processing.erase(clip, tmp_path / "copy.mp4", areas=None, mode=-2, erase_type=None)
    assert (tmp_path / "copy.mp4").read_bytes() == open(clip, "rb").read()


@pytest.mark.parametrize("areas, mode, where", [
    (None, 2, "areas"),
    ([_area(300, 200, 40, 20)], 2, "areas[0]"),  # beyond the 320x240 frame
    ([{"area": [[0, 0], [10, 0]], "type": 2}], 2, "areas[0]"),
    ([{"box": [1, 2, 3, 4]}], 2, "areas[0]"),
    ([_area(10, 10, 20, 20, kind=7)], 2, "areas[0]"),
    (None, 5, "eraseMode"),
])
def test_erase_rejects_bad_requests(clip, tmp_path, areas, mode, where):
    with pytest.raises(ValidationError) as caught:
        processing.erase(clip, tmp_path / "out.mp4", areas=areas, mode=mode, erase_type=None)
    assert caught.value.where == where


# --- subtitles --------------------------------------------------------------------------------
def test_subtitles_are_written_and_burned_into_the_bottom_band(clip, tmp_path):
    out, subs = str(tmp_path / "out.mp4"), tmp_path / "out.srt"
    original, translated = processing.subtitles(clip, out, subs, original_lang="en",
                                                dest_lang="es", burn=True)
    cues = list(srt.parse(subs.read_text(encoding="utf-8")))
    assert [c.content for c in cues] == ["Hola.", "Bienvenido a la demo de Qavix."]
    assert [s["dst"] for s in translated] == [c.content for c in cues]
    assert [s["onebest"] for s in original] == SCRIPT
    assert cues[1].start.total_seconds() == pytest.approx(1.5, abs=0.05)
    _assert_same_shape_with_sound(clip, out)
    assert _change(clip, out, 2.0, BAND) > CHANGED  # "Bienvenido ..." is on screen
    assert _change(clip, out, 1.25, BAND) < UNCHANGED  # between the two cues
    assert _change(clip, out, 2.0, TOP) < UNCHANGED


def test_subtitles_without_burning_copy_the_video(clip, tmp_path):
    processing.subtitles(clip, tmp_path / "out.mp4", tmp_path / "out.srt", original_lang="en",
                         dest_lang="en", burn=False)
    assert (tmp_path / "out.mp4").read_bytes() == open(clip, "rb").read()
    cues = list(srt.parse((tmp_path / "out.srt").read_text(encoding="utf-8")))
    assert [c.content for c in cues] == SCRIPT


# --- translate --------------------------------------------------------------------------------
def test_translate_dubs_the_video_with_speech_timed_to_the_sentences(clip, tmp_path):
    spoken: list[str] = []

    def synthesize(text: str) -> bytes:
        spoken.append(text)
        return _tone_wav(0.04 * len(text))

    out, subs = str(tmp_path / "dub.mp4"), tmp_path / "dub.srt"
    original, dubbed = processing.translate(clip, out, subs, original_lang="en",
                                            dest_lang="fr", synthesize=synthesize)
    assert spoken == ["Bonjour.", "Bienvenue dans la démo Qavix."]
    assert [s["dst"] for s in dubbed] == spoken
    assert [s["onebest"] for s in original] == [s["onebest"] for s in dubbed] == SCRIPT
    _assert_same_shape_with_sound(clip, out)
    assert np.array_equal(frame(clip, 1.0).array, frame(out, 1.0).array)  # picture copied
    heard = processing.detect_speech(out)
    assert len(heard) == len(dubbed)
    for (start, end), sentence in zip(heard, dubbed, strict=True):
        assert start * 1000 == pytest.approx(int(sentence["bg"]), abs=60)
        assert end * 1000 == pytest.approx(int(sentence["ed"]), abs=60)
    assert _dominant_hz(out, 1.6, 2.2) == pytest.approx(1000, abs=20)  # the 440 Hz is gone
    cues = list(srt.parse(subs.read_text(encoding="utf-8")))
    assert [c.content for c in cues] == spoken
    assert processing.read_script(out) == spoken


def test_translate_speeds_up_and_cuts_speech_too_long_for_its_slot(clip, tmp_path):
    _, dubbed = processing.translate(clip, tmp_path / "dub.mp4", tmp_path / "dub.srt",
                                     original_lang="en", dest_lang="de",
                                     synthesize=lambda text: _tone_wav(3.0))
    for sentence, (start, end) in zip(dubbed, SPEECH, strict=True):
        assert int(sentence["bg"]) == pytest.approx(start * 1000, abs=50)
        assert int(sentence["ed"]) <= end * 1000 + 50
    heard = processing.detect_speech(tmp_path / "dub.mp4")
    assert heard[-1][1] == pytest.approx(SPEECH[-1][1], abs=0.06)


def test_translate_reports_progress_up_to_done(clip, tmp_path):
    progress: list[float] = []
    processing.translate(clip, tmp_path / "dub.mp4", tmp_path / "dub.srt", original_lang="en",
                         dest_lang="fr", synthesize=lambda text: _tone_wav(0.3),
                         progress=progress.append)
    assert len(progress) >= 3 and progress == sorted(progress) and progress[-1] == 1.0


@pytest.mark.parametrize("speech, error", [
    (b"not audio", MediaError),
    (_tone_wav(0.5, hz=0), AudioError),  # silence
])
def test_translate_rejects_unusable_synthesized_speech(clip, tmp_path, speech, error):
    with pytest.raises(error, match="sentence 1"):
        processing.translate(clip, tmp_path / "dub.mp4", tmp_path / "dub.srt",
                             original_lang="en", dest_lang="fr", synthesize=lambda text: speech)


def test_translate_needs_an_audio_track(mute, tmp_path):
    with pytest.raises(MediaError, match="no audio"):
        processing.translate(mute, tmp_path / "dub.mp4", tmp_path / "dub.srt",
                             original_lang="en", dest_lang="fr", synthesize=_tone_wav)


# --- lip sync and face swap -------------------------------------------------------------------
@pytest.mark.parametrize("audio_seconds", [1.8, 5.0])
def test_lipsync_puts_the_audio_under_the_video_for_its_duration(clip, tmp_path, audio_seconds):
    audio = tmp_path / "voice.wav"
    run_ffmpeg(["-f", "lavfi", "-i", _tones([(0.5, 1.5)], hz=700).replace("d=3",
                f"d={audio_seconds}"), str(audio)], what="test audio")
    out = str(tmp_path / "synced.mp4")
    processing.lipsync(clip, audio, out)
    _assert_same_shape_with_sound(clip, out)
    (start, end), = processing.detect_speech(out)
    assert (start, end) == (pytest.approx(0.5, abs=0.06), pytest.approx(1.5, abs=0.06))
    assert _dominant_hz(out, 0.6, 1.4) == pytest.approx(700, abs=20)
    assert np.array_equal(frame(clip, 2.0).array, frame(out, 2.0).array)


def test_faceswap_lays_the_face_over_the_upper_centre(clip, tmp_path):
    face = tmp_path / "face.png"
    Image.new("RGB", (64, 64), (250, 200, 150)).save(face)
    out = str(tmp_path / "swapped.mp4")
    processing.faceswap(clip, face, out)
    _assert_same_shape_with_sound(clip, out)
    centre = frame(out, 1.0).array[60:100, 140:180].reshape(-1, 3).mean(axis=0)
    assert np.abs(centre - [250, 200, 150]).max() < 12
    assert _change(clip, out, 1.0, BAND) < UNCHANGED


# --- bad input --------------------------------------------------------------------------------
TASKS = {
    "cover": lambda src, d: processing.cover(src, d / "c.jpg"),
    "erase": lambda src, d: processing.erase(src, d / "e.mp4", areas=None, mode=1, erase_type=3),
    "subtitles": lambda src, d: processing.subtitles(src, d / "s.mp4", d / "s.srt",
                                                     original_lang="en", dest_lang="fr",
                                                     burn=True),
    "translate": lambda src, d: processing.translate(src, d / "t.mp4", d / "t.srt",
                                                     original_lang="en", dest_lang="fr",
                                                     synthesize=_tone_wav),
    "lipsync": lambda src, d: processing.lipsync(src, src, d / "l.mp4"),
    "faceswap": lambda src, d: processing.faceswap(src, src, d / "f.mp4"),
    "transcript": lambda src, d: processing.transcript(src, "en"),
}


@pytest.mark.parametrize("task", TASKS)
def test_every_task_turns_a_corrupt_input_into_a_media_error(task, corrupt, tmp_path):
    with pytest.raises(MediaError) as caught:
        TASKS[task](corrupt, tmp_path)
    assert caught.value.where == corrupt
    assert "Invalid data" in str(caught.value)


def test_a_still_image_is_not_a_video(tmp_path):
    Image.new("RGB", (64, 48)).save(tmp_path / "still.png")
    with pytest.raises(MediaError, match="duration"):
        processing.erase(tmp_path / "still.png", tmp_path / "out.mp4", areas=None, mode=1,
                         erase_type=3)


@pytest.mark.parametrize("task", [processing.lipsync, processing.faceswap])
def test_a_second_input_that_is_not_media_is_named(task, clip, corrupt, tmp_path):
    with pytest.raises(MediaError) as caught:
        task(clip, corrupt, tmp_path / "out.mp4")
    assert caught.value.where == corrupt
