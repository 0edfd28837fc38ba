"""Many transcripts at once: one DataFrame of sentences (or words) across thousands of files.

>>> from qavix_lab.transcripts import read_many
>>> sentences = read_many("episodes/**/*.json")                       # local processes
>>> sentences = read_many(paths, engine="dask", client=dask_client)   # the same, on a cluster
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..corpus import Engine, OnError, check_failures, expand, map_files
from ..errors import ValidationError
from .parse import Format, parse

Level = Literal["sentences", "words"]


def read_many(paths_or_glob: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
              level: Level = "sentences", format: Format | None = None, lang: str | None = None,
              engine: Engine = "processes", workers: int | None = None, client: Any = None,
              on_error: OnError = "raise") -> pd.DataFrame:
    """Parse every transcript file and stack its ``level`` table, with a ``file`` column first.

    Rows keep each file's order and files keep the order given (a glob sorts its matches), on
    every engine. A file that does not parse raises :class:`~qavix_lab.corpus.CorpusError`
    listing every failure; with ``on_error="skip"`` the other files are kept and the failures
    are in ``result.attrs["failures"]`` (a warning says how many), a tuple of
    :class:`~qavix_lab.corpus.Failure` (path, error_type, error): ``pd.DataFrame`` of it is a table.
    """
    if level not in ("sentences", "words"):
        raise ValidationError(f"level must be 'sentences' or 'words', not {level!r}",
                              where="read_many(level)")
    files = expand(paths_or_glob, where="read_many(paths)")
    reader = functools.partial(_read_one, level=level, format=format, lang=lang)
    outcomes = map_files(reader, files, engine=engine, workers=workers, client=client,
                         where="read_many")
    failed = check_failures(outcomes, on_error, "read_many")
    frames = [o.value.assign(file=o.path) for o in outcomes if o.error is None]
    result = _stack(frames)
    if failed:
        warnings.warn(f"read_many: {len(failed)} of {len(files)} files skipped; see "
                      "result.attrs['failures']", stacklevel=2)
    result.attrs["failures"] = failed
    return result


def _read_one(path: Path, *, level: Level, format: Format | None,
              lang: str | None) -> pd.DataFrame:
    timeline = parse(path.read_bytes(), format, lang=lang, where=str(path))
    return timeline.sentences if level == "sentences" else timeline.words


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame({"file": pd.Series([], dtype="category")})
    files = [f["file"].iloc[0] if len(f) else None for f in frames]
    stacked = pd.concat(frames, ignore_index=True)
    order = list(dict.fromkeys(x for x in files if x is not None))
    stacked["file"] = pd.Categorical(stacked["file"], categories=order)
    return stacked[["file", *[c for c in stacked.columns if c != "file"]]]
