"""Batch TTS: a grid of texts x voices synthesized concurrently, returned as a DataFrame.

Each clip goes through the task lifecycle of its handle (create, wait, download) on an
:class:`AsyncClient` that shares the calling client's settings, recorded in a ledger: every clip is
planned there before anything is sent, so the same call run again after a kernel restart or a
kill re-attaches to the tasks already created, skips the files already verified and creates only
what was never sent. The batch runs on a private event
loop in a worker thread: no ``asyncio.run`` inside a running loop, and no global patching of
asyncio as nest-asyncio would do. When ``stop`` is set (the notebook's stop button), every clip
is cancelled: its plan is closed and no half-written file stays.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import itertools
import os
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import QavixError, TaskError, ValidationError
from ..spec import operation
from .credits import CreditBudget
from .ledger import Job, Ledger, LedgerObserver, open_ledger
from .lifecycle import JobObserver, NoObserver
from .protocol import build_body

if TYPE_CHECKING:
    import pandas as pd

    from .clients import AsyncClient, Settings

T = TypeVar("T")
COLUMNS = ["voice_id", "text", "task_id", "status", "audio_path", "error", "error_type",
           "create_s", "wait_s", "download_s", "total_s", "job_key", "ledger_state"]
LedgerChoice = Ledger | str | os.PathLike[str] | bool | None


def run_blocking(coro: Coroutine[Any, Any, T], stop: threading.Event | None = None) -> T:
    """Run a coroutine to completion from sync code, even inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(asyncio.run, coro)
        try:
            return future.result()
        except BaseException:
            if stop is not None:
                stop.set()  # before the pool waits for its thread: the batch ends now
            raise


VOICE_KEYS = ("voice_id", "id", "timbreId")  # the fields that name a voice in a record


def _as_list(value: Any, what: str) -> list[Any]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        items = [value]
    elif what == "voices" and (isinstance(value, Mapping) or (
            hasattr(value, "to_frame") and any(k in getattr(value, "index", ())
                                               for k in VOICE_KEYS))):
        items = [value]  # one voice: a record, or one row of a catalog (not a Series of IDs)
    elif hasattr(value, "iterrows"):  # a catalog DataFrame: one voice per row
        items = [row for _, row in value.iterrows()]
    else:
        items = list(value)
    if not items:
        raise ValidationError(f"no {what} given", where=what)
    return items


def run_grid(settings: Settings, texts: Any, voices: Any, *, out_dir: str | Path | None,
             concurrency: int, timeout: float | None, progress_bar: bool, lang: str | None,
             stop: threading.Event, ledger: LedgerChoice = None, fresh: bool = False,
             max_credits: float | None = None, confirm: Callable[[str], bool] | None = None
             ) -> pd.DataFrame:
    """Every text with every voice, on a client made from ``settings``; see ``tts.batch``."""
    from .clients import AsyncClient
    from .resources import voice_id

    text_list = _as_list(texts, "texts")
    voice_ids = [voice_id(v) for v in _as_list(voices, "voices")]
    folder = Path(out_dir) if out_dir is not None else settings.output_dir / "batch"
    book = batch_ledger(settings, ledger)
    scope = settings.scope()
    observer: JobObserver = NoObserver() if book is None else LedgerObserver(book, scope=scope)
    grid = Grid(text_list, voice_ids, lang, book, fresh, scope)
    budget = None if max_credits is None else CreditBudget(
        max_credits, len(set(grid.pairs)), confirm=confirm, what="tts.batch")
    settings = dataclasses.replace(settings, observer=observer, budget=budget)

    async def main() -> pd.DataFrame:
        async with AsyncClient(settings=settings) as client:
            work = asyncio.ensure_future(synthesize_grid(
                client, grid, folder, concurrency, timeout, progress_bar))
            while not work.done():
                await asyncio.wait([work], timeout=0.1)
                if stop.is_set():
                    work.cancel()
            return work.result()

    return run_blocking(main(), stop)


def batch_ledger(settings: Settings, choice: LedgerChoice) -> Ledger | None:
    """The ledger a batch records in: the one given, else the client's, else the default folder
    beside the notebook; None when the caller opted out with ``ledger=False``."""
    if choice is False:
        return None
    if choice is None and isinstance(settings.observer, LedgerObserver):
        return settings.observer.ledger
    return open_ledger(choice)


class Grid:
    """The clips of a batch, each once (a repeated pair is one job), planned in the ledger
    before anything is sent: a kill at any moment leaves every job on record."""

    def __init__(self, texts: list[str], voice_ids: list[str], lang: str | None,
                 ledger: Ledger | None, fresh: bool, scope: str) -> None:
        self.pairs = list(itertools.product(voice_ids, texts))
        self.lang, self.ledger = lang, ledger
        self.keys: dict[tuple[str, str], str] = {}
        if ledger is not None:
            op = operation("tts.create")
            unique = list(dict.fromkeys(self.pairs))
            jobs = ledger.plan_many(
                [(op.name, build_body(op, {"text": text, "timbreId": voice, "lang": lang}),
                  None, f"{voice} · {text[:40]}") for voice, text in unique],
                fresh=fresh, scope=scope)
            self.keys = {pair: job.job_key for pair, job in zip(unique, jobs, strict=True)}

    def finished(self, pair: tuple[str, str]) -> Job | None:
        """The job's record if its output is already on disk and intact (nothing to do)."""
        if self.ledger is None:
            return None
        job = self.ledger.get(self.keys[pair])
        return job if job is not None and self.ledger.next_step(job) == "done" else None

    def state(self, pair: tuple[str, str]) -> str | None:
        job = self.ledger.get(self.keys[pair]) if self.ledger is not None else None
        return None if job is None else job.state


async def synthesize_grid(client: AsyncClient, grid: Grid, folder: Path, concurrency: int,
                          timeout: float | None, progress_bar: bool) -> pd.DataFrame:
    """Every clip of ``grid``; failures become rows with their error.

    At most ``concurrency`` clips are in flight, from create to downloaded file, so a batch
    stopped at any moment leaves that many tasks at most unfinished.
    """
    import pandas as pd

    gate = asyncio.Semaphore(max(1, concurrency))
    bar = _bar(progress_bar, len(grid.pairs))
    runs: dict[tuple[str, str], asyncio.Future[dict[str, Any]]] = {}

    async def one(index: int, voice: str, text: str) -> dict[str, Any]:
        row: dict[str, Any] = {"voice_id": voice, "text": text}
        start = time.perf_counter()
        async with gate:
            done = grid.finished((voice, text))
            if done is not None:  # verified in an earlier run: nothing is sent
                row.update(task_id=done.task_id, status=done.status, audio_path=done.output_path)
            else:
                await _lifecycle(client, grid, folder, index, voice, text, timeout, row)
        row["total_s"] = time.perf_counter() - start
        row["job_key"] = grid.keys.get((voice, text))
        row["ledger_state"] = grid.state((voice, text))
        if bar is not None:
            bar.update(1)
        return row

    def run(index: int, voice: str, text: str) -> asyncio.Future[dict[str, Any]]:
        if (voice, text) not in runs:
            runs[(voice, text)] = asyncio.ensure_future(one(index, voice, text))
        return runs[(voice, text)]

    try:
        rows = await asyncio.gather(*(run(i, v, t) for i, (v, t) in enumerate(grid.pairs)))
    finally:
        if bar is not None:
            bar.close()
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("voice_id", "text", "task_id", "audio_path", "error", "error_type",
                   "job_key", "ledger_state"):
        frame[column] = frame[column].astype("string")
    frame["status"] = frame["status"].astype("Int64")
    return frame


async def _lifecycle(client: AsyncClient, grid: Grid, folder: Path, index: int, voice: str,
                     text: str, timeout: float | None, row: dict[str, Any]) -> None:
    """Create (or re-attach), wait, download: one clip, its times and outcome into ``row``."""
    mark = time.perf_counter()
    try:
        task = await client.tts.create(text, voice, lang=grid.lang)
        row["task_id"], row["create_s"] = task.id, time.perf_counter() - mark
        mark = time.perf_counter()
        state = await task.wait(timeout)
        row["status"], row["wait_s"] = int(state.status), time.perf_counter() - mark
        mark = time.perf_counter()
        path = await task.download(folder / f"{index:04d}_{voice}_{task.id}.mp3")
        row["audio_path"], row["download_s"] = str(path), time.perf_counter() - mark
    except QavixError as exc:
        if isinstance(exc, TaskError) and exc.task is not None:
            row["status"] = int(exc.task.status)
        row["error"], row["error_type"] = str(exc), type(exc).__name__
        if grid.ledger is not None and row.get("task_id") and not isinstance(exc, TaskError):
            grid.ledger.note_error(grid.keys[(voice, text)], exc)  # to be resumed next run


def _bar(enabled: bool, total: int) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="synthesize", unit="clip")
