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

from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
import pandas as pd

from .records import _is_int, _pointers

# Between values of a column's joined text: a needle without it cannot match across two values.
ROW_END = "\x01"
# One search of a value costs about as much as a scan of this many bytes of the whole text.
_BYTES_A_FIND = 400
# A needle up to this long is matched byte by byte by numpy; a longer one by bytes.split.
_BYTES_COMPARED = 32


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
    ``ROW_END``: one search of the text finds the values holding a needle. With ``codes``, the
    text holds each distinct value once and ``codes`` tells each row's (descriptions repeat:
    a shorter text is a quicker search)."""

    __slots__ = ("codes", "ends", "text")

    def __init__(self, text: bytes, ends: np.ndarray, codes: np.ndarray | None = None) -> None:
        self.text, self.ends, self.codes = text, ends, codes

    @classmethod
    def of(cls, values: Sequence[Any], *, distinct: bool = False) -> Joined | None:
        """``values`` (non-text ones count as ``""``) joined and casefolded at once: far faster
        than one casefold a value, and an ASCII column takes CPython's fast path. ``None`` when
        a value holds ``ROW_END`` (then search value by value). ``distinct``: join each distinct
        value once if that makes the text at least twice as short."""
        texts = [v if isinstance(v, str) else "" for v in values]
        return cls._joined(texts, distinct)

    @classmethod
    def of_array(cls, array: Any, *, distinct: bool = False) -> Joined | None:
        """:meth:`of` a column's array (quicker for a ``str`` array: text or missing)."""
        values = np.asarray(array, dtype=object)
        if isinstance(array.dtype, pd.StringDtype) and isinstance(array.dtype.na_value, float):
            return cls._joined(values.tolist(), distinct)  # text, or NaN where missing
        return cls.of(values.tolist(), distinct=distinct)

    @classmethod
    def _joined(cls, texts: list[Any], distinct: bool) -> Joined | None:
        """``texts`` joined; a value that is not text (a missing one) counts as ``""``."""
        codes = None
        if distinct:
            # one pass: each value's first position (``setdefault`` keeps the first one)
            first_at: dict[Any, int] = {}
            firsts = np.fromiter(map(first_at.setdefault, texts, range(len(texts))),
                                 dtype=np.intp, count=len(texts))
            if 2 * len(first_at) <= len(texts):
                number = np.zeros(len(texts), dtype=np.intp)
                number[np.fromiter(first_at.values(), dtype=np.intp, count=len(first_at))] = (
                    np.arange(len(first_at)))
                codes = number[firsts]  # each value's number among the distinct ones
                texts = [t if isinstance(t, str) else "" for t in first_at]
        try:
            text = ROW_END.join(texts)
        except TypeError:  # a missing value (rare: sorted out only then)
            texts = [t if isinstance(t, str) else "" for t in texts]
            text = ROW_END.join(texts)
        if ROW_END in text and text.count(ROW_END) >= len(texts):
            return None
        folded = (text + ROW_END).casefold().encode()
        return cls(folded, np.flatnonzero(np.frombuffer(folded, dtype=np.uint8) == 1), codes)

    def hits_at(self, needle: str, rows: np.ndarray) -> np.ndarray:
        """``hits(needle)[rows]``; a few rows are searched one by one, not the whole text."""
        values = rows if self.codes is None else self.codes[rows]
        if len(values) * _BYTES_A_FIND >= len(self.text):
            return self._value_hits(needle)[values]
        pattern, find = needle.encode(), self.text.find
        ends = self.ends[values]
        starts = np.where(values > 0, self.ends[values - 1] + 1, 0)
        found = map(find, repeat(pattern), starts.tolist(), ends.tolist())
        return np.fromiter(found, dtype=np.int64, count=len(values)) >= 0

    def hits(self, needle: str) -> np.ndarray:
        """Which values contain ``needle`` (casefolded, without ``ROW_END``)."""
        hit = self._value_hits(needle)
        return hit if self.codes is None else hit[self.codes]

    def _value_hits(self, needle: str) -> np.ndarray:
        """Which of the joined values (the distinct ones, with ``codes``) contain ``needle``:
        every match lies inside one value, the first whose end comes after it."""
        pattern = needle.encode()
        if not pattern:  # in every value
            return np.ones(len(self.ends), dtype=bool)
        if len(pattern) <= _BYTES_COMPARED:
            # where the needle's first byte is, then which of those go on with its next bytes:
            # a few passes of numpy over the text, 3x quicker than a search for each match
            data = np.frombuffer(self.text, dtype=np.uint8)
            last = max(len(data) - len(pattern) + 1, 0)  # the last place a match can start
            starts = np.flatnonzero(data[:last] == pattern[0])
            for offset in range(1, len(pattern)):
                starts = starts[data[starts + offset] == pattern[offset]]
        else:
            # the text between matches, split in C: a match starts where the text before ends
            pieces = np.fromiter(map(len, self.text.split(pattern)), dtype=np.int64)
            starts = np.cumsum(pieces[:-1]) + len(pattern) * np.arange(len(pieces) - 1)
        hit = np.zeros(len(self.ends), dtype=bool)
        hit[np.searchsorted(self.ends, starts)] = True
        return hit


def category_bits(lists: Sequence[Any], *, checked: bool = False) -> np.ndarray | None:
    """Each row's category codes as the bits of one int64 (``None`` unless every row is a list
    of integer codes in 0..62); ``checked``: ``lists`` are known to be lists of integers."""
    if not checked and not set(map(type, lists)) <= {list}:
        return None
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    items: Iterable[Any] = chain.from_iterable(lists)
    if not checked:
        items = list(items)
        if not all(_is_int(kind) for kind in set(map(type, items))):
            return None
    try:
        codes = np.fromiter(items, dtype=np.int64, count=int(lengths.sum()))
    except OverflowError:
        return None
    bits = np.zeros(len(lists), dtype=np.int64)
    if len(codes) == 0:
        return bits
    if codes.min() < 0 or codes.max() > 62:
        return None
    filled = lengths > 0
    starts = (np.cumsum(lengths) - lengths)[filled]
    bits[filled] = np.bitwise_or.reduceat(np.left_shift(1, codes), starts)
    return bits


def addresses(values: np.ndarray) -> np.ndarray:
    """Which object each item of an object array is (its ``id``), for every item at once:
    ``addresses(a) == addresses(b)`` is ``a[i] is b[i]`` without touching a single object
    (reading objects scattered in memory costs more than the search itself)."""
    values = np.ascontiguousarray(values, dtype=object)
    if len(values) == 0:
        return np.zeros(0, dtype=np.intp)
    return _pointers(values).copy()  # copied while ``values`` still holds the memory


def reorder_objects(values: np.ndarray, order: np.ndarray) -> None:
    """``values[:] = values[order]`` for an object array nothing else holds yet, done by moving
    its pointers: each object keeps the one reference the array holds, and none is read or
    written. A take increfs every object, scattered in memory in a new order: for a column of
    50,000 distinct strings that is the slowest part of sorting it.

    ``order`` must be a permutation of the positions (checked: a repeated position would leave
    an object referenced twice but counted once)."""
    count = len(values)
    if (values.dtype != object or values.ndim != 1 or not values.flags.c_contiguous
            or not values.flags.writeable or len(order) != count):
        raise ValueError("reorder_objects needs a writable, contiguous 1-d object array and "
                         "an order of its length")
    if count == 0:
        return
    if not (np.bincount(order, minlength=count) == 1).all():
        raise ValueError("reorder_objects needs an order that is a permutation")
    pointers = _pointers(values)
    pointers[:] = pointers[order]


def _same_labels(index: pd.Index, other: pd.Index) -> bool:
    """Whether two indexes hold the same labels (at once when they share their memory: an
    index never changes)."""
    mine, theirs = index.to_numpy(), other.to_numpy()
    return (mine.__array_interface__ == theirs.__array_interface__ and mine.dtype != object
            or index.equals(other))


class _Kept:
    """A column's values as ``voices_frame`` built them (in the records' order), to tell
    whether another frame's rows still hold them."""

    __slots__ = ("addresses", "built", "built_addresses", "values")

    def __init__(self, array: Any) -> None:
        # a copy of its own: pandas edits a frame's memory in place when nothing shares it
        self.values = np.array(array, dtype=object)
        self.addresses = addresses(self.values)
        self.built: pd.Series | None = None  # the column in the built frame's order
        self.built_addresses = np.zeros(0, dtype=np.intp)

    def watch(self, column: pd.Series) -> None:
        self.built = column
        self.built_addresses = addresses(np.asarray(column.array, dtype=object))

    def holds(self, positions: np.ndarray, column: pd.Series, rows: np.ndarray) -> bool:
        """Whether ``column``'s values at ``rows`` are this column's at ``positions``: the
        same objects (almost always), or equal ones."""
        if (self.built is not None and column.array is self.built.array
                and _same_labels(column.index, self.built.index)):
            # the built frame's column, which pandas copies before an edit while ``built``
            # holds it (copy-on-write), and its labels: the very values, at those positions
            return True
        current = np.asarray(column.array, dtype=object)
        if self.built is not None and _same_labels(column.index, self.built.index):
            # a copy of the built frame: its rows in the built frame's order, no look-up
            if len(rows) == len(current):
                differ = np.flatnonzero(self.built_addresses != addresses(current))
            else:
                differ = np.flatnonzero(self.built_addresses[rows] != addresses(current)[rows])
        else:
            differ = np.flatnonzero(self.addresses[positions] != addresses(current)[rows])
        if len(differ) == 0:
            return True
        return bool((self.values[positions[differ]] == current[rows[differ]]).all())


class FilterIndex:
    """A voice frame's names and remarks casefolded and categories as bits, made once by
    ``voices_frame`` from the records' columns and shared (never deep-copied) by every frame
    derived from it. A frame's row is found by its label, the voice's position in the
    records."""

    def __init__(self, columns: Mapping[str, Any]) -> None:
        self._names, self._remarks = _Kept(columns["name"]), _Kept(columns["remark"])
        # names are mostly distinct, remarks (descriptions) mostly repeat
        names = Joined.of_array(columns["name"])
        remarks = Joined.of_array(columns["remark"], distinct=True)
        self._texts = None if names is None or remarks is None else (names, remarks)
        self._lists = _Kept(columns["category_list"])
        self._bits: np.ndarray | None | bool = False  # worked out at the first category filter
        self._counts: tuple[pd.Series, pd.Series] | None = None

    def watch(self, df: pd.DataFrame) -> None:
        """Keep the built frame's columns (views): while they are the very ones a frame holds,
        nothing needs checking."""
        for kept, column in ((self._names, "name"), (self._remarks, "remark"),
                             (self._lists, "category_list")):
            kept.watch(df[column])
        self._counts = (df["hot_count"], df["use_count"])

    def popular_first(self, df: pd.DataFrame) -> bool:
        """Whether ``df``'s rows are known to come most popular first: its hot and use counts
        are the very arrays of the built frame (which ``voices_frame`` ordered so), at the
        same labels. (Of a copy, checking the order itself is as quick as comparing.)"""
        return self._counts is not None and all(
            name in df and df[name].array is built.array
            and _same_labels(df.index, built.index)
            for name, built in zip(("hot_count", "use_count"), self._counts, strict=True))

    def __deepcopy__(self, memo: dict[int, Any]) -> FilterIndex:
        return self  # never changed after the build: pandas deep-copies attrs at every step

    def __len__(self) -> int:
        return len(self._names.values)

    def __repr__(self) -> str:
        return f"<FilterIndex of {len(self):,} voices>"

    def positions(self, df: pd.DataFrame, rows: np.ndarray) -> np.ndarray | None:
        """The labels of ``df``'s ``rows`` as positions in the records, or ``None`` when they
        cannot be."""
        labels = df.index.to_numpy()[rows]
        if len(labels) == 0:
            return np.arange(0)
        if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= len(self):
            return None
        return labels.astype(np.intp, copy=False)

    def text_hits(self, df: pd.DataFrame, rows: np.ndarray, needle: str) -> np.ndarray | None:
        """Which of ``df``'s ``rows`` (positions) hold ``needle`` (casefolded, without
        ``ROW_END``) in name or remark; ``None`` when their names or remarks are not this
        index's."""
        positions = self.positions(df, rows)
        if (self._texts is None or positions is None or "name" not in df or "remark" not in df
                or not self._names.holds(positions, df["name"], rows)
                or not self._remarks.holds(positions, df["remark"], rows)):
            return None
        return self._texts[0].hits_at(needle, positions) | self._texts[1].hits_at(needle,
                                                                                  positions)

    def bits(self, df: pd.DataFrame, rows: np.ndarray) -> np.ndarray | None:
        """The category bits of ``df``'s ``rows`` (positions); ``None`` when their category
        lists are not this index's (or a code is outside 0..62)."""
        if self._bits is False:  # voices_frame checked that they are lists of integers
            self._bits = category_bits(self._lists.values.tolist(), checked=True)
        positions = self.positions(df, rows)
        if (not isinstance(self._bits, np.ndarray) or positions is None
                or "category_list" not in df
                or not self._lists.holds(positions, df["category_list"], rows)):
            return None
        return self._bits[positions]


def filter_index(df: pd.DataFrame) -> FilterIndex | None:
    """The index ``voices_frame`` made for ``df`` or the frame it came from, if any."""
    index = df.attrs.get("filter_index")
    return index if isinstance(index, FilterIndex) else None
