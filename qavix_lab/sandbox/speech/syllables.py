"""The synthetic engine's first half: text -> syllable plan (onset, vowels, length, pitch cues)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from ...errors import ValidationError
from .traits import BASE_SYLLABLES_PER_S, VoiceTraits

LEAD_S, TRAIL_S = 0.12, 0.25
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_TOKEN = re.compile(rf"([{_CJK}])|(\d)|([^\W\d_]+)|([,;:，；：、]|[.!?。！？…]+)")
_VOWEL_CLASS = {**dict.fromkeys("aаяα", "a"), **dict.fromkeys("eеэεη", "e"),
                **dict.fromkeys("iyиыіїιj", "i"), **dict.fromkeys("oоёοω", "o"),
                **dict.fromkeys("uуюυ", "u"), "є": "e", "æ": "a", "œ": "e", "ø": "e"}
_VOWEL_GROUP = re.compile(f"[{''.join(_VOWEL_CLASS)}]+")
_ONSETS = (("sibilant", set("szcxçшщжчсзц")), ("plosive", set("ptkbdgqпткбдгτκπβδγ")),
           ("fricative", set("fvhwфвхφθ")), ("sonorant", set("mnlrjмнлрйμνλρ")))


@dataclass
class _Syllable:
    onset: str  # "", "sibilant", "plosive", "fricative" or "sonorant"
    vowels: str  # start and end vowel of the nucleus (a glide when they differ)
    seconds: float  # a relative weight until plan turns it into seconds
    stressed: bool
    tone: int = 0  # Mandarin tone 1..4, 0 elsewhere
    pause: float = 0.0  # silence after it: a word gap or punctuation
    phrase_end: str = ""  # the punctuation closing its phrase, if it is the last syllable


# The name to use. The class keeps its old one because the synthetic voice seeds its noise
# from the plan's repr: renaming it would change every voice's sound.
Syllable = _Syllable


def plan(text: str, traits: VoiceTraits) -> list[Syllable]:
    units: list[Syllable] = []
    for cjk, digit, word, punct in _TOKEN.findall(text):
        if punct and units:
            units[-1].pause = 0.35 if punct[0] in ".!?。！？…" else 0.2
            units[-1].phrase_end = punct[0]
        elif cjk or digit:
            code = ord(cjk or digit)
            tone = code % 4 + 1 if traits.lang.startswith("zh") and cjk else 0
            units.append(Syllable(_ONSETS[code % 4][0] if code % 5 else "",
                                   "aeiou"[code // 5 % 5] * 2, 1.5, code % 3 == 0, tone))
        elif word:
            units.extend(_word_syllables(word.lower(), traits.lang))
    if not units:
        raise ValidationError("nothing to say: the text has no letters or digits", where="text")
    units[-1].pause = 0.0  # the trailing silence is fixed
    weights = np.array([0.75 + 0.1 * min(u.seconds, 6) for u in units])
    slower = BASE_SYLLABLES_PER_S / traits.syllables_per_s  # slow speakers pause longer too
    for unit, weight in zip(units, weights / weights.mean(), strict=True):
        unit.seconds = float(weight / traits.syllables_per_s)
        unit.pause *= slower
    return units


def _word_syllables(word: str, lang: str) -> list[Syllable]:
    plain = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    nuclei = [(m.start(), _VOWEL_CLASS[m.group()[0]] + _VOWEL_CLASS[m.group()[-1]])
              for m in _VOWEL_GROUP.finditer(plain)]
    if lang.split("-")[0] in ("en", "fr") and len(nuclei) > 1 and plain.endswith("e") \
            and not plain.endswith(("le", "ee")):
        nuclei.pop()  # a silent final e
    if not nuclei:  # no written vowels (Arabic, Hebrew, Indic...): a syllable per 2.5 letters
        bounds = np.linspace(0, len(plain), max(1, round(len(plain) / 2.5)) + 1).astype(int)
        nuclei = [(int(b), "aeiou"[ord(plain[b]) % 5] * 2) for b in bounds[:-1]]
    ends = [start for start, _ in nuclei[1:]] + [len(plain)]
    out, begin = [], 0
    for (start, vowels), end in zip(nuclei, ends, strict=True):
        stressed = begin == 0 and (len(nuclei) > 1 or len(plain) > 3)
        out.append(Syllable(_onset_class(plain[begin:start]), vowels, end - begin, stressed))
        begin = end
    out[-1].pause = 0.04
    return out


def _onset_class(consonants: str) -> str:
    for name, letters in _ONSETS:
        if any(c in letters for c in consonants):
            return name
    # letters of other scripts: any stable choice will do
    return _ONSETS[ord(consonants[0]) % 4][0] if consonants else ""
