"""Writing systems: how words join, how long a text reads, and where a subtitle line breaks.

Chinese and Japanese are written without spaces and each character fills a full-width cell;
Latin-script text is spaced and every letter, space and mark counts as one character.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

# Han, kana, CJK symbols and punctuation, full-width forms: written without spaces, full width.
_WIDE = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_WIDE_CHAR = re.compile(f"[{_WIDE}]")
# Spaces that must go after joining tokens with " ": around wide characters, before closing
# punctuation, after opening brackets (every match starts with the space: a fast scan).
_SPACE_TO_DROP = re.compile(f" (?:(?=[{_WIDE}.,!?;:%)\\]}}])|(?<=[{_WIDE}(\\[{{] ))")
_BREAK_AFTER = set(",.!?;:\u3001\u3002\uff0c\uff01\uff1f\uff1b\uff1a")
_NO_BREAK_BEFORE = set(".,!?;:%)]}\u3001\u3002\uff0c\uff01\uff1f\uff1b\uff1a\uff09\u300d\u300f")


def join_words(tokens: Sequence[str]) -> str:
    """Join recognised words into text: spaced for Latin script, unspaced around CJK.

    >>> join_words(["Hello", ",", "world", "."]), join_words(["你好", "，", "世界"])
    ('Hello, world.', '你好，世界')
    """
    text = " ".join(tokens)
    if "  " in text or text[:1].isspace() or text[-1:].isspace() or "\n" in text:
        text = " ".join(text.split())  # empty or padded tokens
    return _SPACE_TO_DROP.sub("", text)


def is_wide(text: str) -> bool:
    """True when most letters of ``text`` are CJK (then it is measured in full-width cells)."""
    wide = len(_WIDE_CHAR.findall(text))
    return wide > 0 and wide >= 0.3 * len(text.replace(" ", ""))


def reading_length(texts: pd.Series, wide: bool) -> pd.Series:
    """Characters a viewer reads, line breaks excluded (float64).

    Latin script: every character, spaces and punctuation included (the usual subtitle rule).
    CJK: full-width characters count 1 and half-width ones (Latin letters, digits) 1/2.
    """
    texts = texts.astype("string").fillna("").str.replace("\n", "", regex=False)
    total = texts.str.len().astype("float64")
    if not wide:
        return total
    full = texts.str.count(_WIDE_CHAR.pattern).astype("float64")
    return full + 0.5 * (total - full)


def text_width(text: str, wide: bool) -> float:
    """:func:`reading_length` of one string."""
    if not wide:
        return float(len(text))
    full = len(_WIDE_CHAR.findall(text))
    return full + 0.5 * (len(text) - full)


def break_lines(text: str, max_chars: int, wide: bool = False) -> list[str]:
    """Break a subtitle into lines of at most ``max_chars``: one line when it fits, else two
    balanced lines, else as many full lines as needed (a QA finding then says it is too long).

    >>> break_lines("the quick brown fox jumps over the lazy dog", 30)
    ['the quick brown fox', 'jumps over the lazy dog']
    """
    text = " ".join(text.split())
    if text_width(text, wide) <= max_chars:
        return [text] if text else []
    cuts = _break_points(text)
    fitting = [c for c in cuts if _fits(text[:c], max_chars, wide)
               and _fits(text[c:], max_chars, wide)]
    if fitting:
        # Subtitle style: break after punctuation when possible, else nearest the middle.
        after_mark = [c for c in fitting if text[:c].rstrip()[-1:] in _BREAK_AFTER]
        middle = text_width(text, wide) / 2
        cut = min(after_mark or fitting, key=lambda c: abs(text_width(text[:c], wide) - middle))
        return [text[:cut].strip(), text[cut:].strip()]
    return _wrap(text, cuts, max_chars, wide)


def _fits(line: str, max_chars: int, wide: bool) -> bool:
    return text_width(line.strip(), wide) <= max_chars


def _break_points(text: str) -> list[int]:
    """Offsets where a line may break: at spaces, and between characters of unspaced CJK text."""
    points = []
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if after in _NO_BREAK_BEFORE or before == " " and after == " ":
            continue
        if after == " " or _WIDE_CHAR.match(before) or _WIDE_CHAR.match(after):
            points.append(i)
    return points


def _wrap(text: str, cuts: list[int], max_chars: int, wide: bool) -> list[str]:
    """Greedy fill; a run with no break point that is longer than a line stays whole."""
    lines, start = [], 0
    while not _fits(text[start:], max_chars, wide):
        inside = [c for c in cuts if c > start and _fits(text[start:c], max_chars, wide)]
        end = inside[-1] if inside else next((c for c in cuts if c > start), len(text))
        lines.append(text[start:end].strip())
        start = end
    if text[start:].strip():
        lines.append(text[start:].strip())
    return lines


def join_sentences(tokens: list[str], offsets: np.ndarray) -> list[str]:
    """Each sentence's text from its tokens, ``tokens[offsets[i]:offsets[i + 1]]``."""
    bounds = offsets.tolist()  # slicing with Python ints is faster than with numpy ones
    spaced = [" ".join(tokens[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    text = "\n".join(spaced)
    if text.count("\n") != len(spaced) - 1 or "  " in text or " \n" in text or "\n " in text \
            or text[:1] == " " or text[-1:] == " ":
        return [join_words(tokens[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    # One pass of the regex over all sentences at once: much faster than one per sentence.
    return _SPACE_TO_DROP.sub("", text).split("\n")
