"""Case-insensitive text search in a voice frame's ``name`` and ``remark`` columns.

Casefolding 100,000 strings costs more than searching them, so each frame's names and remarks
are joined into one text a column, casefolded at once and kept (UTF-8) while the frame lives (a weak
reference: it goes with the frame) and reused while the frame's name and remark columns are the
arrays it was folded from (pandas' copy-on-write gives an edited column a new array).

>>> rows = np.arange(len(voices))
>>> voices.iloc[rows[text_hits(voices, voices["name"], voices["remark"], rows, "warm")]]
"""

from __future__ import annotations

import weakref
from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd

# Between rows of a column's joined text: a needle without it cannot match across two values.
_ROW_END = "\x01"


class _Joined(NamedTuple):
    text: bytes  # "value\x01value\x01..." casefolded, UTF-8
    ends: np.ndarray  # the byte offset of each row's "\x01"

    def hits(self, needle: str) -> np.ndarray:
        """Which rows contain ``needle`` (casefolded, without ``_ROW_END``): every match lies
        inside one row, the first whose end comes after it."""
        pattern = needle.encode()
        # the text between matches, split in C: a match starts where the text before it ends
        pieces = np.fromiter(map(len, self.text.split(pattern)), dtype=np.int64)
        starts = np.cumsum(pieces[:-1]) + len(pattern) * np.arange(len(pieces) - 1)
        hit = np.zeros(len(self.ends), dtype=bool)
        hit[np.searchsorted(self.ends, starts)] = True
        return hit


class _Folded(NamedTuple):
    frame: weakref.ref[pd.DataFrame]
    # the columns as they were folded: views that copy-on-write makes pandas replace in the frame
    # at the first edit, so an edited column has another array
    names: pd.Series
    remarks: pd.Series
    joined: tuple[_Joined, _Joined] | None  # names, remarks (None: a value holds _ROW_END)


# by id(frame): frames are not hashable; the weak reference tells a reused id apart
_FOLDED: dict[int, _Folded] = {}


def _texts(column: pd.Series) -> list[str]:
    """The column's values, ``""`` for missing and non-text values."""
    return [v if isinstance(v, str) else "" for v in column.to_numpy().tolist()]


def _forget(key: int, frame: weakref.ref[pd.DataFrame]) -> None:
    if key in _FOLDED and _FOLDED[key].frame is frame:
        del _FOLDED[key]


def _joined(column: pd.Series) -> _Joined | None:
    """The column's values joined into one text and casefolded at once: far faster than one
    casefold a value (and an ASCII column, like most remarks, takes CPython's fast path)."""
    values = column.fillna("").tolist() if isinstance(column.dtype, pd.StringDtype) else [
        v if isinstance(v, str) else "" for v in column.to_numpy().tolist()]
    text = _ROW_END.join(values)
    if _ROW_END in text and text.count(_ROW_END) >= len(column):
        return None
    folded = (text + _ROW_END).casefold().encode()
    return _Joined(folded, np.flatnonzero(np.frombuffer(folded, dtype=np.uint8) == 1))


def _folded_rows(df: pd.DataFrame, names: pd.Series, remarks: pd.Series,
                 ) -> tuple[_Joined, _Joined] | None:
    """The frame's names and remarks casefolded, once per frame (and again after edits);
    ``None`` when a value holds the row separator (then the search goes value by value)."""
    kept = _FOLDED.get(id(df))
    if (kept is not None and kept.frame() is df and kept.names.array is names.array
            and kept.remarks.array is remarks.array):
        return kept.joined
    name_text, remark_text = _joined(names), _joined(remarks)
    joined = None if name_text is None or remark_text is None else (name_text, remark_text)
    key = id(df)
    _FOLDED[key] = _Folded(weakref.ref(df, partial(_forget, key)), names, remarks, joined)
    return joined


def _containing(values: np.ndarray, needle: str) -> np.ndarray:
    return np.fromiter((isinstance(v, str) and needle in v.casefold() for v in values),
                       dtype=bool, count=len(values))


def text_hits(df: pd.DataFrame, names: pd.Series, remarks: pd.Series, rows: np.ndarray,
              text: str) -> np.ndarray:
    """Which of ``rows`` (increasing positions) have ``text``, any case, in name or remark.

    ``names`` and ``remarks`` are ``df``'s columns.
    """
    needle = text.casefold()
    joined = None if _ROW_END in needle else _folded_rows(df, names, remarks)
    if joined is None:  # could match across two values: fold value by value
        return (_containing(names.to_numpy()[rows], needle)
                | _containing(remarks.to_numpy()[rows], needle))
    hit = joined[0].hits(needle) | joined[1].hits(needle)
    return hit if len(rows) == len(hit) else hit[rows]
