"""The espeak-ng engine: real words, with the voice traits as espeak's variant, pitch and speed."""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from ...errors import QavixError
from .traits import BASE_SYLLABLES_PER_S, VoiceTraits

_ESPEAK_PITCH = {"child": 88, "young": 52, "middle": 45, "senior": 35}  # espeak -p, 0..99
_ESPEAK_PITCH_SHIFT = {"neutral": 0, "calm": -4, "gentle": 2, "happy": 8, "excited": 14,
                       "sad": -8, "angry": 4}


def espeak_available() -> bool:
    """True when the ``espeak-ng`` program is on PATH."""
    return shutil.which("espeak-ng") is not None


@functools.cache
def _espeak_languages() -> dict[str, str]:
    """espeak's language codes and their voice files (``-v fr-fr+f2`` would drop the variant;
    ``-v roa/fr+f2`` keeps it)."""
    listing = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True,
                             check=False).stdout
    rows = [line.split() for line in listing.splitlines()[1:]]
    return {row[1].lower(): row[4] for row in reversed(rows) if len(row) >= 5}


def espeak_voice(lang: str) -> str | None:
    """The espeak voice file for ``lang`` (Chinese is Mandarin, English American), or None."""
    preferred = {"zh": "cmn", "en": "en-us", "fr": "fr-fr"}
    base = lang.split("-")[0]
    for candidate in (lang, preferred.get(base), base):
        if candidate and candidate in _espeak_languages():
            return _espeak_languages()[candidate]
    return None


def espeak(text: str, traits: VoiceTraits) -> tuple[np.ndarray, int]:
    # children get a female variant whatever their gender: their voices have not broken yet
    female = traits.gender == "female" or traits.age == "child"
    variant = ("f1", "f2", "f3", "f4")[traits.seed % 4] if female else \
        ("m1", "m2", "m3", "m4")[traits.seed % 4]
    pitch = _ESPEAK_PITCH[traits.age] + _ESPEAK_PITCH_SHIFT[traits.emotion]
    pitch -= 8 if traits.age == "child" and traits.gender == "male" else 0
    # the seed moves pitch and pace a little, so two voices of the same traits still differ
    pitch += round(120 * (traits.nudge(0) - 1))
    speed = round(175 * traits.syllables_per_s / BASE_SYLLABLES_PER_S * traits.nudge(2))
    with tempfile.TemporaryDirectory(prefix="qavix-espeak-") as tmp:
        out = Path(tmp, "speech.wav")
        cmd = ["espeak-ng", "-b", "1", "-v", f"{espeak_voice(traits.lang)}+{variant}",
               "-p", str(int(np.clip(pitch, 0, 99))), "-s", str(max(80, speed)),
               "-w", str(out)]
        proc = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, check=False,
                              timeout=120)
        if proc.returncode != 0 or not out.exists():
            raise QavixError(f"espeak-ng failed: {proc.stderr.decode(errors='replace')}",
                             where="espeak-ng")
        with wave.open(str(out), "rb") as wav:
            rate, frames = wav.getframerate(), wav.readframes(wav.getnframes())
    return np.frombuffer(frames, "<i2").astype(np.float32) / 32768, rate
