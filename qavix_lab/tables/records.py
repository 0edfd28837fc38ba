"""Records to columns: the service's camelCase dicts (or spec models) into typed pandas arrays.

A field of the wrong type raises ``MalformedResponse`` naming ``where[index].field``.
"""

from __future__ import annotations

import ctypes
import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from itertools import chain
from operator import itemgetter
from typing import Any, NoReturn

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from ..errors import MalformedResponse
from ..spec.models import SERVICE_TIME_FORMAT, SERVICE_TZ, Model

# A field's values: an array of objects (a column of the records' table) or a list.
Values = np.ndarray | Sequence[Any]


def snake_case(key: str) -> str:
    """``destSrtFileId`` -> ``dest_srt_file_id``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


def camel_case(column: str) -> str:
    """``dest_srt_file_id`` -> ``destSrtFileId`` (the wire name of an extra column)."""
    head, *rest = column.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _is_int(kind: type) -> bool:
    return issubclass(kind, int | np.integer) and not issubclass(kind, bool)


_ACCEPTS: dict[str, tuple[Callable[[type], bool], str]] = {
    "id": (lambda t: _is_int(t) or t is str, "an integer or a string"),
    "int": (_is_int, "an integer"),
    "text": (lambda t: t is str, "a string"),
    "label": (lambda t: t is str, "a string"),
    "time": (lambda t: t is str, "a 'yyyy-MM-dd HH:mm:ss' string"),
    "int_list": (lambda t: issubclass(t, list | tuple), "a list of integers"),
    "str_list": (lambda t: issubclass(t, list | tuple), "a list of strings"),
    # a str_list whose items the caller checks, with the codes they describe (voices_frame)
    "label_list": (lambda t: issubclass(t, list | tuple), "a list of strings"),
    "raw": (lambda t: True, "anything"),
}


# The kinds whose values are strings (or missing).
_TEXT_KINDS = frozenset({"text", "label", "time"})


def _reject(values: Values, index: int, key: str, wanted: str, where: str,
            ) -> NoReturn:
    value = values[index]
    raise MalformedResponse(
        f"{key!r} should be {wanted}, got {type(value).__name__} {str(value)[:60]!r}",
        where=f"{where}[{index}].{key}",
    )


def _check_types(values: Values, kind: str, key: str, where: str,
                 types: set[type] | None = None) -> set[type]:
    """The values' types (``types``, when known, are those of a sample that holds every type);
    a value of a type ``kind`` does not accept raises ``MalformedResponse``."""
    accepts, wanted = _ACCEPTS[kind]
    if (types is None and kind in _TEXT_KINDS and isinstance(values, np.ndarray)
            and infer_dtype(values, skipna=False) == "string"):
        return {str}  # every value is text (checked in C; a str subclass counts as text)
    found = set(map(type, _listed(values))) if types is None else types
    if all(t is type(None) or accepts(t) for t in found):
        return found
    bad = next(i for i, v in enumerate(values) if v is not None and not accepts(type(v)))
    _reject(values, bad, key, wanted, where)


def _listed(values: Values) -> list[Any]:
    """``values`` as a list (a list is read faster than an array of objects, item by item)."""
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def _objects(values: Values) -> np.ndarray:
    """``values`` as a 1-d array of objects (lists stay items, never a second dimension)."""
    if isinstance(values, np.ndarray):
        return values
    return np.fromiter(values, dtype=object, count=len(values))


def _exact_ints(values: np.ndarray) -> np.ndarray | None:
    """``values`` as int64 when every one is an integer (not a bool, ``None`` or NaN) within
    64 bits, checked and converted in C; ``None`` otherwise (then the caller looks closer)."""
    if infer_dtype(values, skipna=True) != "integer":
        return None
    try:  # a missing value (None, NaN, NA) or a too large integer does not convert
        return values.astype(np.int64)
    except (OverflowError, TypeError, ValueError):
        return None


def _int_column(values: np.ndarray, key: str, where: str) -> Any:
    ints = _exact_ints(values)
    if ints is not None:
        return pd.arrays.IntegerArray(ints, np.zeros(len(ints), dtype=bool))
    types = _check_types(values, "int", key, where)
    listed = _listed(values)
    try:
        if type(None) in types:
            return pd.array(listed, dtype="Int64")
        return pd.array(np.array(listed, dtype=np.int64), dtype="Int64")
    except (OverflowError, TypeError, ValueError):
        bad = next(i for i, v in enumerate(listed) if v is not None and not -2**63 <= v < 2**63)
        _reject(values, bad, key, "a 64-bit integer", where)


def _is_service_time(value: str | None) -> bool:
    try:
        datetime.strptime(value or "2000-01-01 00:00:00", SERVICE_TIME_FORMAT)
    except ValueError:
        return False
    return True


def _time_column(values: np.ndarray, key: str, where: str) -> Any:
    try:
        moments = pd.to_datetime(values, format=SERVICE_TIME_FORMAT)
    except ValueError:
        bad = next((i for i, v in enumerate(values) if not _is_service_time(v)), 0)
        _reject(values, bad, key, _ACCEPTS["time"][1], where)
    return moments.as_unit("s").tz_localize(SERVICE_TZ)


def _list_column(values: np.ndarray, types: set[type], kind: str, key: str, where: str) -> Any:
    lists = values if types <= {list} else _objects(
        [[] if v is None else list(v) for v in values.tolist()])
    element_ok = _is_int if kind == "int_list" else (lambda t: t is str)
    if kind != "label_list" and not all(
            element_ok(t) for t in set(map(type, chain.from_iterable(lists.tolist())))):
        bad = next(i for i, v in enumerate(lists) if not all(element_ok(type(x)) for x in v))
        _reject(values, bad, key, _ACCEPTS[kind][1], where)
    return pd.arrays.NumpyExtensionArray(lists)


def _label_column(values: np.ndarray, key: str, where: str) -> pd.Categorical:
    """A categorical of the values' distinct labels, sorted: the values are hashed in C and
    only the distinct ones (and the missing ones: None, or a NaN to reject) are checked."""
    found, distinct = pd.factorize(values)
    missing = found < 0
    types = set(map(type, distinct.tolist())) | set(map(type, values[missing].tolist()))
    _check_types(values, "label", key, where, types=types)
    labels = sorted(distinct.tolist())
    position = {label: i for i, label in enumerate(labels)}
    # each distinct value's place among the sorted labels; a missing value's code, -1, picks
    # the last entry, -1 again
    rank = np.array([*map(position.__getitem__, distinct.tolist()), -1], dtype=np.int32)
    return pd.Categorical.from_codes(rank[found], categories=pd.Index(labels, dtype="str"))


def _decimal_texts(ints: np.ndarray) -> list[str]:
    """Integers as their decimal texts. Positive ones of one length (the service's ids have 19
    digits) are written digit by digit for the whole array at once: Python's int-to-text, one
    id at a time, was the slowest column of a catalog."""
    low, high = (int(ints.min()), int(ints.max())) if len(ints) else (0, 0)
    width = len(str(high))
    if low < 1 or len(str(low)) != width:
        return list(map(str, ints.tolist()))
    digits = np.empty((len(ints), width + 1), dtype=np.uint8)
    digits[:, width] = ord("\n")  # after each text, to split them apart
    rest = ints.copy()
    for place in range(width - 1, -1, -1):
        rest, digits[:, place] = np.divmod(rest, 10)
    digits[:, :width] += ord("0")
    return digits.tobytes().decode("ascii").split("\n")[:-1]


def _ids(values: np.ndarray, key: str, where: str) -> Any:
    ints = _exact_ints(values)
    if ints is not None:
        return pd.array(_decimal_texts(ints), dtype="str")
    types = _check_types(values, "id", key, where)
    if types <= {str}:
        return pd.array(values, dtype="str")
    return pd.array([None if v is None else str(v) for v in values.tolist()], dtype="str")


def _column(values: np.ndarray, kind: str, key: str, where: str) -> Any:
    if kind == "label":
        return _label_column(values, key, where)
    if kind == "int":
        return _int_column(values, key, where)
    if kind == "id":
        return _ids(values, key, where)
    types = _check_types(values, kind, key, where)
    if kind == "text":
        return pd.array(values, dtype="str")
    if kind == "time":
        return _time_column(values, key, where)
    if kind in ("int_list", "str_list", "label_list"):
        return _list_column(values, types, kind, key, where)
    return pd.arrays.NumpyExtensionArray(values)


def _guess_column(values: Values) -> Any:
    """An extra key's column: nullable ints/floats/booleans, ``str`` text, or objects."""
    listed = _listed(values)
    try:
        array = pd.array(listed)
    except (TypeError, ValueError):
        return pd.Series(listed, dtype=object).array
    return array.astype("str") if isinstance(array.dtype, pd.StringDtype) else array


def _as_record(item: Any) -> Any:
    """A spec model back into its wire dict (times in the service's format); others unchanged."""
    if not isinstance(item, Model):
        return item
    record = {}
    for f in dataclasses.fields(item):
        if "wire" in f.metadata:
            value = getattr(item, f.name)
            if isinstance(value, datetime):
                value = value.astimezone(SERVICE_TZ).strftime(SERVICE_TIME_FORMAT)
            record[f.metadata["wire"]] = value
    return record | item.extra


def _records(records: Any, what: str, where: str) -> list[dict[str, Any]]:
    if records is None:
        return []
    if not isinstance(records, list | tuple):
        raise MalformedResponse(f"expected a list of {what} records, got "
                                f"{type(records).__name__}", where=where)
    if set(map(type, records)) <= {dict}:
        return list(records)
    records = [_as_record(r) for r in records]
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise MalformedResponse(f"a {what} record should be an object, got "
                                    f"{type(record).__name__} {str(record)[:60]!r}",
                                    where=f"{where}[{i}]")
    return records


def _pointers(values: np.ndarray) -> np.ndarray:
    """The pointers a contiguous object array holds, as a writable int array over the same
    memory (moving them about moves no reference: see ``_column_major``)."""
    pointers = (ctypes.c_void_p * values.size).from_address(values.ctypes.data)
    return np.frombuffer(memoryview(pointers), dtype=np.intp)


def _column_major(flat: np.ndarray, rows: int, keys: int) -> None:
    """A rows x keys table of objects, row after row in ``flat``, rearranged column after
    column in place, by moving its pointers (each object keeps the one reference ``flat``
    holds; none is read). A column is then read from memory in turn, not one item a cache
    line: its values are read several times (types, hashes, copies) while building."""
    if flat.size:
        pointers = _pointers(flat)
        pointers[:] = pointers.reshape(rows, keys).T.ravel()


def _uniform_values(records: list[Any]) -> dict[str, Values] | None:
    """Every key's values as columns of one table of objects, when every record has exactly
    the first one's keys (else ``None``). The records are read row by row in C (each dict
    once; a key at a time is 2x slower) and the columns are slices of the table."""
    first = list(records[0]) if records and type(records[0]) is dict else []
    if len(first) <= 1:
        return None
    try:  # a record without one of the keys, or one that is not a mapping, stops the reading
        flat = np.fromiter(chain.from_iterable(map(itemgetter(*first), records)),
                           dtype=object, count=len(first) * len(records))
        # every record has the first one's keys: then none has more if their sizes add up
        if sum(map(len, records)) != len(first) * len(records):
            return None
    except (KeyError, TypeError):
        return None
    count = len(records)
    _column_major(flat, count, len(first))
    return {key: flat[i * count:(i + 1) * count]
            for i, key in sorted(enumerate(first), key=itemgetter(1))}


def _records_and_values(records: Any, what: str, where: str,
                        ) -> tuple[list[dict[str, Any]], dict[str, Values]]:
    """:func:`_records` and every key's values, one array (or list) per key (``None`` where a
    record lacks the key). A list of dicts that all have the same keys is read at once:
    reading it checks that each record is a mapping with those keys, and no pass over the
    records' types is needed. The table is tried once: records it does not fit are read key
    by key."""
    tried = type(records) is list and all(type(r) is dict for r in records[:1])
    if tried:
        uniform = _uniform_values(records)
        if uniform is not None and type(records[-1]) is dict:
            return records, uniform
    rows = _records(records, what, where)
    if not tried:  # spec models, or not a list: their dicts may still fit one table
        uniform = _uniform_values(rows)
        if uniform is not None:
            return rows, uniform
    keys = set().union(*rows)
    return rows, {key: [r.get(key) for r in rows] for key in sorted(keys)}


def _columns(values: Mapping[str, Values], length: int, fields: Mapping[str, str],
             names: Mapping[str, str], where: str) -> dict[str, Any]:
    """Column arrays by name: the known fields in order, then the extra keys."""
    missing = [None] * length
    columns = {names[key]: _column(_objects(values.get(key, missing)), kind, key, where)
               for key, kind in fields.items()}
    for key in (k for k in values if k not in fields):  # in the records' key order
        name = snake_case(key) if snake_case(key) not in columns else f"extra_{snake_case(key)}"
        columns[name] = _guess_column(values[key])
    return columns
