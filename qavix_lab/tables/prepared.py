"""What every filter of a voice frame needs, worked out once when ``voices_frame`` builds it.

A voice frame comes most popular first, and keeps in ``df.attrs["filter_index"]`` its names and
remarks casefolded for the text search and each voice's categories as bits. pandas hands
``attrs`` on to every copy, slice and filtered frame, so these are shared, never copied; they
are only used for rows whose values are still those they were made from, checked on every use:

- a row of a derived frame is found by its index label (the voice's position in the records,
  which ``voices_frame`` gives as the index);
- its name and remark (or its category list) must then be the very values the index holds,
  compared value by value (``==``; a value pandas did not copy is the same object, so checking
  costs little more than reading the column).

An edited value, another index, a new column: the check fails, and the filter works from the
frame's own values instead (slower, never wrong). A list changed in place
(``voices.at[i, "category_list"].append(3)``) is still the same list object, and pandas itself
cannot see that: assign a new list (``voices.at[i, "category_list"] = [1, 3]``).

>>> voices.attrs["filter_index"]
<FilterIndex of 50,000 voices>
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

# Between values of a column's joined text: a needle without it cannot match across two values.
ROW_END = "\x01"


def popularity_keys(hot: Any, use: Any) -> tuple[np.ndarray, np.ndarray]:
    """hot_count and use_count as int64 (-1 for missing, below every count)."""
    return (np.asarray(hot.to_numpy(dtype="int64", na_value=-1)),
            np.asarray(use.to_numpy(dtype="int64", na_value=-1)))


def descending(hot: np.ndarray, use: np.ndarray) -> np.ndarray:
    """Positions by ``hot`` then ``use``, both descending, ties in their order (a stable sort)."""
    count = len(hot)
    if count == 0:
        return np.arange(0)
    hot_top, use_top = int(hot.max()), int(use.max())
    use_span = use_top - int(use.min()) + 1
    if ((hot_top - int(hot.min())) * use_span + use_span) * count >= 2**63:
        return np.lexsort((-use, -hot))
    # one distinct int64 per row (the position breaks ties): a plain sort is stable, and 10x
    # faster than lexsort
    keys = ((hot_top - hot) * use_span + (use_top - use)) * count + np.arange(count)
    return np.sort(keys) % count


def is_descending(hot: np.ndarray, use: np.ndarray) -> bool:
    """Whether rows already come by ``hot`` then ``use``, descending (then a stable sort by
    popularity keeps every row where it is)."""
    if len(hot) < 2:
        return True
    hot_next, use_next = hot[1:], use[1:]
    if not (hot_next <= hot[:-1]).all():
        return False
    ties = hot_next == hot[:-1]
    return bool((use_next[ties] <= use[:-1][ties]).all())


class Joined:
    """A column's values casefolded and joined into one UTF-8 text, each followed by
    ``ROW_END``: one search of the text finds the values holding a needle."""

    __slots__ = ("ends", "text")

    def __init__(self, text: bytes, ends: np.ndarray) -> None:
        self.text, self.ends = text, ends

    @classmethod
    def of(cls, values: Sequence[Any]) -> Joined | None:
        """``values`` (non-text ones count as ``""``) joined and casefolded at once: far faster
        than one casefold a value, and an ASCII column takes CPython's fast path. ``None`` when
        a value holds ``ROW_END`` (then search value by value)."""
        texts = [v if isinstance(v, str) else "" for v in values]
        text = ROW_END.join(texts)
        if ROW_END in text and text.count(ROW_END) >= len(texts):
            return None
        folded = (text + ROW_END).casefold().encode()
        return cls(folded, np.flatnonzero(np.frombuffer(folded, dtype=np.uint8) == 1))

    def hits(self, needle: str) -> np.ndarray:
        """Which values contain ``needle`` (casefolded, without ``ROW_END``): every match lies
        inside one value, the first whose end comes after it."""
        pattern = needle.encode()
        # the text between matches, split in C: a match starts where the text before it ends
        pieces = np.fromiter(map(len, self.text.split(pattern)), dtype=np.int64)
        starts = np.cumsum(pieces[:-1]) + len(pattern) * np.arange(len(pieces) - 1)
        hit = np.zeros(len(self.ends), dtype=bool)
        hit[np.searchsorted(self.ends, starts)] = True
        return hit


def category_bits(lists: Sequence[Any]) -> np.ndarray | None:
    """Each row's category codes as the bits of one int64 (``None`` unless every row is a list
    of integer codes in 0..62)."""
    if not set(map(type, lists)) <= {list}:
        return None
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat_items = list(chain.from_iterable(lists))
    if not set(map(type, flat_items)) <= {int}:
        return None
    bits = np.zeros(len(lists), dtype=np.int64)
    if not flat_items:
        return bits
    if min(flat_items) < 0 or max(flat_items) > 62:
        return None
    codes = np.array(flat_items, dtype=np.int64)
    filled = lengths > 0
    starts = (np.cumsum(lengths) - lengths)[filled]
    bits[filled] = np.bitwise_or.reduceat(np.left_shift(1, codes), starts)
    return bits


def _values(column: pd.Series, *, copy: bool = False) -> np.ndarray:
    """The column's values as objects; ``copy``: in memory of their own, which an edit of the
    frame in place (pandas writes to memory no other frame shares) does not change."""
    return np.array(column.array, dtype=object, copy=True if copy else None)


class FilterIndex:
    """A voice frame's names and remarks casefolded and categories as bits, made once by
    ``voices_frame`` and shared (never deep-copied) by every frame derived from it."""

    def __init__(self, df: pd.DataFrame) -> None:
        labels = df.index.to_numpy()
        count = len(df)
        self._inverse = np.full(count, -1, dtype=np.int64)
        if labels.dtype.kind in "iu" and (count == 0 or 0 <= labels.min() <= labels.max() < count):
            self._inverse[labels] = np.arange(count)
        self._labels = labels
        self._names = _values(df["name"], copy=True)
        self._remarks = _values(df["remark"], copy=True)
        names, remarks = Joined.of(self._names.tolist()), Joined.of(self._remarks.tolist())
        self._texts = None if names is None or remarks is None else (names, remarks)
        self._lists = _values(df["category_list"], copy=True)
        self._bits = category_bits(self._lists.tolist())

    def __deepcopy__(self, memo: dict[int, Any]) -> FilterIndex:
        return self  # never changed after the build: pandas deep-copies attrs at every step

    def __repr__(self) -> str:
        return f"<FilterIndex of {len(self._labels):,} voices>"

    def positions(self, df: pd.DataFrame) -> np.ndarray | None:
        """Where ``df``'s rows were in the frame this index was made for (by index label),
        or ``None`` when some label was not there."""
        labels = df.index.to_numpy()
        if len(labels) == 0:
            return np.arange(0)
        if (labels.dtype.kind not in "iu" or labels.min() < 0
                or labels.max() >= len(self._inverse)):
            return None
        positions = self._inverse[labels]
        return None if (positions < 0).any() else positions

    @staticmethod
    def _same(kept: np.ndarray, positions: np.ndarray, column: pd.Series) -> bool:
        if len(positions) == len(kept) and (positions == np.arange(len(kept))).all():
            mine = kept
        else:
            mine = kept[positions]
        return bool(mine.tolist() == _values(column).tolist())

    def text_hits(self, df: pd.DataFrame, needle: str) -> np.ndarray | None:
        """Which of ``df``'s rows hold ``needle`` (casefolded, without ``ROW_END``) in their
        name or remark; ``None`` when ``df``'s names or remarks are not this index's."""
        positions = self.positions(df)
        if (self._texts is None or positions is None or "name" not in df or "remark" not in df
                or not self._same(self._names, positions, df["name"])
                or not self._same(self._remarks, positions, df["remark"])):
            return None
        hit = self._texts[0].hits(needle) | self._texts[1].hits(needle)
        return hit[positions]

    def bits(self, df: pd.DataFrame) -> np.ndarray | None:
        """``df``'s rows' category bits; ``None`` when its category lists are not this
        index's (or a code is outside 0..62)."""
        positions = self.positions(df)
        if (self._bits is None or positions is None or "category_list" not in df
                or not self._same(self._lists, positions, df["category_list"])):
            return None
        return self._bits[positions]


def filter_index(df: pd.DataFrame) -> FilterIndex | None:
    """The index ``voices_frame`` made for ``df`` or the frame it came from, if any."""
    index = df.attrs.get("filter_index")
    return index if isinstance(index, FilterIndex) else None
