"""Columns out of nested JSON, fast, with errors that name the exact place.

A :class:`Records` is a flat list of JSON objects found at one level of a transcript (all
sentences, all words...) together with where each came from. Columns are read with list
comprehensions and numpy in one go; only when that fails is the list walked item by item to
find and name the culprit (``lattice[3].json_1best.st.rt[0].ws[2].wb: expected a number``).
Values may be JSON strings at any level: they are decoded where they are found.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

import numpy as np
import orjson

from ..errors import TranscriptFormatError

REQUIRED: Any = object()


class TranscriptWarning(UserWarning):
    """Something in a transcript to know about that does not stop parsing (a failed order, a
    zero-length cue lengthened for SRT...)."""


def describe(value: Any) -> str:
    """A short description of a JSON value for error messages."""
    if isinstance(value, dict):
        keys = ", ".join(map(str, list(value)[:6]))
        return f"an object with keys [{keys}]" if value else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if value is None:
        return "null"
    text = repr(value)
    return f"{type(value).__name__} {text[:40]}{'...' if len(text) > 40 else ''}"


def decoded(value: Any, where: str) -> Any:
    """``value``, or what it decodes to when it is a JSON string (or bytes)."""
    if not isinstance(value, str | bytes | bytearray | memoryview):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise TranscriptFormatError(f"not valid JSON ({exc})", where=where) from None


def fault(where: str, message: str) -> TranscriptFormatError:
    return TranscriptFormatError(message, where=where)


def join_place(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


class Records:
    """JSON objects from one level of a transcript, each knowing its place."""

    def __init__(self, items: list[dict], names: Callable[[int], str] | None = None,
                 parent: Records | None = None, owner: np.ndarray | None = None,
                 slot: np.ndarray | None = None, key: str = "") -> None:
        self.items = items
        self._names = names
        self.parent = parent
        self.owner = owner if owner is not None else np.arange(len(items), dtype=np.intp)
        self._slot = slot
        self._key = key

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def of_list(cls, value: Any, where: str) -> Records:
        """The objects of a JSON list (``value`` may be a JSON string of it)."""
        value = decoded(value, where)
        if not isinstance(value, list):
            raise fault(where, f"expected a list, found {describe(value)}")
        return cls(_objects(value, lambda i: f"{where}[{i}]"), lambda i: f"{where}[{i}]")

    @classmethod
    def of_objects(cls, items: list[dict], names: Callable[[int], str]) -> Records:
        """Objects already found, with a function naming the place of each."""
        return cls(items, names)

    def place(self, i: int) -> str:
        """Where item ``i`` is, as a path like ``lattice[3].json_1best``."""
        if self.parent is None:
            return self._names(i) if self._names else f"[{i}]"
        base = join_place(self.parent.place(int(self.owner[i])), self._key)
        return base if self._slot is None else f"{base}[{int(self._slot[i])}]"

    def __len__(self) -> int:
        return len(self.items)

    def take(self, index: np.ndarray) -> Records:
        """The items at ``index`` (keeping their places)."""
        index = np.asarray(index, dtype=np.intp)
        if len(index) == len(self.items) and np.array_equal(index, np.arange(len(index))):
            return self
        taken = Records([self.items[i] for i in index.tolist()], parent=self.parent,
                        owner=self.owner[index], key=self._key,
                        slot=None if self._slot is None else self._slot[index])
        if self.parent is None:
            taken.owner = np.arange(len(index), dtype=np.intp)
            taken._names = lambda j: self.place(int(index[j]))
        return taken

    def child(self, key: str) -> Records:
        """The object under ``key`` of every item (one each; JSON strings are decoded)."""
        values = self._values(key, REQUIRED)
        if not set(map(type, values)) <= {dict}:
            values = [self._object(i, key, v) for i, v in enumerate(values)]
        return Records(values, parent=self, key=key)

    def children(self, key: str, optional: bool = False) -> Records:
        """All objects of the lists under ``key``, flattened in order (missing = empty when
        ``optional``)."""
        values = self._values(key, None if optional else REQUIRED)
        if not set(map(type, values)) <= {list}:
            values = [self._list(i, key, v) for i, v in enumerate(values)]
        counts = np.fromiter(map(len, values), dtype=np.intp, count=len(values))
        flat = list(chain.from_iterable(values))
        owner = np.repeat(np.arange(len(values), dtype=np.intp), counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        slot = np.arange(len(flat), dtype=np.intp) - starts
        return Records(flat, parent=self, owner=owner, slot=slot, key=key)

    def first_of(self, key: str) -> Records:
        """The first object of the list under ``key`` of each item (the 1-best of a list of
        candidates); items whose list is empty have none."""
        try:  # one pass; a list given as JSON text, or an empty one, takes the long way
            firsts = list(map(itemgetter(0), map(itemgetter(key), self.items)))
            if set(map(type, firsts)) <= {dict}:
                return Records(firsts, parent=self, key=key,
                               slot=np.zeros(len(firsts), dtype=np.intp))
        except (KeyError, IndexError, TypeError):
            pass
        every = self.children(key)
        return every.take(np.flatnonzero(every._slot == 0))

    def index_in(self, ancestor: Records) -> np.ndarray:
        """For each item, the index of the ``ancestor`` item it belongs to."""
        index, level = self.owner, self.parent
        while level is not ancestor:
            if level is None:
                raise ValueError("not an ancestor of these records")
            index, level = level.owner[index], level.parent
        return index

    # --- columns ------------------------------------------------------------------------------
    def numbers(self, key: str, default: Any = REQUIRED) -> np.ndarray:
        """Column ``key`` as float64; numbers given as strings ("820", "1.0000") are converted.
        A missing optional value is NaN."""
        try:  # one pass, no list in between
            column = np.fromiter(map(float, map(itemgetter(key), self.items)),
                                 dtype=np.float64, count=len(self.items))
            if np.isfinite(column).all():
                return column
        except (KeyError, TypeError, ValueError, OverflowError):
            pass
        values = self._values(key, default)
        fast = fast_numbers(values, optional=default is not REQUIRED)
        if fast is not None:
            return fast
        bad = next(i for i, v in enumerate(values)
                   if not (default is not REQUIRED and _missing(v) or _is_number(v)))
        raise fault(join_place(self.place(bad), key),
                    f"expected a number, found {describe(values[bad])}")

    def codes(self, key: str, codes: dict[str, int], default: str) -> np.ndarray:
        """Column ``key`` (text) as int8 codes; a value not in ``codes`` gets 0."""
        try:
            return np.fromiter(map(codes.get, map(itemgetter(key), self.items), repeat(0)),
                               dtype=np.int8, count=len(self.items))
        except (KeyError, TypeError):
            return np.fromiter(map(codes.get, self.texts(key, default), repeat(0)),
                               dtype=np.int8, count=len(self.items))

    def texts(self, key: str, default: Any = REQUIRED) -> list[Any]:
        """Column ``key`` as a list of str (numbers become text; a missing optional value is
        ``default``)."""
        values = self._values(key, default)
        types = set(map(type, values))
        if types <= {str, type(default)}:
            return values
        if types <= {str, int}:  # ids and codes sent as integers
            return list(map(str, values))
        out = []
        for i, value in enumerate(values):
            if value is None and default is not REQUIRED:
                out.append(default)
            elif isinstance(value, str):
                out.append(value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                out.append(_number_text(value))
            else:
                raise fault(join_place(self.place(i), key),
                            f"expected text, found {describe(value)}")
        return out

    def _values(self, key: str, default: Any) -> list[Any]:
        items = self.items
        try:
            return list(map(itemgetter(key), items))
        except TypeError:
            # Items are checked only now, when one is not an object: decode the JSON strings
            # among them (or name the culprit) and read again.
            self.items = _objects(items, self.place)
            return self._values(key, default)
        except KeyError:
            if default is not REQUIRED:
                return [item.get(key, default) for item in items]
            missing = next(i for i, item in enumerate(items) if key not in item)
            raise fault(self.place(missing), f"missing '{key}' in {describe(items[missing])}")\
                from None

    def _object(self, i: int, key: str, value: Any) -> dict:
        where = join_place(self.place(i), key)
        value = decoded(value, where)
        if not isinstance(value, dict):
            raise fault(where, f"expected an object, found {describe(value)}")
        return value

    def _list(self, i: int, key: str, value: Any) -> list:
        if value is None:
            return []
        where = join_place(self.place(i), key)
        value = decoded(value, where)
        if not isinstance(value, list):
            raise fault(where, f"expected a list, found {describe(value)}")
        return value


def _objects(values: list[Any], place: Callable[[int], str]) -> list[dict]:
    """Each value as an object, decoding JSON strings; a non-object is named."""
    if set(map(type, values)) <= {dict}:
        return values
    out = []
    for i, value in enumerate(values):
        value = decoded(value, place(i))
        if not isinstance(value, dict):
            raise fault(place(i), f"expected an object, found {describe(value)}")
        out.append(value)
    return out


def fast_numbers(values: list[Any], optional: bool) -> np.ndarray | None:
    """The values as a float64 array, or None when any is not a finite number (a missing one,
    null or "", is NaN when ``optional``)."""
    count = len(values)
    try:
        column = np.fromiter(map(float, values), dtype=np.float64, count=count)
    except (TypeError, ValueError, OverflowError):
        if not optional:
            return None
        try:
            column = np.fromiter((np.nan if _missing(v) else float(v) for v in values),
                                 dtype=np.float64, count=count)
        except (TypeError, ValueError, OverflowError):
            return None
    if np.isinf(column).any() or not optional and np.isnan(column).any():
        return None
    return column


def _missing(value: Any) -> bool:
    """An optional field left empty: null or "" (iFlytek writes both)."""
    return value is None or value == ""


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    try:
        return bool(np.isfinite(float(value)))
    except (ValueError, OverflowError):
        return False


def _number_text(value: int | float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
