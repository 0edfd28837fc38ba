"""Subtitle and dubbing rules per language and audience, as one table with sources (``Profile``).

:data:`PROFILE_TABLE` holds every published figure we use, one row per language and audience
(adult, children, SDH), each with its source and the date it was checked; ``verified`` says how:
``primary`` (read on the publisher's page), ``secondary`` (only seen quoted by others) or
``unverified`` (taken from issue 13 and not found in any source we could read: check it before
relying on it). :func:`profile_table` shows it as a DataFrame; :data:`PROFILES` holds a
:class:`Profile` per row, named ``lang`` (adult), ``lang-children`` or ``lang-sdh``.

Rules shared by every language (Netflix Timed Text Style Guide: General Requirements, checked
2026-11-30, primary): a subtitle lasts 5/6 s to 7 s; at least 2 frames between subtitles whatever
the frame rate; at most 2 lines; timed to the audio within 3 frames, the out-time extended at most
12 frames past the end of speech. From Netflix's subtitle timing guidelines as issue 13 states
them (secondary): gaps under 12 frames are closed to 2 ("chaining"); in- and out-times within
12 frames (at 24 fps: half a second) of a shot change snap to it, an out-time 1 frame before a
cut being an error.

Dub loudness (Netflix Sound Mix Specifications & Best Practices v1.4, quoted by Netflix's QC page
"Loudness and True Peaks" and by mixers' notes, secondary): dialogue-gated loudness -27 LKFS
+-2 LU, true peak at most -2 dBTP; under 15 % dialogue, programme loudness -24 LKFS +-2.

Natural speaking rates (whether a dub fits its slot) are typical conversational rates, not
published limits: about 15 characters a second in English (150 words a minute), 4.5 in Mandarin.

Pick a profile by name (``qa(t, profile="ko-children")``), or define one:
``Profile("house", max_cps=15)`` or ``replace(PROFILES["en"], max_cps=18)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import pandas as pd

from ..errors import ValidationError
from .script import is_wide

CHECKED = "2026-11-30"
_NF = "https://partnerhelp.netflixstudios.com/hc/en-us/articles/"
_GENERAL = _NF + "215758617-Timed-Text-Style-Guide-General-Requirements"
_SECONDARY_EN = ("20/17 cps: Netflix's current figure as quoted by subtitling.net (May 2026); "
                 "the older Netflix English Template guide (backlothelp, 219375728) gave 17/13")

# name, lang, audience, max_cps, max_chars_per_line, wide, source, verified (cps; line length)
_ROWS: list[tuple[str, str, str, float, int, bool, str, str]] = [
    ("en", "en", "adult", 20.0, 42, False,
     f"Netflix English (USA) Timed Text Style Guide; {_SECONDARY_EN}; 42 chars: primary "
     "(English Template and English SDH guides)", "secondary; primary"),
    ("en-children", "en", "children", 17.0, 42, False,
     f"Netflix English (USA) Timed Text Style Guide; {_SECONDARY_EN}", "secondary; primary"),
    ("en-sdh", "en", "SDH", 20.0, 42, False,
     _NF + "217350977-English-SDH-Timed-Text-Style-Guide (42 chars per line); 20 cps not found "
     "in a readable source", "unverified; primary"),
    ("zh", "zh", "adult", 9.0, 16, True,
     _NF + "215986007-Chinese-Simplified-Timed-Text-Style-Guide (16 chars per line); 9 cps not "
     "found in a readable source", "unverified; primary"),
    ("zh-children", "zh", "children", 7.0, 16, True,
     _NF + "215986007-Chinese-Simplified-Timed-Text-Style-Guide (16 chars per line); 7 cps not "
     "found in a readable source", "unverified; primary"),
    ("ko", "ko", "adult", 12.0, 16, True,
     _NF + "216001127-Korean-Timed-Text-Style-Guide (16 chars per line; Latin characters, "
     "spaces and punctuation count 0.5); 12 cps not found in a readable source",
     "unverified; primary"),
    ("ko-children", "ko", "children", 9.0, 16, True,
     _NF + "216001127-Korean-Timed-Text-Style-Guide; 9 cps not found in a readable source",
     "unverified; primary"),
    ("ja", "ja", "adult", 4.0, 13, True,
     _NF + "215767517-Japanese-Timed-Text-Style-Guide (13 full-width chars per horizontal line, "
     "11 vertical; half-width counts 0.5); 4 cps not found in a readable source",
     "unverified; primary"),
    ("ja-sdh", "ja", "SDH", 7.0, 13, True,
     _NF + "215767517-Japanese-Timed-Text-Style-Guide; 7 cps (SDH) not found in a readable "
     "source", "unverified; primary"),
    ("hi", "hi", "adult", 22.0, 42, False,
     "Netflix Hindi Timed Text Style Guide: not found in a readable source (22 cps, 42 chars "
     "from issue 13)", "unverified; unverified"),
    ("hi-children", "hi", "children", 18.0, 42, False,
     "Netflix Hindi Timed Text Style Guide: not found in a readable source (18 cps from issue "
     "13)", "unverified; unverified"),
    ("ar", "ar", "adult", 20.0, 42, False,
     _NF + "215517947-Arabic-Timed-Text-Style-Guide (42 chars per line); 20 cps not found in a "
     "readable source", "unverified; primary"),
    ("ar-children", "ar", "children", 17.0, 42, False,
     _NF + "215517947-Arabic-Timed-Text-Style-Guide; 17 cps not found in a readable source",
     "unverified; primary"),
    ("default", "*", "adult", 17.0, 42, False,
     "Most other Netflix language guides (17/13 cps, 42 chars), as issue 13 states them; the "
     "English Template guide (backlothelp 219375728, primary) has the same 17/13 and 42",
     "secondary; primary"),
    ("default-children", "*", "children", 13.0, 42, False,
     "Most other Netflix language guides (13 cps for children), as issue 13 states them; the "
     "English Template guide (backlothelp 219375728, primary) has the same 13",
     "secondary; primary"),
]


@dataclass(frozen=True)
class Profile:
    """Limits a subtitler and a dubbing editor work to, for one language and audience.

    ``wide``: the language is written in full-width characters (CJK: they count 1; Latin
    letters, digits, half-width spaces and punctuation count 1/2). Frame counts are frames of the
    video (``fps`` is the rate assumed when none is given); windows given in seconds
    (``chain_window``, ``snap_window``) are 12 frames at 24 fps and scale with the rate.
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
    lang: str = "*"
    audience: str = "adult"
    chain_window: float = 0.5
    snap_window: float = 0.5
    speech_lead_frames: int = 3
    speech_tail_frames: int = 12
    dialogue_lkfs: float = -27.0
    dialogue_tolerance: float = 2.0
    program_lkfs: float = -24.0
    min_dialogue_share: float = 0.15
    max_true_peak: float = -2.0
    speaking_cps: float = 15.0
    max_speech_fit: float = 1.15
    max_length_ratio: float = 1.3
    max_duration_drift: float = 0.2
    outlier_z: float = 3.5

    @property
    def min_gap(self) -> float:
        """The shortest gap between two subtitles that is not a flicker, in seconds."""
        return self.min_gap_frames / self.fps


_SPEAKING = {"zh": 4.5, "ja": 7.0, "ko": 7.0}


def _profile(row: tuple[str, str, str, float, int, bool, str, str]) -> Profile:
    name, lang, audience, cps, chars, wide, _, _ = row
    return Profile(name, wide=wide, max_chars_per_line=chars, max_cps=cps, lang=lang,
                   audience=audience, speaking_cps=_SPEAKING.get(lang, 15.0))


PROFILES: dict[str, Profile] = {row[0]: _profile(row) for row in _ROWS}


def profile_table() -> pd.DataFrame:
    """Every profile's published figures with their source, the date checked and how
    (``verified``: cps; line length), one row per language and audience."""
    frame = pd.DataFrame(_ROWS, columns=["name", "lang", "audience", "max_cps",
                                         "max_chars_per_line", "half_width_counts_half",
                                         "source", "verified"])
    common = {f.name: [getattr(PROFILES[n], f.name) for n in frame["name"]] for f in fields(
        Profile) if f.name in ("max_lines", "min_duration", "max_duration", "min_gap_frames")}
    frame = frame.assign(**common, checked=CHECKED)
    return frame.set_index("name")


def profile_for(profile: str | Profile | None, lang: str | None = None,
                texts: pd.Series | None = None) -> Profile:
    """The profile asked for, else the adult one for ``lang`` ("zh-CN" uses "zh"; a language
    without a row of its own uses "default"), else by script: Korean for Hangul, Japanese for
    kana, Chinese for other CJK text, English otherwise."""
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
        if lang:
            return PROFILES["default"]
    sample = "".join(texts.dropna().head(200)) if texts is not None else ""
    if not is_wide(sample):
        return PROFILES["en"]
    if len(_HANGUL.findall(sample)) * 2 > len(_CJK.findall(sample)):
        return PROFILES["ko"]
    return PROFILES["ja" if _KANA.search(sample) else "zh"]


_HANGUL = re.compile("[\uac00-\ud7af]")
_KANA = re.compile("[\u3040-\u30ff]")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
