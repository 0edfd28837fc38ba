"""Task query results as a DataFrame: one row per task, with a ``status_name`` category.

>>> tasks_frame([client.tasks.query(i, raw=True) for i in ids])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..spec.models import TaskStatus
from .records import _columns, _records_and_values, snake_case

# The task query fields (wire key -> kind); transcripts stay raw for qavix_lab.transcripts.
TASK_FIELDS = {
    "taskId": "id", "name": "text", "format": "text", "coverUrl": "text",
    "originalLang": "text", "destLang": "text", "destFileId": "id", "destFileTmpUrl": "text",
    "timbre": "id", "soundCloneId": "id", "destSrtFileId": "id", "destStrTmpUrl": "text",
    "originalRtasrInfo": "raw", "destRtasrInfo": "raw", "status": "int", "process": "int",
}
TASK_COLUMNS = {key: snake_case(key) for key in TASK_FIELDS}


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
    rows, values = _records_and_values(tasks, "task", where)
    columns = _columns(values, len(rows), TASK_FIELDS, TASK_COLUMNS, where)
    df = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)), copy=False)
    df.insert(df.columns.get_loc("status") + 1, "status_name", _status_names(df["status"]))
    return df
