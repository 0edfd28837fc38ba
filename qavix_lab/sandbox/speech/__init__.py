"""Speech for the sandbox's TTS and audition audio.

With espeak-ng installed the sandbox speaks real words: the voice traits pick the espeak voice
variant, pitch, speed and volume. Otherwise, or with ``QAVIX_SANDBOX_SPEECH=synthetic``, a
deterministic formant synthesizer babbles the text: a glottal pulse train shaped by vowel formants,
one syllable per vowel group or CJK character, a pitch contour that declines over each phrase.
Either way voices differ measurably: gender and age set pitch and timbre, emotion sets pitch,
range, rate and level.

>>> mp3 = synthesize("Hello there!", VoiceTraits(gender="female", emotion="calm"))
"""

from __future__ import annotations

import io
import os
import tempfile
import wave
from pathlib import Path

import numpy as np

from ...errors import ValidationError
from ...media.ffmpeg import run_ffmpeg
from .espeak_ng import espeak, espeak_available, espeak_voice
from .syllables import LEAD_S, TRAIL_S, plan
from .traits import AGES, BASE_SYLLABLES_PER_S, EMOTIONS, GENDERS, Prosody, VoiceTraits
from .voice import SAMPLE_RATE, babble

__all__ = ["AGES", "BASE_SYLLABLES_PER_S", "EMOTIONS", "ENGINE_ENV", "GENDERS", "SAMPLE_RATE",
           "Prosody", "VoiceTraits", "espeak_available", "estimate_duration", "synthesize",
           "synthesize_array"]

ENGINE_ENV = "QAVIX_SANDBOX_SPEECH"  # "synthetic", "espeak" or "auto" (the default)
_ENCODERS = {"mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"],
             "ogg": ["-c:a", "libvorbis", "-q:a", "4", "-f", "ogg"],
             "flac": ["-c:a", "flac", "-f", "flac"]}


def synthesize(text: str, traits: VoiceTraits, *, fmt: str = "mp3",
               engine: str | None = None) -> bytes:
    """Encoded speech (``fmt``: "mp3", "wav", "ogg" or "flac"); same inputs, same bytes."""
    fmt = fmt.lower()
    if fmt != "wav" and fmt not in _ENCODERS:
        raise ValidationError(f"unsupported format {fmt!r}; use wav, {', '.join(_ENCODERS)}",
                              where="format")
    samples, rate = synthesize_array(text, traits, engine=engine)
    pcm = (np.clip(samples, -1, 1) * 32767).round().astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    if fmt == "wav":
        return buf.getvalue()
    with tempfile.TemporaryDirectory(prefix="qavix-speech-") as tmp:
        src = Path(tmp, "speech.wav")
        src.write_bytes(buf.getvalue())
        return run_ffmpeg(["-i", str(src), "-map_metadata", "-1", "-fflags", "+bitexact",
                           "-flags:a", "+bitexact", *_ENCODERS[fmt], "-"], what=f"speech.{fmt}")


def synthesize_array(text: str, traits: VoiceTraits, *,
                     engine: str | None = None) -> tuple[np.ndarray, int]:
    """Mono float32 samples in [-1, 1] and their sample rate.

    ``engine``: "espeak", "synthetic", or None for the ``QAVIX_SANDBOX_SPEECH`` environment
    variable, else espeak when installed and it knows the language.
    """
    if not any(ch.isalnum() for ch in text):
        raise ValidationError("nothing to say: the text has no letters or digits", where="text")
    chosen = (engine or os.environ.get(ENGINE_ENV) or "auto").strip().lower()
    if chosen not in ("auto", "espeak", "synthetic"):
        raise ValidationError(f"unknown speech engine {chosen!r}; use espeak, synthetic or auto",
                              where=f"engine / {ENGINE_ENV}")
    if chosen == "espeak" and not espeak_available():
        raise ValidationError("espeak-ng is not installed", where=f"engine / {ENGINE_ENV}")
    use_espeak = chosen != "synthetic" and espeak_available() and espeak_voice(traits.lang)
    samples, rate = espeak(text, traits) if use_espeak else (np.empty(0), SAMPLE_RATE)
    if not len(samples):  # the synthetic engine, or espeak found nothing to say in this text
        samples, rate = babble(plan(text, traits), traits), SAMPLE_RATE
    # peaks at -6 dBFS, then emotion sets the level: angry louder, sad softer
    peak = 10 ** ((-6 + traits.prosody.gain_db) / 20)
    return (samples * (peak / max(float(np.abs(samples).max()), 1e-9))).astype(np.float32), rate


def estimate_duration(text: str, traits: VoiceTraits) -> float:
    """Seconds of speech from the synthetic engine (exact). espeak aims at the same syllable rate
    but its length differs by language: measure ``synthesize_array``'s output when it matters."""
    units = plan(text, traits)
    return LEAD_S + TRAIL_S + sum(u.seconds + u.pause for u in units)
