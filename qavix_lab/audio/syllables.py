"""Rough, language-aware counts of spoken characters and syllables, for speaking rates.

CJK ideographs, kana and Hangul blocks count one syllable each (small kana join the one before);
alphabetic words count their vowel groups (English/French drop a silent final "e"); words of
scripts without written vowels (Arabic, Hebrew, Indic, Thai...) count one per 2.5 letters; each
digit counts one.
"""

from __future__ import annotations

import re

_SYLLABIC = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_SYLLABIC_CHAR = re.compile(f"[{_SYLLABIC}]")
_SMALL_KANA = set("ぁぃぅぇぉゃゅょゎァィゥェォャュョヮ")
_VOWELS = "aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœаеёиоуыэюяіїєαεηιουωάέήίόύώ"
_VOWEL_GROUP = re.compile(f"[{_VOWELS}]+")
_WORD = re.compile(rf"[^\W\d_{_SYLLABIC}]+")
_SILENT_E_LANGS = {None, "en", "fr"}


def count_characters(text: str) -> int:
    """Letters, digits and ideographs (no spaces or punctuation)."""
    return sum(ch.isalnum() for ch in text)


def count_syllables(text: str, lang: str | None = None) -> int:
    """Estimated syllables in ``text``; ``lang`` (ISO code) refines Latin-script rules.

    >>> count_syllables("Make a table"), count_syllables("你好世界")
    (4, 4)
    """
    base = lang.lower().replace("_", "-").split("-")[0] if lang else None
    syllabic = sum(ch not in _SMALL_KANA for ch in _SYLLABIC_CHAR.findall(text))
    digits = sum(ch.isdigit() for ch in text)
    return syllabic + digits + sum(_word_syllables(w, base) for w in _WORD.findall(text.lower()))


def _word_syllables(word: str, lang: str | None) -> int:
    groups = len(_VOWEL_GROUP.findall(word))
    if groups == 0:  # a script without written vowels, or an acronym/consonant cluster
        return max(1, round(len(word) / 2.5))
    silent_e = (lang in _SILENT_E_LANGS and groups > 1 and word.endswith("e")
                and not word.endswith(("le", "ee")))
    return groups - silent_e
