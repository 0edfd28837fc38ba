"""One analysis over many files: local processes by default, a Dask cluster when given one.

:func:`map_files` is the engine behind :func:`qavix_lab.transcripts.read_many` and
:func:`qavix_lab.audio.metrics_many`. The same call runs serially, on local worker processes or
on a Dask cluster (``engine="dask"``, with ``dask[distributed]`` installed: ``pip install
'qavix_lab[corpus]'``), and returns the same results in the same order, so an analysis moves
from a laptop to a cluster without changing code.

Files are sent to the workers in chunks (a few per worker) so that a corpus of thousands of
small files is not dominated by the cost of one round trip per file. Local workers are forked
from a ``forkserver`` that has imported the analysis's module (pandas and all) once, so a second
worker costs a fork, not a second start-up of the whole library. A file that fails becomes a
row of :class:`CorpusError.failures` (with ``on_error="raise"``, the default) or a
:class:`Failure` in ``result.attrs["failures"]`` (with ``on_error="skip"``); it never stops the
other files. Those are kept as a tuple, not a DataFrame: pandas compares ``attrs`` to combine
frames, and a DataFrame there makes ``pd.concat`` of two results raise (pandas issue 60455);
``pd.DataFrame(result.attrs["failures"])`` is the table.
"""

from __future__ import annotations

import functools
import glob
import math
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal, NamedTuple

from .errors import QavixError, ValidationError

Engine = Literal["processes", "dask", "serial"]
ENGINES: tuple[str, ...] = ("processes", "dask", "serial")
OnError = Literal["raise", "skip"]


class CorpusError(QavixError):
    """Some files of a corpus could not be analysed; ``.failures`` says which and why."""

    def __init__(self, message: str, failures: Any, *, where: str) -> None:
        super().__init__(message, where=where)
        self.failures = failures


@dataclass(frozen=True)
class Outcome:
    """What one file gave: a value, or the error it raised (type name and message)."""

    index: int
    path: str
    value: Any = None
    error: str | None = None
    error_type: str | None = None


def expand(paths_or_glob: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
           where: str = "paths") -> list[Path]:
    """The files named: a glob pattern (``"episodes/**/*.json"``, recursive), a path, or an
    iterable of them, in a stable (sorted per pattern) order. Nothing matched is an error."""
    items = [paths_or_glob] if isinstance(paths_or_glob, str | os.PathLike) else paths_or_glob
    files: list[Path] = []
    for item in items:
        text = os.fspath(item)
        if glob.has_magic(text):
            matched = sorted(glob.glob(text, recursive=True))
            if not matched:
                raise ValidationError(f"no file matches {text!r}", where=where)
            files += [Path(m) for m in matched if Path(m).is_file()]
        elif Path(text).is_dir():
            raise ValidationError(f"{text!r} is a folder; give a pattern such as "
                                  f"'{Path(text) / '*.json'}'", where=where)
        else:
            files.append(Path(text))
    if not files:
        raise ValidationError("no files given", where=where)
    return files


def map_files(fn: Callable[[Path], Any], paths: Sequence[Path], *, engine: Engine = "processes",
              workers: int | None = None, client: Any = None,
              where: str = "map_files") -> list[Outcome]:
    """``fn(path)`` for every path, in path order; errors are caught per file into the outcome.

    ``fn`` must be a module-level function (it is pickled to the workers). ``workers`` defaults
    to the CPU count; ``client`` is a ``distributed.Client`` (implies ``engine="dask"``; without
    one, a ``LocalCluster`` is started for the call and closed after it).
    """
    if client is not None:
        engine = "dask"
    if engine not in ENGINES:
        raise ValidationError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}",
                              where=f"{where}(engine)")
    if workers is not None and workers < 1:
        raise ValidationError(f"workers must be at least 1, not {workers}",
                              where=f"{where}(workers)")
    jobs = [(i, str(p)) for i, p in enumerate(paths)]
    n_workers = workers or os.cpu_count() or 1
    chunks = _chunks(jobs, n_workers)
    if engine == "serial" or len(jobs) == 1:
        done = [_run_chunk(fn, chunk) for chunk in chunks]
    elif engine == "processes":
        with ProcessPoolExecutor(max_workers=min(n_workers, len(chunks)),
                                 mp_context=_forkserver(fn)) as pool:
            done = list(pool.map(_run_chunk, [fn] * len(chunks), chunks))
    else:
        done = _on_dask(fn, chunks, n_workers, client, where)
    return sorted((o for chunk in done for o in chunk), key=lambda o: o.index)


class Failure(NamedTuple):
    """A file that failed: ``pd.DataFrame(result.attrs["failures"])`` makes a table of them."""

    path: str
    error_type: str
    error: str


def failures_frame(failures: Sequence[Failure]) -> Any:
    """The failed files as a DataFrame: path, error_type, error."""
    import pandas as pd

    return pd.DataFrame(list(failures), columns=list(Failure._fields)).astype("string")


def check_failures(outcomes: Sequence[Outcome], on_error: OnError, where: str
                   ) -> tuple[Failure, ...]:
    """Raise :class:`CorpusError` for failed files (``on_error="raise"``), or return them."""
    if on_error not in ("raise", "skip"):
        raise ValidationError(f"on_error must be 'raise' or 'skip', not {on_error!r}",
                              where=f"{where}(on_error)")
    failed = tuple(Failure(o.path, o.error_type or "", o.error)
                   for o in outcomes if o.error is not None)
    if failed and on_error == "raise":
        first = failed[0]
        raise CorpusError(f"{len(failed)} of {len(outcomes)} files failed; the first, "
                          f"{first.path}: {first.error_type}: {first.error} (on_error='skip' "
                          "keeps the rest and lists the failures in result.attrs['failures'])",
                          failures_frame(failed), where=where)
    return failed


def _forkserver(fn: Callable[[Path], Any]) -> Any:
    """The forkserver context, its server told to import ``fn``'s module before it forks.

    Without this each worker imports the analysis (pandas, numpy, the parsers) on its own: with
    two workers, that start-up is paid twice. The preload applies when the server starts (once
    per session); a function defined in ``__main__`` is imported by each worker as before.
    """
    context = get_context("forkserver")
    target = fn.func if isinstance(fn, functools.partial) else fn
    module = getattr(target, "__module__", None)
    preload = [__name__] + ([module] if module and module not in _MAIN_MODULES else [])
    context.set_forkserver_preload(list(dict.fromkeys(preload)))
    return context


_MAIN_MODULES = ("__main__", "__mp_main__")


def _chunks(jobs: list[tuple[int, str]], workers: int) -> list[list[tuple[int, str]]]:
    # about four chunks per worker: few round trips, and a slow file does not idle the others
    size = max(1, math.ceil(len(jobs) / (workers * 4)))
    return [jobs[i:i + size] for i in range(0, len(jobs), size)]


def _run_chunk(fn: Callable[[Path], Any], chunk: list[tuple[int, str]]) -> list[Outcome]:
    out = []
    for index, path in chunk:
        try:
            out.append(Outcome(index, path, value=fn(Path(path))))
        except Exception as exc:  # one bad file must not stop the corpus; it is reported
            out.append(Outcome(index, path, error=str(exc), error_type=type(exc).__name__))
    return out


def _on_dask(fn: Callable[[Path], Any], chunks: list[list[tuple[int, str]]], workers: int,
             client: Any, where: str) -> list[list[Outcome]]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValidationError("engine='dask' needs dask.distributed: pip install "
                              "'qavix_lab[corpus]' (or 'dask[distributed]')",
                              where=f"{where}(engine)") from None
    if client is not None:
        futures = client.map(_run_chunk, [fn] * len(chunks), chunks, pure=False)
        return list(client.gather(futures))
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as local:
        futures = local.map(_run_chunk, [fn] * len(chunks), chunks, pure=False)
        return list(local.gather(futures))
