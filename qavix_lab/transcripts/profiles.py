"""Subtitle and dubbing limits per language (``Profile``), with documented defaults.

The subtitle limits follow the widely used streaming style guides (e.g. Netflix's timed text
style guides): English 42 characters per line and 17 characters per second for adult programmes
(13 for children's), Simplified Chinese 16 characters per line and 9 characters per second; at
most 2 lines; a subtitle lasts 5/6 s to 7 s; 2 frames between subtitles. Natural speaking rates
(for whether a dub fits its slot) are typical conversational rates: about 15 characters per
second in English (150 words a minute), 4.5 in Mandarin (270 characters a minute).

Add a language by adding a profile: ``PROFILES["ja"] = Profile("ja", wide=True, ...)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import ValidationError
from .script import is_wide


@dataclass(frozen=True)
class Profile:
    """Limits a subtitler and a dubbing editor work to, for one language.

    ``wide``: the language is written in full-width CJK characters (they count 1, Latin letters
    and digits 1/2, spaces are not used between words).
    """

    name: str
    wide: bool = False
    max_chars_per_line: int = 42
    max_lines: int = 2
    max_cps: float = 17.0
    min_duration: float = 5 / 6
    max_duration: float = 7.0
    fps: float = 24.0
    min_gap_frames: int = 2
    speaking_cps: float = 15.0
    max_speech_fit: float = 1.15
    max_length_ratio: float = 1.3
    max_duration_drift: float = 0.2
    outlier_z: float = 3.5

    @property
    def min_gap(self) -> float:
        """The shortest gap between two subtitles that is not a flicker, in seconds."""
        return self.min_gap_frames / self.fps


PROFILES: dict[str, Profile] = {
    "en": Profile("en"),
    "en-children": Profile("en-children", max_cps=13.0),
    "zh": Profile("zh", wide=True, max_chars_per_line=16, max_cps=9.0, speaking_cps=4.5),
}


def profile_for(profile: str | Profile | None, lang: str | None = None,
                texts: pd.Series | None = None) -> Profile:
    """The profile asked for, else the one for ``lang`` ("zh-CN" uses "zh"), else by script:
    Chinese when the text is mostly CJK, English otherwise."""
    if isinstance(profile, Profile):
        return profile
    name = profile or lang
    if name:
        for key in (name, name.lower(), name.split("-")[0].split("_")[0].lower()):
            if key in PROFILES:
                return PROFILES[key]
        if profile:
            raise ValidationError(f"no QA profile {profile!r}; known: {', '.join(PROFILES)} "
                                  "(or pass a Profile)", where="profile")
    sample = "".join(texts.dropna().head(200)) if texts is not None else ""
    return PROFILES["zh" if is_wide(sample) else "en"]
