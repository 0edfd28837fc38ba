"""Case-insensitive text search in a voice frame's ``name`` and ``remark`` columns.

Casefolding 100,000 strings costs more than searching them, so each frame's folded text is
kept while the frame lives (a weak reference: it goes with the frame) and reused while the
frame's names and remarks are equal to the ones it was folded from.

>>> rows = np.arange(len(voices))
>>> voices.iloc[rows[text_hits(voices, voices["name"], voices["remark"], rows, "warm")]]
"""

from __future__ import annotations

import operator
import weakref
from functools import partial
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

# Between a row's folded name and remark: a needle without it cannot match across the two.
_SEPARATOR = "\x00"


class _Folded(NamedTuple):
    frame: weakref.ref[pd.DataFrame]
    names: Any  # copies of the columns' arrays, to notice edits made in place
    remarks: Any
    folded: np.ndarray  # one "name\x00remark" string per row, casefolded


# by id(frame): frames are not hashable; the weak reference tells a reused id apart
_FOLDED: dict[int, _Folded] = {}


def _casefolded(column: pd.Series) -> Any:
    """The column's values casefolded, ``""`` for missing and non-text values."""
    return map(str.casefold, [v if isinstance(v, str) else "" for v in column.to_numpy().tolist()])


def _forget(key: int, frame: weakref.ref[pd.DataFrame]) -> None:
    if key in _FOLDED and _FOLDED[key].frame is frame:
        del _FOLDED[key]


def _folded_rows(df: pd.DataFrame, names: pd.Series, remarks: pd.Series) -> np.ndarray:
    """Each row's casefolded ``name\\x00remark``, folded once per frame (and again after edits)."""
    kept = _FOLDED.get(id(df))
    if (kept is not None and kept.frame() is df and kept.names.equals(names.array)
            and kept.remarks.equals(remarks.array)):
        return kept.folded
    # folded column by column: most remarks are ASCII, which casefolds fastest on its own
    pairs = zip(_casefolded(names), _casefolded(remarks), strict=True)
    folded = np.array(list(map(_SEPARATOR.join, pairs)), dtype=object)
    key = id(df)
    _FOLDED[key] = _Folded(weakref.ref(df, partial(_forget, key)), names.array.copy(),
                           remarks.array.copy(), folded)
    return folded


def _containing(values: np.ndarray, needle: str) -> np.ndarray:
    return np.fromiter((isinstance(v, str) and needle in v.casefold() for v in values),
                       dtype=bool, count=len(values))


def text_hits(df: pd.DataFrame, names: pd.Series, remarks: pd.Series, rows: np.ndarray,
              text: str) -> np.ndarray:
    """Which of ``rows`` (increasing positions) have ``text``, any case, in name or remark.

    ``names`` and ``remarks`` are ``df``'s columns.
    """
    needle = text.casefold()
    if _SEPARATOR in needle:  # could match across name and remark: fold value by value
        return (_containing(names.to_numpy()[rows], needle)
                | _containing(remarks.to_numpy()[rows], needle))
    folded = _folded_rows(df, names, remarks)
    chosen = folded if len(rows) == len(folded) else folded[rows]
    return np.fromiter(map(operator.contains, chosen, repeat(needle)), dtype=bool,
                       count=len(chosen))
