"""The voice catalog as a DataFrame, its code tables, and counts by language, gender, ...

>>> voices = voices_frame(records)
>>> voice_summary(voices, "emotion_str")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError
from .prepared import FilterIndex, descending, popularity_keys, reorder_objects
from .records import _ACCEPTS, _columns, _records_and_values, _reject, snake_case

# The TimbreInfoDto fields (wire key -> kind), in the reference's order.
VOICE_FIELDS = {
    "id": "id", "name": "text", "lang": "label", "langName": "label",
    "gender": "int", "genderStr": "label", "accent": "int", "accentStr": "label",
    "ageRange": "int", "ageRangeStr": "label", "emotion": "int", "emotionStr": "label",
    "categoryList": "int_list", "categoryStrList": "label_list", "remark": "text",
    "source": "int", "type": "int", "auditionUrl": "text", "status": "int",
    "updateTime": "time", "createTime": "time",
    "hotCount": "int", "useCount": "int", "collectCount": "int",
}

# Filter name -> (code column, description column); the descriptions come from the catalog.
CODED_FILTERS = {
    "lang": ("lang", "lang_name"), "gender": ("gender", "gender_str"),
    "accent": ("accent", "accent_str"), "age": ("age_range", "age_range_str"),
    "emotion": ("emotion", "emotion_str"), "source": ("source", None), "type": ("type", None),
    "status": ("status", None),
}
# The reference describes these codes but sends no description field for them.
FIXED_NAMES: dict[str, dict[Any, str]] = {
    "source": {0: "other", 1: "tk"},
    "type": {1: "system", 2: "personal clone", 3: "business clone"},
    "status": {0: "enabled", 1: "disabled"},
}

VOICE_COLUMNS = {key: snake_case(key) for key in VOICE_FIELDS} | {"id": "voice_id"}
_VOICE_KEYS = {column: key for key, column in VOICE_COLUMNS.items()}


def _pairs(codes: Iterable[Any], labels: Iterable[Any]) -> dict[Any, str]:
    """code -> description as the data pairs them (sorted by code)."""
    pairs = {(c, s) for c, s in set(zip(codes, labels, strict=False))
             if isinstance(s, str) and c is not None and c is not pd.NA}
    return dict(sorted(pairs))


def _category_pairs(codes: Sequence[Sequence[Any]], labels: Sequence[Sequence[Any]],
                    ) -> dict[Any, str]:
    if list(map(len, codes)) == list(map(len, labels)):
        return _pairs(chain.from_iterable(codes), chain.from_iterable(labels))
    pairs = [p for c, s in zip(codes, labels, strict=True) for p in zip(c, s, strict=False)]
    return _pairs([c for c, _ in pairs], [s for _, s in pairs])


def _tables_from(pairs: Callable[[str, str], dict[Any, str]],
                 column: Callable[[str], Sequence[Any]],
                 category_pairs: Callable[[Any, Any], dict[Any, str]] = _category_pairs,
                 ) -> dict[str, dict[Any, str]]:
    """Every code table: ``pairs(code column, description column)`` for the coded fields,
    ``category_pairs`` of the two category list columns."""
    tables = {name: pairs(code, label) for name, (code, label) in CODED_FILTERS.items() if label}
    tables["category"] = category_pairs(column("category_list"), column("category_str_list"))
    return tables | {name: dict(names) for name, names in FIXED_NAMES.items()}


class _CodeTables(dict[str, dict[Any, str]]):
    """A voice frame's code tables, kept in ``df.attrs``. Never changed after the frame is
    built, so they are shared, not deep-copied: pandas deep-copies ``attrs`` on every
    operation (a filter, a column, a row), which cost more than the filter itself."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _CodeTables:
        return self


def code_tables(df: pd.DataFrame) -> dict[str, dict[Any, str]]:
    """Code -> description for every coded field of a voice frame (for filters, menus, hints).

    >>> code_tables(voices)["gender"]
    {1: 'Male', 2: 'Female'}
    """
    stored = df.attrs.get("code_tables")
    if stored is not None:
        return {name: dict(table) for name, table in stored.items()}
    def column(name: str) -> list[Any]:
        return df[name].tolist() if name in df else []

    return _tables_from(lambda code, label: _pairs(column(code), column(label)), column)


def _order_labels(columns: dict[str, Any], tables: Mapping[str, dict[Any, str]]) -> None:
    """Descriptions as ordered categoricals in code order (Male < Female; Child < .. < Senior),
    so summaries read naturally and ``v[v.age_range_str >= "Middle-aged"]`` works."""
    for name, (_, label) in CODED_FILTERS.items():
        if label and name != "lang":
            known = list(dict.fromkeys(tables[name].values()))
            rest = [c for c in columns[label].categories if c not in set(known)]
            columns[label] = columns[label].reorder_categories(known + rest, ordered=True)


def _label_pairs(codes: Any, labels: pd.Categorical) -> dict[Any, str]:
    """code -> description as the data pairs them (sorted by code), from the built arrays:
    the distinct (code, description) pairs of a few integers a row, not of 50,000 objects."""
    if isinstance(codes, pd.Categorical):
        code_ids, distinct = codes.codes.astype(np.int64), codes.categories
    else:
        code_ids, distinct = pd.factorize(codes, use_na_sentinel=True)
    width = len(labels.categories) + 1
    pairs = code_ids.astype(np.int64) * width + labels.codes
    pairs = pd.unique(pairs[(code_ids >= 0) & (labels.codes >= 0)])
    found = zip(distinct.take(pairs // width).tolist(),
                labels.categories.take(pairs % width).tolist(), strict=True)
    return dict(sorted(found))


def _category_table(codes: Sequence[list[int]], labels: Sequence[list[Any]], where: str,
                    ) -> dict[Any, str]:
    """:func:`_category_pairs` of the built list columns (the codes checked as integers),
    checking that every description is a string: only the distinct rows (codes,
    descriptions), a few dozen in a catalog, are paired and checked, not 100,000 items."""
    try:
        rows = set(zip(map(tuple, codes), map(tuple, labels), strict=True))
    except TypeError:  # an item that cannot be hashed: not a string
        rows = None
    if rows is None or not all(type(label) is str for _, row in rows for label in row):
        bad = next(i for i, row in enumerate(labels) if any(type(s) is not str for s in row))
        _reject(labels, bad, "categoryStrList", _ACCEPTS["str_list"][1], where)
    return _category_pairs([c for c, _ in rows], [s for _, s in rows])


def _built_tables(columns: Mapping[str, Any], where: str) -> dict[str, dict[Any, str]]:
    """Every code table, from the built arrays (the category descriptions are checked here)."""
    return _tables_from(lambda code, label: _label_pairs(columns[code], columns[label]),
                        lambda name: columns[name].to_numpy().tolist(),
                        lambda codes, labels: _category_table(codes, labels, where))


def _popular_order(columns: Mapping[str, Any], length: int) -> np.ndarray | None:
    """The records' positions most popular first (hot_count, then use_count, descending; ties
    in the records' order); ``None`` when they already come so."""
    order = descending(*popularity_keys(columns["hot_count"], columns["use_count"]))
    return None if (order == np.arange(length)).all() else order


def _reordered(array: Any, order: np.ndarray) -> Any:
    """``array.take(order)``; an array of objects (text, lists) is reordered in place, its
    pointers moved (see ``reorder_objects``), or copied in turn first if it is a view."""
    if array.dtype != object and not isinstance(array, pd.arrays.StringArray):
        return array.take(order)
    values = np.asarray(array, dtype=object)
    if isinstance(array, pd.arrays.StringArray):
        # its own memory, not yet in any frame: reordered where it lies
        if (values.base is None and values.flags.writeable
                and np.shares_memory(values, np.asarray(array, dtype=object))):
            reorder_objects(values, order)
            return array
        return array.take(order)
    copy = np.array(values, dtype=object)  # the objects read in turn, not scattered
    reorder_objects(copy, order)
    return pd.arrays.NumpyExtensionArray(copy)


def voices_frame(records: Sequence[Any] | None, *, where: str = "result") -> pd.DataFrame:
    """One row per voice, a column per ``TimbreInfoDto`` field (snake_case), honest dtypes,
    the most popular voices first (hot_count, then use_count, descending).

    The index is each voice's position in ``records``: ``voices.loc[0]`` is ``records[0]``, and
    ``voices.sort_index()`` has the records' order. ``None`` or ``[]`` gives an empty frame
    with every column. A record that is not an object, or a field of the wrong type, raises
    ``MalformedResponse`` naming ``where[index].field``.

    >>> voices = voices_frame(client.voices.records())
    """
    rows, values = _records_and_values(records, "voice", where)
    columns = _columns(values, len(rows), VOICE_FIELDS, VOICE_COLUMNS, where)
    tables = _built_tables(columns, where)
    _order_labels(columns, tables)
    filters = FilterIndex(columns)  # in the records' order: the values lie in memory in turn
    order = _popular_order(columns, len(rows))
    index: pd.Index = pd.RangeIndex(len(rows))
    if order is not None:
        columns = {name: _reordered(array, order) for name, array in columns.items()}
        index = pd.Index(order)
    df = pd.DataFrame(columns, index=index, copy=False)
    df.attrs["code_tables"] = _CodeTables(tables)
    df.attrs["filter_index"] = filters
    filters.watch(df)
    return df


# --- summaries --------------------------------------------------------------------------------
def voice_summary(df: pd.DataFrame, by: str | Sequence[str] = ("lang_name", "gender_str"),
                  ) -> pd.DataFrame:
    """Voice counts by one column, or a crosstab by several (the last one across).

    A list column (``category_str_list``) counts a voice once per item; voices without a
    value (an empty list, an unknown gender) are not counted.

    >>> voice_summary(voices)               # language x gender
    >>> voice_summary(voices, "emotion_str")
    """
    keys = [by] if isinstance(by, str) else list(by)
    missing = [k for k in keys if k not in df]
    if not keys or missing:
        raise ValidationError(f"cannot summarize by {missing or keys}: choose columns of "
                              f"{', '.join(df.columns)}", where="voice_summary(by=...)")
    data = df[keys]
    for key in keys:
        if data[key].dtype == object and data[key].map(lambda v: isinstance(v, list)).any():
            data = data.explode(key)
    counts = data.groupby(keys, observed=True).size()
    if len(keys) == 1:
        return counts.rename("voices").to_frame()
    return counts.unstack(keys[-1], fill_value=0)


SUMMARY_FIELDS = ("lang_name", "gender_str", "age_range_str", "emotion_str", "accent_str",
                  "category_str_list")


def describe_catalog(df: pd.DataFrame) -> pd.DataFrame:
    """Voices per language, gender, age, emotion, accent and category, with their share.

    >>> describe_catalog(voices).loc["gender_str"]
    """
    parts = {}
    for field in SUMMARY_FIELDS:
        counts = voice_summary(df, field)
        parts[field] = counts.set_axis(counts.index.astype(str), axis=0)
    table = pd.concat(parts, names=["field", "value"])
    table["share"] = table["voices"] / max(len(df), 1)
    return table
