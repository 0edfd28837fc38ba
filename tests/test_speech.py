"""The sandbox's speech: voices differ measurably (by qavix_lab.audio metrics), both engines."""

from __future__ import annotations

import pytest

from qavix_lab import audio
from qavix_lab.errors import ValidationError
from qavix_lab.sandbox import speech
from qavix_lab.sandbox.speech import VoiceTraits, estimate_duration, synthesize, synthesize_array

LINE = "Good morning! Thank you for calling, how can I help you today?"
# scripts/test.sh installs espeak-ng, so both engines are always tested.
ENGINES = ["synthetic", "espeak"]


def measure(traits: VoiceTraits, engine: str, text: str = LINE):
    samples, rate = synthesize_array(text, traits, engine=engine)
    return audio.metrics((samples, rate), text=text, lang=traits.lang)


@pytest.mark.parametrize("engine", ENGINES)
def test_female_voices_are_higher_than_male(engine):
    for age, seed in (("young", 1), ("middle", 2), ("senior", 3)):
        female = measure(VoiceTraits(gender="female", age=age, seed=seed), engine)
        male = measure(VoiceTraits(gender="male", age=age, seed=seed), engine)
        assert female["f0_median_hz"] > 1.4 * male["f0_median_hz"], age


@pytest.mark.parametrize("engine", ENGINES)
def test_children_are_higher_than_adults(engine):
    for gender in ("female", "male"):
        child = measure(VoiceTraits(gender=gender, age="child"), engine)
        adult = measure(VoiceTraits(gender=gender, age="middle"), engine)
        assert child["f0_median_hz"] > 1.15 * adult["f0_median_hz"], gender


@pytest.mark.parametrize("engine", ENGINES)
def test_speaking_rate_and_level_follow_emotion(engine):
    rates = {e: measure(VoiceTraits(emotion=e, seed=4), engine) for e in ("sad", "neutral",
                                                                            "excited")}
    assert (rates["sad"]["syllables_per_s"] < rates["neutral"]["syllables_per_s"]
            < rates["excited"]["syllables_per_s"])
    assert rates["sad"]["loudness_lufs"] < rates["neutral"]["loudness_lufs"] - 2


def test_synthetic_timbre_and_melody_are_voice_like():
    female = measure(VoiceTraits(gender="female", emotion="happy"), "synthetic")
    male = measure(VoiceTraits(gender="male", emotion="happy"), "synthetic")
    calm = measure(VoiceTraits(gender="female", emotion="calm"), "synthetic")
    assert female["centroid_hz"] > male["centroid_hz"]  # shorter vocal tract, higher formants
    assert 2 < calm["f0_range_st"] < female["f0_range_st"] < 12  # a melody, livelier when happy
    assert 0.05 < female["silence_ratio"] < 0.5  # syllables and pauses, not one long beep
    assert 2.5 < female["syllables_per_s"] < 7


def test_duration_grows_with_text_and_matches_the_estimate():
    traits = VoiceTraits(gender="male", age="senior", emotion="calm", seed=9)
    short, rate = synthesize_array("Hello.", traits, engine="synthetic")
    long, _ = synthesize_array("Hello. " * 6, traits, engine="synthetic")
    assert len(long) > 4 * len(short)
    assert len(long) / rate == pytest.approx(estimate_duration("Hello. " * 6, traits), abs=0.01)
    assert estimate_duration(LINE, VoiceTraits(emotion="excited")) < estimate_duration(
        LINE, VoiceTraits(emotion="sad"))


@pytest.mark.parametrize("text, lang", [("你好，欢迎使用我们的服务。", "zh"),
                                        ("こんにちは、元気ですか？", "ja"),
                                        ("안녕하세요, 반갑습니다.", "ko"),
                                        ("مرحبا بكم في خدمتنا", "ar")])
def test_non_latin_scripts_speak_at_a_plausible_rate(text, lang):
    m = measure(VoiceTraits(lang=lang, seed=5), "synthetic", text=text)
    assert 2.5 < m["syllables_per_s"] < 7
    assert m["f0_median_hz"] == pytest.approx(VoiceTraits(lang=lang, seed=5).f0_hz, rel=0.2)


def test_synthetic_engine_is_deterministic_and_seeds_differ():
    traits = VoiceTraits(gender="female", emotion="gentle", seed=11)
    for fmt in ("mp3", "wav"):
        assert synthesize(LINE, traits, fmt=fmt, engine="synthetic") == synthesize(
            LINE, traits, fmt=fmt, engine="synthetic")
    other = VoiceTraits(gender="female", emotion="gentle", seed=12)
    assert synthesize(LINE, other, fmt="wav", engine="synthetic") != synthesize(
        LINE, traits, fmt="wav", engine="synthetic")


@pytest.mark.parametrize("fmt, magic", [("mp3", (b"ID3", b"\xff\xfb")), ("wav", (b"RIFF",)),
                                        ("ogg", (b"OggS",)), ("flac", (b"fLaC",))])
def test_formats_decode_to_the_same_speech(fmt, magic):
    traits = VoiceTraits(gender="male", seed=2)
    data = synthesize("One two three.", traits, fmt=fmt, engine="synthetic")
    assert data.startswith(magic)
    decoded = audio.load(data)
    assert decoded.duration == pytest.approx(estimate_duration("One two three.", traits),
                                             abs=0.08)
    with pytest.raises(ValidationError, match="unsupported format"):
        synthesize("One", traits, fmt="aiff")


def test_environment_variable_forces_the_synthetic_engine(monkeypatch):
    traits = VoiceTraits(seed=3)
    forced = synthesize_array(LINE, traits, engine="synthetic")[0]
    monkeypatch.setenv(speech.ENGINE_ENV, "synthetic")
    assert (synthesize_array(LINE, traits)[0] == forced).all()
    monkeypatch.setenv(speech.ENGINE_ENV, "festival")
    with pytest.raises(ValidationError, match="unknown speech engine 'festival'"):
        synthesize_array(LINE, traits)


def test_without_espeak_auto_falls_back_and_forcing_espeak_fails(monkeypatch):
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv(speech.ENGINE_ENV, raising=False)
    assert not speech.espeak_available()
    traits = VoiceTraits(seed=6)
    assert (synthesize_array(LINE, traits)[0]
            == synthesize_array(LINE, traits, engine="synthetic")[0]).all()
    with pytest.raises(ValidationError, match="espeak-ng is not installed"):
        synthesize_array(LINE, traits, engine="espeak")


def test_traits_are_validated_and_normalised():
    traits = VoiceTraits(gender="Female", age="Middle-aged", emotion="CALM", lang="en_US")
    assert (traits.gender, traits.age, traits.emotion, traits.lang) == ("female", "middle",
                                                                          "calm", "en-us")
    with pytest.raises(ValidationError, match="unknown emotion 'bored'.*neutral, calm"):
        VoiceTraits(emotion="bored")
    with pytest.raises(ValidationError, match="unknown age"):
        VoiceTraits(age="teen")
    with pytest.raises(ValidationError, match="not a language code"):
        VoiceTraits(lang="English!")
    with pytest.raises(ValidationError, match="nothing to say"):
        synthesize("  ...  ", traits)


@pytest.mark.parametrize("engine", ENGINES)
def test_two_voices_with_the_same_traits_still_sound_different(engine):
    one = measure(VoiceTraits(gender="female", emotion="calm", seed=11), engine)
    two = measure(VoiceTraits(gender="female", emotion="calm", seed=12), engine)
    assert (abs(one["f0_median_hz"] - two["f0_median_hz"]) > 2
            or abs(one["duration_s"] - two["duration_s"]) > 0.05)
