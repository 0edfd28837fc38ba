"""Voice catalog snapshots: saved as JSON with a header, reopened offline as a voice frame.

>>> save_catalog(client.voices.records(), "voices.json", source=client.base_url)
>>> voices = load_catalog("voices.json")
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from ..errors import QavixError, ValidationError
from ..spec.models import SERVICE_TIME_FORMAT, SERVICE_TZ
from .records import _records, camel_case
from .voices import _VOICE_KEYS, voices_frame

SNAPSHOT_FORMAT = "qavix_lab.voice_catalog"


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
