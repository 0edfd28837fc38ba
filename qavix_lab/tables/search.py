"""Case-insensitive text search in a voice frame's ``name`` and ``remark`` columns.

Casefolding 100,000 strings costs more than searching them, so the values are joined into one
text a column and casefolded at once. ``voices_frame`` does that when it builds the frame (its
``FilterIndex``, shared by every frame derived from it, used for the rows whose names and remarks
are still those it folded). For any other frame (an edited one, a frame made by hand) the fold
is kept while the frame lives (a weak reference: it goes with the frame) and reused while the
frame's name and remark columns are the arrays it was folded from (pandas' copy-on-write gives
an edited column a new array).

>>> rows = np.arange(len(voices))
>>> voices.iloc[rows[text_hits(voices, voices["name"], voices["remark"], rows, "warm")]]
"""

from __future__ import annotations

import weakref
from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd

from .prepared import ROW_END, Joined, filter_index


class _Folded(NamedTuple):
    frame: weakref.ref[pd.DataFrame]
    # the columns as they were folded: views that copy-on-write makes pandas replace in the frame
    # at the first edit, so an edited column has another array
    names: pd.Series
    remarks: pd.Series
    joined: tuple[Joined, Joined] | None  # names, remarks (None: a value holds ROW_END)


# by id(frame): frames are not hashable; the weak reference tells a reused id apart
_FOLDED: dict[int, _Folded] = {}


def _forget(key: int, frame: weakref.ref[pd.DataFrame]) -> None:
    if key in _FOLDED and _FOLDED[key].frame is frame:
        del _FOLDED[key]


def _texts(column: pd.Series) -> list[object]:
    return column.to_numpy(dtype=object).tolist()


def _folded_rows(df: pd.DataFrame, names: pd.Series, remarks: pd.Series,
                 ) -> tuple[Joined, Joined] | None:
    """The frame's names and remarks casefolded, once per frame (and again after edits);
    ``None`` when a value holds the row separator (then the search goes value by value)."""
    kept = _FOLDED.get(id(df))
    if (kept is not None and kept.frame() is df and kept.names.array is names.array
            and kept.remarks.array is remarks.array):
        return kept.joined
    name_text, remark_text = Joined.of(_texts(names)), Joined.of(_texts(remarks))
    joined = None if name_text is None or remark_text is None else (name_text, remark_text)
    key = id(df)
    _FOLDED[key] = _Folded(weakref.ref(df, partial(_forget, key)), names, remarks, joined)
    return joined


def _containing(values: np.ndarray, needle: str) -> np.ndarray:
    return np.fromiter((isinstance(v, str) and needle in v.casefold() for v in values),
                       dtype=bool, count=len(values))


def text_hits(df: pd.DataFrame, names: pd.Series, remarks: pd.Series, rows: np.ndarray,
              text: str) -> np.ndarray:
    """Which of ``rows`` (positions) have ``text``, any case, in name or remark.

    ``names`` and ``remarks`` are ``df``'s columns.
    """
    needle = text.casefold()
    if ROW_END in needle:  # could match across two values: fold value by value
        return (_containing(names.to_numpy()[rows], needle)
                | _containing(remarks.to_numpy()[rows], needle))
    index = filter_index(df)
    found = None if index is None else index.text_hits(df, rows, needle)
    if found is not None:
        return found
    joined = _folded_rows(df, names, remarks)
    if joined is None:
        return (_containing(names.to_numpy()[rows], needle)
                | _containing(remarks.to_numpy()[rows], needle))
    return joined[0].hits_at(needle, rows) | joined[1].hits_at(needle, rows)
