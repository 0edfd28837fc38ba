"""The voice catalog and task lists as pandas DataFrames with honest dtypes.

Plain records in (the service's camelCase dicts, or ``qavix_lab.spec`` models), DataFrames out,
no network: everything here works offline on a saved snapshot.

- IDs are ``str`` (int64 values never pass through a float), codes nullable ``Int64``, their
  descriptions ``category`` (in code order), times ``datetime64[s, Asia/Shanghai]``, category
  codes and names lists in ``object`` columns; keys the library does not know yet are kept as
  extra snake_case columns.
- :func:`voices_frame` gives the most popular voices first; the index is each voice's position
  in the records (``voices.sort_index()`` has their order).
- :func:`filter_voices` takes codes or descriptions, case-insensitive, or lists of them (any-of).
  A text value that names nothing in the catalog (``lang="englsh"``) raises ``ValidationError``
  listing the known values: a typo is never mistaken for "no such voices". An integer code that
  no voice has simply matches nothing.

>>> voices = voices_frame(records)
>>> filter_voices(voices, lang="English", gender="female", emotion="calm").head(3)
"""

from .cache import CatalogCache
from .filters import filter_voices, voice_positions
from .snapshot import load_catalog, load_catalog_records, save_catalog, voice_records
from .tasks import tasks_frame
from .voices import code_tables, describe_catalog, voice_summary, voices_frame

__all__ = [
    "CatalogCache", "code_tables", "describe_catalog", "filter_voices", "load_catalog",
    "load_catalog_records", "save_catalog", "tasks_frame", "voice_positions", "voice_records",
    "voice_summary", "voices_frame",
]
