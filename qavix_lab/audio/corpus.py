"""Audio metrics for many files at once: one row per file, on local processes or a Dask cluster.

>>> from qavix_lab import audio
>>> audio.metrics_many("renders/*.mp3")                     # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ..corpus import Engine, OnError, check_failures, expand, map_files
from .metrics import metrics


def metrics_many(paths_or_glob: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
                 lang: str | None = None, engine: Engine = "processes",
                 workers: int | None = None, client: Any = None,
                 on_error: OnError = "raise") -> pd.DataFrame:
    """:func:`~qavix_lab.audio.metrics` of every file: a DataFrame indexed by path, in order.

    A file that cannot be decoded raises :class:`~qavix_lab.corpus.CorpusError` listing every
    failure; with ``on_error="skip"`` its row is left out and it is listed in
    ``result.attrs["failures"]``, a tuple of :class:`~qavix_lab.corpus.Failure` (path,
    error_type, error): ``pd.DataFrame`` of it is a table.
    """
    files = expand(paths_or_glob, where="metrics_many(paths)")
    outcomes = map_files(functools.partial(_measure, lang=lang), files, engine=engine,
                         workers=workers, client=client, where="metrics_many")
    failed = check_failures(outcomes, on_error, "metrics_many")
    rows = [o.value.rename(o.path) for o in outcomes if o.error is None]
    result = pd.DataFrame(rows) if rows else pd.DataFrame(dtype="float64")
    result.index = pd.Index(result.index, dtype="string", name="path")
    if failed:
        warnings.warn(f"metrics_many: {len(failed)} of {len(files)} files skipped; see "
                      "result.attrs['failures']", stacklevel=2)
    result.attrs["failures"] = failed
    return result


def _measure(path: Path, *, lang: str | None) -> pd.Series:
    return metrics(path, lang=lang)
