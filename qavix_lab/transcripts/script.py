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
# Hangul is full width too, but Korean is written with spaces between words: it counts 1 when
# measuring a line (Netflix's Korean guide) without changing how words join or lines break.
_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
_FULL_CHAR = re.compile(f"[{_WIDE}{_HANGUL}]")
# Spaces that must go after joining tokens with " ": around wide characters, before closing
# punctuation, after opening brackets (every match starts with the space: a fast scan).
_SPACE_TO_DROP = re.compile(f" (?:(?=[{_WIDE}.,!?;:%)\\]}}])|(?<=[{_WIDE}(\\[{{] ))")
_BREAK_AFTER = set(",.!?;:\u3001\u3002\uff0c\uff01\uff1f\uff1b\uff1a")
_MARK_SPACE = re.compile("[" + re.escape(",.!?;:\u3001\u3002\uff0c\uff01\uff1f\uff1b\uff1a") + "] ")
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
    """True when most letters of ``text`` are CJK or Hangul (then it is measured in full-width
    cells)."""
    wide = len(_FULL_CHAR.findall(text))
    return wide > 0 and wide >= 0.3 * len(text.replace(" ", ""))


def reading_length(texts: pd.Series, wide: bool) -> pd.Series:
    """Characters a viewer reads, line breaks excluded (float64).

    Latin script: every character, spaces and punctuation included (the usual subtitle rule).
    CJK and Korean: full-width characters count 1 and half-width ones (Latin letters, digits,
    spaces, punctuation) 1/2.
    """
    texts = texts.astype("string").fillna("").str.replace("\n", "", regex=False)
    total = texts.str.len().astype("float64")
    if not wide:
        return total
    full = texts.str.count(_FULL_CHAR.pattern).astype("float64")
    return full + 0.5 * (total - full)


def text_width(text: str, wide: bool) -> float:
    """:func:`reading_length` of one string."""
    if not wide:
        return float(len(text))
    full = len(_FULL_CHAR.findall(text))
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
    if not wide and not _WIDE_CHAR.search(text):
        two = _two_spaced_lines(text, max_chars)
        if two is not None:
            return two
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


def line_count_fits(text: str, max_chars: int, max_lines: int, wide: bool = False) -> bool:
    """Does :func:`break_lines` keep ``text`` within ``max_lines`` lines? Spaced text that fits
    one or two lines is told by a string search, without breaking it."""
    if not wide and max_lines == 2 and "  " not in text and not _WIDE_CHAR.search(text):
        n = len(text)
        if n <= max_chars:
            return True
        low = max(n - 1 - max_chars, 1)
        if low <= max_chars and text.find(" ", low, max_chars + 1) >= 0:
            return True
    return len(break_lines(text, max_chars, wide)) <= max_lines


def _two_spaced_lines(text: str, max_chars: int) -> list[str] | None:
    """:func:`break_lines` of spaced text (every character counting 1) into two lines: the
    space nearest the middle among those after punctuation, else among all, that leaves both
    lines within ``max_chars``; None when there is none. Only a few spaces are looked at."""
    n = len(text)
    low, high = max(n - 1 - max_chars, 1), max_chars
    if low > high:
        return None
    middle = n / 2
    marks = [m.end() - 1 for m in _MARK_SPACE.finditer(text, max(low - 1, 0), high + 1)]
    candidates = [c for c in marks if low <= c <= high]
    if not candidates:
        half = int(middle)
        left = text.rfind(" ", low, min(half, high) + 1)
        right = text.find(" ", max(half + 1, low), high + 1)
        candidates = [c for c in (left, right) if c >= 0]
        if not candidates:
            return None
    cut = min(candidates, key=lambda c: abs(c - middle))
    return [text[:cut], text[cut + 1:]]


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


_SENTENCE_END = set(".!?…\u3002\uff01\uff1f")
_CLAUSE_END = set(",;:\u3001\uff0c\uff1b\uff1a")
_CONJUNCTIONS = ("and", "but", "or", "so", "because", "that", "which", "when", "while", "if",
                 "then", "although", "et", "mais", "ou", "y", "pero", "und", "aber", "oder")
_WIDE_CONJUNCTIONS = ("但是", "可是", "而且", "所以", "因为", "然后", "如果", "不过", "还有")


def linguistic_split(text: str, parts: int, wide: bool = False) -> list[str]:
    """``text`` in ``parts`` pieces of about equal width, each cut at the best linguistic break
    near its target: after a sentence's end, else after a clause (comma, semicolon...), else
    before a conjunction, else between words (or CJK characters). Pieces are stripped; fewer come
    back when the text has fewer break points.

    >>> linguistic_split("I came home late. The door was open, and nobody was there.", 2)
    ['I came home late.', 'The door was open, and nobody was there.']
    """
    text = " ".join(text.split())
    points = _ranked_breaks(text)
    if parts <= 1 or not points:
        return [text] if text else []
    total = text_width(text, wide)
    cuts: list[int] = []
    for k in range(1, parts):
        target = total * k / parts
        later = [(c, r) for c, r in points if not cuts or c > cuts[-1]]
        if not later:
            break
        # Within a window around the target the best rank wins, nearest the target on ties.
        window = total / parts / 2
        near = [(c, r) for c, r in later if abs(text_width(text[:c], wide) - target) <= window]
        pool = near or later
        cut = min(pool, key=lambda cr: (cr[1], abs(text_width(text[:cr[0]], wide) - target)))[0]
        cuts.append(cut)
    pieces = [text[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    return [p for p in pieces if p]


def _ranked_breaks(text: str) -> list[tuple[int, int]]:
    """Offsets where a piece may end, with a rank (0 best): sentence end, clause end,
    before a conjunction, any other break point."""
    ranked = []
    lowered = text.lower()
    for c in _break_points(text):
        before = text[:c].rstrip()[-1:]
        rest = lowered[c:].lstrip()
        if before in _SENTENCE_END:
            rank = 0
        elif before in _CLAUSE_END:
            rank = 1
        elif any(rest.startswith(w + " ") for w in _CONJUNCTIONS) or rest.startswith(
                _WIDE_CONJUNCTIONS):
            rank = 2
        else:
            rank = 3
        ranked.append((c, rank))
    return ranked
