"""``filter_voices``: a voice frame narrowed by codes, descriptions, categories and text.

>>> filter_voices(voices, lang="English", gender="female", emotion="calm").head(3)
"""

from __future__ import annotations

import difflib
import inspect
import weakref
from collections.abc import Mapping
from functools import partial
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError
from .prepared import category_bits, descending, filter_index, is_descending, popularity_keys
from .records import _is_int
from .search import text_hits
from .voices import CODED_FILTERS, code_tables


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def _unknown(name: str, value: Any, table: Mapping[Any, str]) -> ValidationError:
    choices = [f"{code} ({label})" for code, label in table.items()]
    spellings = {str(text).casefold(): str(text) for text in chain(table, table.values())}
    close = difflib.get_close_matches(str(value).casefold(), list(spellings), n=1)
    hint = f"did you mean {spellings[close[0]]!r}? " if close else ""
    return ValidationError(f"no {name} {value!r} in this catalog; {hint}known: "
                           f"{', '.join(choices) or 'none'}", where=f"filter_voices({name}=...)")


def _wanted_codes(name: str, value: Any, table: Mapping[Any, str]) -> set[Any]:
    """The codes a filter value stands for: codes, descriptions or code text, any case."""
    lookup: dict[str, set[Any]] = {}
    for code, label in table.items():
        for text in (str(code), label):
            lookup.setdefault(text.casefold(), set()).add(code)
    codes: set[Any] = set()
    for item in _values(value):
        if _is_int(type(item)) and name != "lang":
            codes.add(int(item))
        elif isinstance(item, str) and item.strip().casefold() in lookup:
            codes |= lookup[item.strip().casefold()]
        elif isinstance(item, str) and name != "lang" and item.strip().lstrip("-").isdigit():
            codes.add(int(item))
        elif isinstance(item, str):
            raise _unknown(name, item, table)
        else:
            raise ValidationError(f"{name} filter values are codes or descriptions, not "
                                  f"{type(item).__name__} {item!r}",
                                  where=f"filter_voices({name}=...)")
    return codes


def _column_for(df: pd.DataFrame, column: str, purpose: str) -> pd.Series:
    if column not in df:
        raise ValidationError(f"this frame has no {column!r} column, needed for {purpose}; "
                              "filter the frame voices_frame() made", where="filter_voices")
    return df[column]


def _holding(column: pd.Series, codes: set[Any]) -> np.ndarray:
    """Which rows of ``column`` hold one of ``codes`` (missing values hold none)."""
    values = column.array
    if isinstance(values, pd.Categorical):  # a look-up of each row's category number
        found = values.categories.get_indexer(list(codes))
        wanted = np.zeros(len(values.categories) + 1, dtype=bool)  # the last: missing (-1)
        wanted[found[found >= 0]] = True
        return wanted[values.codes]
    return column.isin(list(codes)).to_numpy(dtype=bool, na_value=False)


# by id(frame): (a weak reference to the frame, its category column as a view, each row's codes
# as bits), for frames whose FilterIndex does not hold their categories; copy-on-write gives an
# edited column new memory, which the check below notices
_CATEGORY_BITS: dict[int, tuple[weakref.ref[pd.DataFrame], pd.Series, np.ndarray | None]] = {}


def _same_memory(a: pd.Series, b: pd.Series) -> bool:
    x, y = a.to_numpy(), b.to_numpy()
    return (x.__array_interface__["data"] == y.__array_interface__["data"]
            and x.shape == y.shape and x.strides == y.strides)


def _category_bits(df: pd.DataFrame, column: pd.Series, rows: np.ndarray) -> np.ndarray | None:
    """The category codes of ``rows`` as bits of one int64 each (``None`` if a code is not
    in 0..62): the frame's FilterIndex's, or built once per frame and column."""
    index = filter_index(df)
    bits = None if index is None else index.bits(df, rows)
    if bits is not None:
        return bits
    kept = _CATEGORY_BITS.get(id(df))
    if kept is None or kept[0]() is not df or not _same_memory(kept[1], column):
        key = id(df)
        kept = (weakref.ref(df, partial(_forget_bits, key)), column,
                category_bits(column.to_numpy().tolist()))
        _CATEGORY_BITS[key] = kept
    return None if kept[2] is None else kept[2][rows]


def _forget_bits(key: int, frame: weakref.ref[pd.DataFrame]) -> None:
    if key in _CATEGORY_BITS and _CATEGORY_BITS[key][0] is frame:
        del _CATEGORY_BITS[key]


def _category_hits(df: pd.DataFrame, rows: np.ndarray, codes: set[Any]) -> np.ndarray:
    """Which of ``rows`` have any of the category ``codes``."""
    column = _column_for(df, "category_list", "category=...")
    bits = _category_bits(df, column, rows)
    if bits is not None and all(_is_int(type(c)) and 0 <= c < 63 for c in codes):
        wanted = sum(1 << int(c) for c in codes)
        return (bits & wanted) != 0
    lists = column.to_numpy()[rows]
    return ~np.fromiter(map(codes.isdisjoint, lists), dtype=bool, count=len(rows))


def _sort_keys(df: pd.DataFrame, sort: Any) -> list[tuple[str, bool]]:
    """``"-name"`` or ``["lang_name", "-hot_count"]`` as (column, ascending) pairs."""
    keys = [sort] if isinstance(sort, str) else list(sort) if isinstance(sort, list | tuple) else []
    pairs = [(k.removeprefix("-"), not k.startswith("-")) for k in keys if isinstance(k, str)]
    if not pairs or len(pairs) != len(keys) or any(c not in df for c, _ in pairs):
        raise ValidationError(f"cannot sort by {sort!r}: use 'popularity', None, a column or a "
                              f"list of columns (prefix '-' for descending): "
                              f"{', '.join(df.columns)}", where="filter_voices(sort=...)")
    return pairs


def _ordered(df: pd.DataFrame, rows: np.ndarray, sort: Any) -> np.ndarray:
    """``rows`` (positions) in the order ``sort`` asks for."""
    if sort is None:
        return rows
    if isinstance(sort, str) and sort == "popularity":
        index = filter_index(df)
        if index is not None and index.popular_first(df):  # then so are increasing rows
            return rows
        hot, use = popularity_keys(_column_for(df, "hot_count", "sort"),
                                   _column_for(df, "use_count", "sort"))
        hot, use = hot[rows], use[rows]
        # in voices_frame's order already: then a stable sort leaves every row where it is
        return rows if is_descending(hot, use) else rows[descending(hot, use)]
    pairs = _sort_keys(df, sort)
    keys = df[[c for c, _ in pairs]].take(rows).reset_index(drop=True)  # only the sort columns
    try:
        order = keys.sort_values(list(keys.columns), ascending=[a for _, a in pairs],
                                 kind="stable").index.to_numpy()
    except TypeError as exc:
        raise ValidationError(f"cannot sort by {sort!r}: {exc}",
                              where="filter_voices(sort=...)") from None
    return rows[order]


def voice_positions(
    df: pd.DataFrame,
    *,
    lang: Any = None,
    gender: Any = None,
    emotion: Any = None,
    accent: Any = None,
    age: Any = None,
    category: Any = None,
    source: Any = None,
    type: Any = None,
    status: Any = None,
    text: str | None = None,
    enabled_only: bool = False,
    sort: str | list[str] | None = "popularity",
) -> np.ndarray:
    """The positions (``df.iloc``) of the voices :func:`filter_voices` gives, in its order:
    what a view that shows a few rows at a time needs, without copying every column.

    >>> voices.iloc[voice_positions(voices, lang="en")[:20]]
    """
    if text is not None and not isinstance(text, str):
        raise ValidationError(f"text must be a string, not {text!r}", where="filter_voices(text=)")
    tables = code_tables(df)
    mask = np.ones(len(df), dtype=bool)
    chosen = {"lang": lang, "gender": gender, "emotion": emotion, "accent": accent, "age": age,
              "source": source, "type": type, "status": status}
    for name, value in chosen.items():
        if value is not None and _values(value):
            codes = _wanted_codes(name, value, tables[name])
            column = _column_for(df, CODED_FILTERS[name][0], f"{name}=...")
            mask &= _holding(column, codes)
    if enabled_only:
        mask &= _column_for(df, "status", "enabled_only").eq(0).to_numpy(dtype=bool, na_value=False)
    # the per-row Python checks run last, on the rows the vectorised ones kept
    rows = np.flatnonzero(mask)
    if category is not None and _values(category):
        codes = _wanted_codes("category", category, tables["category"])
        rows = rows[_category_hits(df, rows, codes)]
    if text:
        names, remarks = (_column_for(df, column, "text=...") for column in ("name", "remark"))
        rows = rows[text_hits(df, names, remarks, rows, text)]
    return _ordered(df, rows, sort)


def filter_voices(df: pd.DataFrame, **filters: Any) -> pd.DataFrame:
    """The voices matching every given filter, most popular first.

    Each filter takes a code, a description (any case: ``lang="English"``, ``"en"``, ``"EN"``,
    ``gender="female"`` or ``2``) or a list of those (any of them; an empty list, like a
    multi-select with nothing chosen, does not filter). ``category`` matches a voice
    with any of the given categories; ``text`` is a case-insensitive substring of the name or
    the remark. ``sort`` is ``"popularity"`` (hot_count, then use_count, descending), ``None``
    (the frame's order; ``voices_frame`` gives the most popular first), a column name
    (``"-name"`` for descending) or a list of them, the first one first
    (``["lang_name", "-hot_count"]``). The keywords are :func:`voice_positions`'s.

    >>> filter_voices(voices, lang=["en", "fr"], category="audiobook", enabled_only=True)
    """
    return df.take(voice_positions(df, **filters))


# Shift-Tab in Jupyter shows every keyword
filter_voices.__signature__ = inspect.signature(voice_positions).replace(  # type: ignore[attr-defined]
    return_annotation=pd.DataFrame)
