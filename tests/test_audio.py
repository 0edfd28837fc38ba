"""qavix_lab.audio: loading any format, metrics against known signals, compare, loudness, plots."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pandas as pd
import pytest

from qavix_lab import audio
from qavix_lab.audio import Audio
from qavix_lab.errors import AudioError, ValidationError

RATE = 16000


def harmonic(f0: float | np.ndarray, seconds: float, rate: int = RATE, level: float = 0.5,
             weights: tuple[float, ...] = (1.0, 0.5, 0.33, 0.25)) -> np.ndarray:
    """A voiced-like tone: harmonics of ``f0`` (a constant or a per-sample contour)."""
    n = int(seconds * rate)
    phase = 2 * np.pi * np.cumsum(np.broadcast_to(f0, (n,))) / rate
    x = sum(w * np.sin((k + 1) * phase) for k, w in enumerate(weights))
    return (level * x / np.abs(x).max()).astype(np.float32)


def with_silence(x: np.ndarray, lead: float, trail: float, rate: int = RATE) -> np.ndarray:
    return np.concatenate([np.zeros(int(lead * rate), np.float32), x,
                           np.zeros(int(trail * rate), np.float32)])


@pytest.fixture(scope="module")
def voice() -> Audio:
    return Audio(with_silence(harmonic(180, 1.5), 0.3, 0.2), RATE, name="voice")


# --- loading --------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["wav", "mp3", "ogg", "flac"])
def test_formats_round_trip(voice, tmp_path, fmt):
    path = voice.export(tmp_path / f"voice.{fmt}")
    back = audio.load(path)
    assert back.name == f"voice.{fmt}" and back.path == path
    assert back.sample_rate == RATE and back.channels == 1
    assert back.duration == pytest.approx(voice.duration, abs=0.06)
    assert audio.metrics(back)["f0_median_hz"] == pytest.approx(180, rel=0.02)


def test_bytes_file_objects_segments_and_arrays_load_alike(voice):
    mp3 = voice.encode("mp3")
    from_bytes = audio.load(mp3, name="clip")
    from_file = audio.load(io.BytesIO(mp3))
    segment = voice.to_segment()
    from_segment = audio.load(segment)
    assert from_bytes.name == "clip"
    assert np.array_equal(from_bytes.samples, from_file.samples)
    assert len(segment) == pytest.approx(voice.duration * 1000, abs=1)
    assert np.allclose(from_segment.samples, voice.samples, atol=1e-4)
    assert audio.load((voice.mono, RATE)).duration == voice.duration


def test_objects_with_a_path_load_from_it(voice, tmp_path):
    class Speech:  # like the client's TTS result
        path = voice.export(tmp_path / "tts.mp3")

    loaded = audio.load(Speech())
    assert loaded.name == "tts.mp3" and loaded.duration == pytest.approx(voice.duration, abs=0.06)


def test_stereo_keeps_channels_and_mixes_to_mono(tmp_path):
    left = harmonic(200, 1.0)
    stereo = Audio(np.stack([left, np.zeros_like(left)], axis=1), RATE, name="st")
    back = audio.load(stereo.export(tmp_path / "st.wav"))
    assert back.channels == 2
    assert np.allclose(back.mono, left / 2, atol=1e-4)


@pytest.mark.parametrize("data", [b"definitely not audio", b"RIFF\x00\x00\x00\x00WAVEjunk",
                                  b"\xff\xfb\x90\x00" * 10])
def test_corrupt_bytes_raise_audio_error_naming_the_source(data):
    with pytest.raises(AudioError) as err:
        audio.load(data, name="upload.mp3")
    assert err.value.where == "upload.mp3"
    assert "not readable audio" in str(err.value)


def test_corrupt_missing_empty_and_non_audio_files(tmp_path, voice):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF" + bytes(100))
    with pytest.raises(AudioError, match="not readable") as err:
        audio.load(bad)
    assert err.value.where == str(bad)
    with pytest.raises(AudioError, match="no such file"):
        audio.load(tmp_path / "missing.mp3")
    with pytest.raises(AudioError, match="0 bytes"):
        audio.load(b"")
    png = tmp_path / "plot.png"
    audio.plot(voice, kinds=("waveform",)).savefig(png)
    with pytest.raises(AudioError, match="not readable"):
        audio.load(png)


def test_unsupported_sources_are_validation_errors():
    with pytest.raises(ValidationError, match="cannot load audio from a int"):
        audio.load(42)
    with pytest.raises(ValidationError, match="does not download"):
        audio.load("https://example.com/a.mp3")
    with pytest.raises(ValidationError, match="binary mode"):
        audio.load(io.StringIO("text"))
    with pytest.raises(AudioError, match="NaN"):
        Audio(np.array([0.0, np.nan]), RATE)


def test_html_player_embeds_a_playable_wav(voice):
    html = voice._repr_html_()
    assert "<audio controls" in html and "voice" in html
    payload = re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)
    played = audio.load(base64.b64decode(payload))
    assert played.duration == voice.duration
    assert repr(voice) == "Audio('voice', 2.00 s, 16000 Hz, 1 ch)"


def test_unknown_export_format_is_an_audio_error(voice, tmp_path):
    with pytest.raises(AudioError, match="cannot encode as 'nope'"):
        voice.export(tmp_path / "x.nope")


# --- metrics against signals with known answers --------------------------------------------
def test_loudness_follows_bs1770_calibration():
    # BS.1770: a full-scale 997 Hz sine reads -3.01 LUFS; at half scale, 6.02 dB less
    t = np.arange(48000 * 3) / 48000
    sine = Audio(0.5 * np.sin(2 * np.pi * 997 * t), 48000)
    m = audio.metrics(sine)
    assert m["loudness_lufs"] == pytest.approx(-9.03, abs=0.1)
    assert m["rms_dbfs"] == pytest.approx(-9.03, abs=0.05)
    assert m["sample_peak_dbfs"] == pytest.approx(-6.02, abs=0.05)


@pytest.mark.parametrize(("rate", "channels"), [(44100, 1), (48000, 2), (22050, 5)])
def test_loudness_gates_like_the_pyloudnorm_reference(rate, channels):
    import pyloudnorm

    # loud speech-like bursts, a section 30 dB down (under the relative gate) and silence,
    # at a different level per channel so the surround weights count
    rng = np.random.default_rng(channels)
    n = 5 * rate
    envelope = np.where(np.arange(n) < 3 * rate, 1.0, 0.03) * (rng.random(n) < 0.6)
    envelope[int(4.2 * rate):] = 0.0
    samples = (rng.normal(0, 0.1, (n, channels)) * envelope[:, None]
               * np.linspace(1.0, 0.3, channels)).astype(np.float32)
    expected = pyloudnorm.Meter(rate).integrated_loudness(samples)
    assert audio.loudness(Audio(samples, rate)) == pytest.approx(expected, abs=0.01)


def test_true_peak_finds_the_peak_between_samples():
    # a quarter-rate sine shifted by 45 degrees: every sample sits 3 dB under the crest
    t = np.arange(48000) / 48000
    clip = Audio(0.9 * np.sin(2 * np.pi * 12000 * t + np.pi / 4), 48000)
    m = audio.metrics(clip)
    crest = 20 * np.log10(0.9)
    assert m["sample_peak_dbfs"] == pytest.approx(crest - 3.01, abs=0.05)
    assert m["true_peak_dbtp"] == pytest.approx(crest, abs=0.3)
    # the same burst alone in a quiet stereo clip, on its second channel only
    quiet = np.full((48000, 2), 0.01, np.float32)
    quiet[24000:24016, 1] = clip.samples[:16, 0]
    assert audio.metrics(Audio(quiet, 48000))["true_peak_dbtp"] == pytest.approx(crest, abs=0.3)


def test_silences_rates_pitch_and_centroid(voice):
    m = audio.metrics(voice, text="Hello world, again", lang="en")
    assert list(m.index) == ["duration_s", "loudness_lufs", "sample_peak_dbfs", "true_peak_dbtp",
                             "rms_dbfs", "lead_silence_s", "trail_silence_s", "silence_ratio",
                             "chars_per_s", "syllables_per_s", "f0_median_hz", "f0_p5_hz",
                             "f0_p95_hz", "f0_range_st", "centroid_hz"]
    assert m.dtype == "float64" and m.name == "voice"
    assert m["duration_s"] == pytest.approx(2.0)
    assert m["lead_silence_s"] == pytest.approx(0.3, abs=0.011)
    assert m["trail_silence_s"] == pytest.approx(0.2, abs=0.011)
    assert m["silence_ratio"] == pytest.approx(0.25, abs=0.01)
    # 15 characters and 5 syllables over the 1.5 s between the silences
    assert m["chars_per_s"] == pytest.approx(15 / 1.5, rel=0.02)
    assert m["syllables_per_s"] == pytest.approx(5 / 1.5, rel=0.02)
    assert m["f0_median_hz"] == pytest.approx(180, rel=0.01)
    assert m["f0_range_st"] == pytest.approx(0, abs=0.2)
    # harmonics 180..720 Hz weighted 1, 1/2, 1/3, 1/4: their magnitude-weighted mean
    assert m["centroid_hz"] == pytest.approx(180 * 4 / (1 + 1 / 2 + 1 / 3 + 1 / 4), rel=0.1)
    assert np.isnan(audio.metrics(voice)["chars_per_s"])


def test_pitch_follows_a_glide_and_a_weak_fundamental():
    contour = np.linspace(100, 250, 2 * RATE)
    track = audio.pitch_track(Audio(harmonic(contour, 2.0), RATE))
    voiced = track.dropna()
    expected = np.interp(voiced.time_s, np.arange(2 * RATE) / RATE, contour)
    assert len(voiced) > 0.9 * len(track)
    assert np.abs(voiced.f0_hz / expected - 1).max() < 0.03
    # a second harmonic five times the fundamental (a formant on it) must not double the F0
    strong_second = Audio(harmonic(150, 1.0, weights=(0.2, 1.0, 0.3)), RATE)
    assert audio.metrics(strong_second)["f0_median_hz"] == pytest.approx(150, rel=0.02)


def test_pitch_range_in_semitones_spans_an_octave():
    contour = np.concatenate([np.full(RATE, 110.0), np.full(RATE, 220.0)])
    m = audio.metrics(Audio(harmonic(contour, 2.0), RATE))
    assert m["f0_p5_hz"] == pytest.approx(110, rel=0.02)
    assert m["f0_p95_hz"] == pytest.approx(220, rel=0.02)
    assert m["f0_range_st"] == pytest.approx(12, abs=0.3)


@pytest.mark.parametrize("text, lang, syllables", [
    ("The quick brown fox jumps over the lazy dog.", "en", 11),
    ("Make a table", None, 4),
    ("你好，世界", "zh", 4),
    ("きょうは", "ja", 3),  # the small ょ joins the き before it
    ("안녕하세요", "ko", 5),
    ("Привет, как дела?", "ru", 5),
    ("Hola, ¿cómo estás?", "es", 6),
    ("In 2024", "en", 5),
])
def test_syllable_estimates(text, lang, syllables):
    assert audio.count_syllables(text, lang) == syllables


def test_characters_skip_spaces_and_punctuation():
    assert audio.count_characters("Hi, 你好!") == 4


def test_silent_and_too_short_audio_are_clear_errors():
    with pytest.raises(AudioError, match="silent") as err:
        audio.metrics(Audio(np.zeros(RATE), RATE, name="quiet"))
    assert err.value.where == "quiet"
    with pytest.raises(AudioError, match="too short.*0.4 s"):
        audio.metrics(Audio(harmonic(200, 0.2), RATE))
    with pytest.raises(AudioError, match="not readable"):
        audio.metrics(b"garbage bytes")


# --- several clips ----------------------------------------------------------------------------
def test_compare_puts_clips_side_by_side_with_differences():
    low = Audio(harmonic(120, 1.0, level=0.2), RATE, name="low")
    high = Audio(harmonic(240, 1.0, level=0.2), RATE, name="high")
    table = audio.compare(low, high, low.gained(6.0206), texts="Good morning")
    assert list(table.index) == ["low", "high", "low (2)"]
    assert table.index.dtype == "string"
    assert table.loc["high", "f0_median_hz"] > 1.9 * table.loc["low", "f0_median_hz"]
    assert (table.iloc[0].filter(like="_diff") == 0).all()
    assert table.loc["high", "loudness_lufs_diff"] == pytest.approx(
        table.loc["high", "loudness_lufs"] - table.loc["low", "loudness_lufs"])
    assert table.loc["low (2)", "loudness_lufs_diff"] == pytest.approx(6.02, abs=0.05)
    assert table.loc["low (2)", "sample_peak_dbfs_diff"] == pytest.approx(6.02, abs=0.01)
    assert table["chars_per_s"].notna().all()


def test_compare_checks_labels_and_texts():
    clip = Audio(harmonic(150, 1.0), RATE)
    relabelled = audio.compare(clip, clip, labels=["A", "B"], texts=["one", None])
    assert list(relabelled.index) == ["A", "B"]
    assert np.isnan(relabelled.loc["B", "chars_per_s"])
    with pytest.raises(ValidationError, match="1 labels for 2 clips"):
        audio.compare(clip, clip, labels=["A"])
    with pytest.raises(ValidationError, match="3 texts for 2 clips"):
        audio.compare(clip, clip, texts=["a", "b", "c"])
    with pytest.raises(ValidationError, match="at least one clip"):
        audio.compare()


def test_match_loudness_reaches_the_target():
    quiet = Audio(with_silence(harmonic(150, 1.0, level=0.05), 0.2, 0.2), RATE, name="quiet")
    loud = Audio(np.stack([harmonic(300, 1.5, level=0.7)] * 2, axis=1), RATE, name="loud")
    for target in (-23.0, -16.0):
        matched = audio.match_loudness(quiet, loud, target_lufs=target)
        assert [m.name for m in matched] == ["quiet", "loud"]
        for clip in matched:
            assert audio.loudness(clip) == pytest.approx(target, abs=0.5)
    with pytest.warns(UserWarning, match="clip on export"):
        audio.match_loudness(quiet, target_lufs=0.0)


def test_stacked_plot_shares_time_across_clips(tmp_path):
    a = Audio(with_silence(harmonic(120, 1.0), 0.2, 0.1), RATE, name="a")
    b = Audio(harmonic(np.linspace(200, 300, RATE * 2), 2.0), RATE, name="b")
    fig = audio.plot(a, b)
    axes = fig.axes
    assert len(axes) == 6
    assert [ax.get_title(loc="left") for ax in axes[::3]] == ["a", "b"]
    assert all(ax.get_xlim() == axes[0].get_xlim() for ax in axes)
    assert axes[0].get_xlim()[1] == pytest.approx(2.0)
    assert axes[2].get_ylim() == axes[5].get_ylim()  # pitch on one scale for every clip
    path = tmp_path / "stacked.png"
    fig.savefig(path)
    assert path.stat().st_size > 10_000
    with pytest.raises(ValidationError, match="unknown plot kinds"):
        audio.plot(a, kinds=("waveform", "spectrum"))


def test_metrics_accept_paths_and_dataframe_friendly_output(voice, tmp_path):
    path = voice.export(tmp_path / "v.ogg")
    frame = pd.DataFrame([audio.metrics(path)])
    assert frame.index.tolist() == ["v.ogg"]
    assert frame["f0_median_hz"].iloc[0] == pytest.approx(180, rel=0.02)
