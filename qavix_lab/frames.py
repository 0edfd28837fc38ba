"""The voice catalog and task lists as pandas DataFrames with honest dtypes.

Plain records in (the service's camelCase dicts, or ``qavix_lab.spec`` models), DataFrames out,
no network: everything here works offline on a saved snapshot.

- IDs are ``str`` (int64 values never pass through a float), codes nullable ``Int64``, their
  descriptions ``category`` (in code order), times ``datetime64[s, Asia/Shanghai]``, category
  codes and names lists in ``object`` columns; keys the library does not know yet are kept as
  extra snake_case columns.
- :func:`filter_voices` takes codes or descriptions, case-insensitive, or lists of them (any-of).
  A text value that names nothing in the catalog (``lang="englsh"``) raises ``ValidationError``
  listing the known values: a typo is never mistaken for "no such voices". An integer code that
  no voice has simply matches nothing.

>>> voices = voices_frame(records)
>>> filter_voices(voices, lang="English", gender="female", emotion="calm").head(3)
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

from .errors import MalformedResponse, QavixError, ValidationError
from .spec.models import SERVICE_TIME_FORMAT, SERVICE_TZ, Model, TaskStatus

__all__ = [
    "CatalogCache", "code_tables", "describe_catalog", "filter_voices", "load_catalog",
    "load_catalog_records", "save_catalog", "tasks_frame", "voice_records", "voice_summary",
    "voices_frame",
]

# The TimbreInfoDto fields (wire key -> kind), in the reference's order.
VOICE_FIELDS = {
    "id": "id", "name": "text", "lang": "label", "langName": "label",
    "gender": "int", "genderStr": "label", "accent": "int", "accentStr": "label",
    "ageRange": "int", "ageRangeStr": "label", "emotion": "int", "emotionStr": "label",
    "categoryList": "int_list", "categoryStrList": "str_list", "remark": "text",
    "source": "int", "type": "int", "auditionUrl": "text", "status": "int",
    "updateTime": "time", "createTime": "time",
    "hotCount": "int", "useCount": "int", "collectCount": "int",
}
# The task query fields (wire key -> kind); transcripts stay raw for qavix_lab.transcripts.
TASK_FIELDS = {
    "taskId": "id", "name": "text", "format": "text", "coverUrl": "text",
    "originalLang": "text", "destLang": "text", "destFileId": "id", "destFileTmpUrl": "text",
    "timbre": "id", "soundCloneId": "id", "destSrtFileId": "id", "destStrTmpUrl": "text",
    "originalRtasrInfo": "raw", "destRtasrInfo": "raw", "status": "int", "process": "int",
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
SNAPSHOT_FORMAT = "qavix_lab.voice_catalog"


def snake_case(key: str) -> str:
    """``destSrtFileId`` -> ``dest_srt_file_id``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


def camel_case(column: str) -> str:
    """``dest_srt_file_id`` -> ``destSrtFileId`` (the wire name of an extra column)."""
    head, *rest = column.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


VOICE_COLUMNS = {key: snake_case(key) for key in VOICE_FIELDS} | {"id": "voice_id"}
_VOICE_KEYS = {column: key for key, column in VOICE_COLUMNS.items()}
TASK_COLUMNS = {key: snake_case(key) for key in TASK_FIELDS}


# --- records -> columns -----------------------------------------------------------------------
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
    "raw": (lambda t: True, "anything"),
}


def _reject(values: Sequence[Any], index: int, key: str, wanted: str, where: str) -> None:
    value = values[index]
    raise MalformedResponse(
        f"{key!r} should be {wanted}, got {type(value).__name__} {str(value)[:60]!r}",
        where=f"{where}[{index}].{key}",
    )


def _check_types(values: Sequence[Any], kind: str, key: str, where: str) -> None:
    accepts, wanted = _ACCEPTS[kind]
    if all(t is type(None) or accepts(t) for t in set(map(type, values))):
        return
    bad = next(i for i, v in enumerate(values) if v is not None and not accepts(type(v)))
    _reject(values, bad, key, wanted, where)


def _int_column(values: list[Any], key: str, where: str) -> Any:
    try:
        if None in values:
            return pd.array(values, dtype="Int64")
        return pd.array(np.array(values, dtype=np.int64), dtype="Int64")
    except (OverflowError, TypeError, ValueError):
        bad = next(i for i, v in enumerate(values) if v is not None and not -2**63 <= v < 2**63)
        _reject(values, bad, key, "a 64-bit integer", where)


def _is_service_time(value: str | None) -> bool:
    try:
        datetime.strptime(value or "2000-01-01 00:00:00", SERVICE_TIME_FORMAT)
    except ValueError:
        return False
    return True


def _time_column(values: list[Any], key: str, where: str) -> Any:
    try:
        moments = pd.to_datetime(values, format=SERVICE_TIME_FORMAT)
    except ValueError:
        bad = next((i for i, v in enumerate(values) if not _is_service_time(v)), 0)
        _reject(values, bad, key, _ACCEPTS["time"][1], where)
    return moments.as_unit("s").tz_localize(SERVICE_TZ)


def _list_column(values: list[Any], kind: str, key: str, where: str) -> Any:
    clean = set(map(type, values)) <= {list}
    lists = values if clean else [[] if v is None else list(v) for v in values]
    element_ok = _is_int if kind == "int_list" else (lambda t: t is str)
    if not all(element_ok(t) for t in set(map(type, chain.from_iterable(lists)))):
        bad = next(i for i, v in enumerate(lists) if not all(element_ok(type(x)) for x in v))
        _reject(values, bad, key, _ACCEPTS[kind][1], where)
    return pd.Series(lists, dtype=object).array


def _label_column(values: list[str | None]) -> pd.Categorical:
    labels = sorted(v for v in set(values) if v is not None)
    index: dict[str | None, int] = {label: i for i, label in enumerate(labels)} | {None: -1}
    codes = np.fromiter(map(index.__getitem__, values), dtype=np.int32, count=len(values))
    return pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype="str"))


def _column(values: list[Any], kind: str, key: str, where: str) -> Any:
    _check_types(values, kind, key, where)
    if kind == "id":
        return pd.array([None if v is None else str(v) for v in values], dtype="str")
    if kind == "text":
        return pd.array(values, dtype="str")
    if kind == "label":
        return _label_column(values)
    if kind == "int":
        return _int_column(values, key, where)
    if kind == "time":
        return _time_column(values, key, where)
    if kind in ("int_list", "str_list"):
        return _list_column(values, kind, key, where)
    return pd.Series(values, dtype=object).array


def _guess_column(values: list[Any]) -> Any:
    """An extra key's column: nullable ints/floats/booleans, ``str`` text, or objects."""
    try:
        array = pd.array(values)
    except (TypeError, ValueError):
        return pd.Series(values, dtype=object).array
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


def _field_values(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Every key's values, one list per key (``None`` where a record lacks the key)."""
    keys = set().union(*records)
    complete = {len(r) for r in records} <= {len(keys)}  # then every record has every key
    return {key: list(map(itemgetter(key), records)) if complete else [r.get(key) for r in records]
            for key in sorted(keys)}


def _columns(values: Mapping[str, list[Any]], length: int, fields: Mapping[str, str],
             names: Mapping[str, str], where: str) -> dict[str, Any]:
    """Column arrays by name: the known fields in order, then the extra keys."""
    missing = [None] * length
    columns = {names[key]: _column(values.get(key, missing), kind, key, where)
               for key, kind in fields.items()}
    for key in values.keys() - fields.keys():
        name = snake_case(key) if snake_case(key) not in columns else f"extra_{snake_case(key)}"
        columns[name] = _guess_column(values[key])
    return columns


# --- voices -----------------------------------------------------------------------------------
def _pairs(codes: Iterable[Any], labels: Iterable[Any]) -> dict[Any, str]:
    """code -> description as the data pairs them (sorted by code)."""
    pairs = {(c, s) for c, s in set(zip(codes, labels, strict=False))
             if isinstance(s, str) and c is not None and c is not pd.NA}
    return dict(sorted(pairs))


def _category_pairs(codes: Sequence[list[Any]], labels: Sequence[list[Any]]) -> dict[Any, str]:
    if list(map(len, codes)) == list(map(len, labels)):
        return _pairs(chain.from_iterable(codes), chain.from_iterable(labels))
    pairs = [p for c, s in zip(codes, labels, strict=True) for p in zip(c, s, strict=False)]
    return _pairs([c for c, _ in pairs], [s for _, s in pairs])


def _tables_from(column: Callable[[str], Sequence[Any]]) -> dict[str, dict[Any, str]]:
    tables = {name: _pairs(column(code), column(label))
              for name, (code, label) in CODED_FILTERS.items() if label}
    tables["category"] = _category_pairs(column("category_list"), column("category_str_list"))
    return tables | {name: dict(names) for name, names in FIXED_NAMES.items()}


def code_tables(df: pd.DataFrame) -> dict[str, dict[Any, str]]:
    """Code -> description for every coded field of a voice frame (for filters, menus, hints).

    >>> code_tables(voices)["gender"]
    {1: 'Male', 2: 'Female'}
    """
    stored = df.attrs.get("code_tables")
    if stored is not None:
        return {name: dict(table) for name, table in stored.items()}
    return _tables_from(lambda name: df[name].tolist() if name in df else [])


def _order_labels(columns: dict[str, Any], tables: Mapping[str, dict[Any, str]]) -> None:
    """Descriptions in code order (Male, Female; Child .. Senior), so summaries read naturally."""
    for name, (_, label) in CODED_FILTERS.items():
        if label and name != "lang":
            known = list(dict.fromkeys(tables[name].values()))
            rest = [c for c in columns[label].categories if c not in set(known)]
            columns[label] = columns[label].reorder_categories(known + rest)


def voices_frame(records: Sequence[Any] | None, *, where: str = "result") -> pd.DataFrame:
    """One row per voice, a column per ``TimbreInfoDto`` field (snake_case), honest dtypes.

    ``None`` or ``[]`` gives an empty frame with every column. A record that is not an object,
    or a field of the wrong type, raises ``MalformedResponse`` naming ``where[index].field``.

    >>> voices = voices_frame(client.voices.records())
    """
    rows = _records(records, "voice", where)
    values = _field_values(rows)
    columns = _columns(values, len(rows), VOICE_FIELDS, VOICE_COLUMNS, where)
    tables = _tables_from(lambda name: columns[name].to_numpy() if name.endswith("_list")
                          else values.get(_VOICE_KEYS[name], []))
    _order_labels(columns, tables)
    df = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)), copy=False)
    df.attrs["code_tables"] = tables
    return df


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


def _containing(values: np.ndarray, needle: str) -> np.ndarray:
    return np.fromiter((isinstance(v, str) and needle in v.casefold() for v in values),
                       dtype=bool, count=len(values))


def _text_hits(df: pd.DataFrame, rows: np.ndarray, text: str) -> np.ndarray:
    """Which of ``rows`` have ``text`` (any case) in their name or remark."""
    needle = text.casefold()
    hits = _containing(_column_for(df, "name", "text=...").to_numpy()[rows], needle)
    rest = rows[~hits]
    hits[~hits] = _containing(_column_for(df, "remark", "text=...").to_numpy()[rest], needle)
    return hits


def _category_hits(df: pd.DataFrame, rows: np.ndarray, codes: set[Any]) -> np.ndarray:
    """Which of ``rows`` have any of the category ``codes``."""
    lists = _column_for(df, "category_list", "category=...").to_numpy()[rows]
    return ~np.fromiter(map(codes.isdisjoint, lists), dtype=bool, count=len(rows))


def _sorted(df: pd.DataFrame, rows: np.ndarray, sort: str | None) -> pd.DataFrame:
    if sort is None:
        return df.take(rows)
    if sort == "popularity":
        hot = _column_for(df, "hot_count", "sort").to_numpy(dtype="int64", na_value=-1)[rows]
        use = _column_for(df, "use_count", "sort").to_numpy(dtype="int64", na_value=-1)[rows]
        return df.take(rows[np.lexsort((-use, -hot))])
    column = sort.removeprefix("-") if isinstance(sort, str) else None
    if column is None or column not in df:
        raise ValidationError(f"cannot sort by {sort!r}: use 'popularity', None, or a column "
                              f"(prefix '-' for descending): {', '.join(df.columns)}",
                              where="filter_voices(sort=...)")
    try:
        return df.take(rows).sort_values(column, ascending=column == sort, kind="stable")
    except TypeError as exc:
        raise ValidationError(f"cannot sort by {column!r}: {exc}",
                              where="filter_voices(sort=...)") from None


def filter_voices(
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
    sort: str | None = "popularity",
) -> pd.DataFrame:
    """The voices matching every given filter, most popular first.

    Each filter takes a code, a description (any case: ``lang="English"``, ``"en"``, ``"EN"``,
    ``gender="female"`` or ``2``) or a list of those (any of them; an empty list, like a
    multi-select with nothing chosen, does not filter). ``category`` matches a voice
    with any of the given categories; ``text`` is a case-insensitive substring of the name or
    the remark. ``sort`` is ``"popularity"`` (hot_count, then use_count, descending), ``None``
    (catalog order) or a column name (``"-name"`` for descending).

    >>> filter_voices(voices, lang=["en", "fr"], category="audiobook", enabled_only=True)
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
            mask &= column.isin(list(codes)).to_numpy(dtype=bool, na_value=False)
    if enabled_only:
        mask &= _column_for(df, "status", "enabled_only").eq(0).to_numpy(dtype=bool, na_value=False)
    # the per-row Python checks run last, on the rows the vectorised ones kept
    rows = np.flatnonzero(mask)
    if category is not None and _values(category):
        codes = _wanted_codes("category", category, tables["category"])
        rows = rows[_category_hits(df, rows, codes)]
    if text:
        rows = rows[_text_hits(df, rows, text)]
    return _sorted(df, rows, sort)


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


# --- tasks ------------------------------------------------------------------------------------
def _status_name(code: Any) -> str | None:
    if code is pd.NA:
        return None
    try:
        return TaskStatus(code).name.lower()
    except ValueError:
        return f"unknown({code})"


def _status_names(status: pd.Series) -> pd.Categorical:
    known = [s.name.lower() for s in sorted(TaskStatus)]
    names = [_status_name(code) for code in status.tolist()]
    extra = sorted({name for name in names if name is not None} - set(known))
    return pd.Categorical(names, categories=pd.Index(known + extra, dtype="str"))


def tasks_frame(tasks: Sequence[Any] | None, *, where: str = "tasks") -> pd.DataFrame:
    """One row per task query result (dicts as sent, or ``VideoTask``/``TtsResult`` models).

    IDs are ``str``; ``status`` is ``Int64`` with a ``status_name`` category beside it (deleted,
    processing, completed, failed, editing, violation, or ``unknown(<n>)``); the transcripts
    are kept raw. TTS results' extra fields (``lang``, ``timbreName``) become extra columns.

    >>> tasks_frame([client.tasks.query(i, raw=True) for i in ids])
    """
    rows = _records(tasks, "task", where)
    columns = _columns(_field_values(rows), len(rows), TASK_FIELDS, TASK_COLUMNS, where)
    df = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)), copy=False)
    df.insert(df.columns.get_loc("status") + 1, "status_name", _status_names(df["status"]))
    return df


# --- snapshots --------------------------------------------------------------------------------
def _wire_values(column: pd.Series) -> list[Any]:
    """A frame column as JSON-ready values: None for missing, service-format times."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_convert(SERVICE_TZ).dt.strftime(SERVICE_TIME_FORMAT)
    return [None if pd.api.types.is_scalar(v) and pd.isna(v) else v
            for v in column.astype(object).tolist()]


def voice_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A voice frame back into ``TimbreInfoDto`` dicts (numeric IDs as ints, exactly)."""
    columns = {}
    for column in df.columns:
        values = _wire_values(df[column])
        if column == "voice_id":
            values = [int(v) if isinstance(v, str) and v.isdigit() else v for v in values]
        columns[_VOICE_KEYS.get(column) or camel_case(str(column))] = values
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def save_catalog(voices: pd.DataFrame | Sequence[dict[str, Any]] | None, path: str | Path, *,
                 source: str | None = None) -> Path:
    """Write a JSON snapshot: a header (``saved_at``, ``source``, ``count``) and the raw records.

    >>> save_catalog(client.voices.records(), "voices.json", source=client.base_url)
    """
    records = (voice_records(voices) if isinstance(voices, pd.DataFrame)
               else _records(voices, "voice", "voices"))
    voices_frame(records, where="voices")  # refuse to save what could not be loaded
    snapshot = {"format": SNAPSHOT_FORMAT, "version": 1,
                "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "source": source, "count": len(records), "voices": records}
    target = Path(path)
    try:
        data = orjson.dumps(snapshot, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(data + b"\n")
        partial.replace(target)
    except (OSError, TypeError) as exc:
        raise QavixError(f"cannot save the catalog: {exc}", where=str(target)) from None
    return target


def _read_snapshot(path: str | Path) -> tuple[dict[str, Any], list[Any]]:
    source = Path(path)
    try:
        data = orjson.loads(source.read_bytes())
    except OSError as exc:
        raise ValidationError(f"cannot read the catalog: {exc.strerror or exc}",
                              where=str(source)) from None
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"not JSON: {exc}", where=str(source)) from None
    if isinstance(data, list):
        return {}, data
    if isinstance(data, dict) and isinstance(data.get("voices"), list):
        return {k: v for k, v in data.items() if k != "voices"}, data["voices"]
    if isinstance(data, dict) and "result" in data and "code" in data:
        return {"source": "WebResult"}, data["result"] or []
    found = f"keys {sorted(data)}" if isinstance(data, dict) else type(data).__name__
    raise ValidationError(f"not a voice catalog: expected a snapshot with 'voices', a list of "
                          f"records or a WebResult, found {found}", where=str(source))


def load_catalog_records(path: str | Path) -> list[dict[str, Any]]:
    """The raw ``TimbreInfoDto`` records of a snapshot (or of a saved list / WebResult)."""
    return _records(_read_snapshot(path)[1], "voice", f"{path}: voices")


def load_catalog(path: str | Path) -> pd.DataFrame:
    """A snapshot as a voice frame; its header is in ``df.attrs["snapshot"]``.

    >>> voices = load_catalog("datasets/voices/catalog.json")
    """
    header, records = _read_snapshot(path)
    df = voices_frame(records, where=f"{path}: voices")
    df.attrs["snapshot"] = header
    return df


# --- cache ------------------------------------------------------------------------------------
class CatalogCache:
    """The catalog's records, kept for ``ttl`` seconds so that look-ups do not refetch.

    ``clock`` (seconds, monotonic) is injectable for tests.

    >>> cache = CatalogCache(ttl=600)
    >>> records = cache.get(client.voices.records)     # fetched once, then reused
    """

    def __init__(self, ttl: float = 600.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = self._checked(ttl)
        self._clock = clock
        self._lock = threading.RLock()
        self._records: list[dict[str, Any]] | None = None
        self._stored_at = 0.0

    @staticmethod
    def _checked(ttl: float) -> float:
        if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not ttl >= 0:
            raise ValidationError(f"ttl must be a number of seconds >= 0, got {ttl!r}",
                                  where="CatalogCache(ttl=...)")
        return float(ttl)

    @property
    def age(self) -> float | None:
        """Seconds since the records were stored (``None`` when empty)."""
        return None if self._records is None else self._clock() - self._stored_at

    def peek(self, ttl: float | None = None) -> list[dict[str, Any]] | None:
        """The records if fresher than ``ttl`` (default: the cache's), else ``None``."""
        limit = self.ttl if ttl is None else self._checked(ttl)
        with self._lock:
            age = self.age
            if age is None or age >= limit:
                return None
            return list(self._records or [])

    def put(self, records: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
        """Store freshly fetched records (``None``, the service's "no data", stores ``[]``)."""
        with self._lock:
            self._records = list(records or [])
            self._stored_at = self._clock()
            return list(self._records)

    def get(self, fetch: Callable[[], Sequence[dict[str, Any]] | None],
            ttl: float | None = None) -> list[dict[str, Any]]:
        """The cached records, or ``fetch()``'s when stale (one fetch at a time)."""
        with self._lock:
            records = self.peek(ttl)
            return records if records is not None else self.put(fetch())

    def invalidate(self) -> None:
        """Forget the records: the next ``get`` fetches."""
        with self._lock:
            self._records = None
