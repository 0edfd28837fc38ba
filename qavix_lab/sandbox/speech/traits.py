"""Who speaks: a catalog voice's traits and how each emotion colours its prosody."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ...errors import ValidationError

BASE_SYLLABLES_PER_S = 5.0
GENDERS = ("male", "female")
AGES = ("child", "young", "middle", "senior")
_ALIASES = {"man": "male", "woman": "female", "middle-aged": "middle", "middle aged": "middle",
            "adult": "middle", "elderly": "senior", "old": "senior", "kid": "child",
            "youth": "young"}


@dataclass(frozen=True)
class Prosody:
    """How an emotion colours a voice: pitch and its range (factors), syllable rate (factor),
    level (dB), breathiness (aspiration noise) and tension (a pressed, brighter glottal pulse)."""

    pitch: float
    range: float
    rate: float
    gain_db: float
    breath: float
    tension: float


EMOTIONS = {
    "neutral": Prosody(1.00, 1.0, 1.00, 0.0, 0.06, 0.5),
    "calm": Prosody(0.96, 0.7, 0.88, -2.0, 0.08, 0.4),
    "gentle": Prosody(1.02, 0.8, 0.90, -4.0, 0.15, 0.3),
    "happy": Prosody(1.10, 1.4, 1.10, 1.0, 0.05, 0.6),
    "excited": Prosody(1.18, 1.5, 1.25, 3.0, 0.05, 0.7),
    "sad": Prosody(0.92, 0.5, 0.78, -5.0, 0.12, 0.35),
    "angry": Prosody(1.06, 1.3, 1.12, 4.0, 0.03, 0.9),
}
_BASE_F0 = {"male": {"child": 255, "young": 125, "middle": 115, "senior": 110},
            "female": {"child": 280, "young": 220, "middle": 205, "senior": 190}}
_AGE_RATE = {"child": 0.85, "young": 1.05, "middle": 1.0, "senior": 0.85}


@dataclass(frozen=True)
class VoiceTraits:
    """What the synthesizer needs to know about a catalog voice; ``seed`` makes each voice unique.

    >>> VoiceTraits(gender="male", age="senior", emotion="sad", lang="de", seed=7)
    """

    gender: str = "female"
    age: str = "young"
    emotion: str = "neutral"
    lang: str = "en"
    seed: int = 0

    def __post_init__(self) -> None:
        for name, allowed in (("gender", GENDERS), ("age", AGES), ("emotion", tuple(EMOTIONS))):
            value = str(getattr(self, name)).strip().lower()
            value = _ALIASES.get(value, value)
            if value not in allowed:
                raise ValidationError(f"unknown {name} {value!r}; choose from {', '.join(allowed)}",
                                      where=f"VoiceTraits.{name}")
            object.__setattr__(self, name, value)
        lang = str(self.lang).strip().lower().replace("_", "-")
        if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]+)*", lang):
            raise ValidationError(f"not a language code: {self.lang!r}", where="VoiceTraits.lang")
        object.__setattr__(self, "lang", lang)
        object.__setattr__(self, "seed", int(self.seed))

    @property
    def prosody(self) -> Prosody:
        return EMOTIONS[self.emotion]

    @property
    def f0_hz(self) -> float:
        """Typical pitch: gender and age, coloured by emotion, nudged up to ±5% by the seed."""
        return _BASE_F0[self.gender][self.age] * self.prosody.pitch * self.nudge(0)

    @property
    def formant_scale(self) -> float:
        """Shorter vocal tracts (women, children) raise every formant."""
        scale = 1.35 if self.age == "child" else {"male": 1.0, "female": 1.17}[self.gender]
        return scale * self.nudge(1)

    @property
    def syllables_per_s(self) -> float:
        return BASE_SYLLABLES_PER_S * _AGE_RATE[self.age] * self.prosody.rate

    def nudge(self, which: int) -> float:
        """A factor within ±5%, fixed by the seed; ``which`` picks an independent one."""
        return 1 + float(np.random.default_rng([self.seed, which]).uniform(-0.05, 0.05))
