"""Batch TTS: a grid of texts x voices synthesized concurrently, returned as a DataFrame.

Each clip goes through the task lifecycle of its handle (create, wait, download) on an
:class:`AsyncClient` that shares the calling client's settings. The batch runs on a private event
loop in a worker thread: no ``asyncio.run`` inside a running loop, and no global patching of
asyncio as nest-asyncio would do. When ``stop`` is set (the notebook's stop button), every clip
is cancelled: its plan is closed and no half-written file stays.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import threading
import time
from collections.abc import Coroutine, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import QavixError, TaskError, ValidationError

if TYPE_CHECKING:
    import pandas as pd

    from .clients import AsyncClient, Settings

T = TypeVar("T")
COLUMNS = ["voice_id", "text", "task_id", "status", "audio_path", "error", "error_type",
           "create_s", "wait_s", "download_s", "total_s"]


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


def _as_list(value: Any, what: str) -> list[Any]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        items = [value]
    elif hasattr(value, "iterrows"):  # a catalog DataFrame: one voice per row
        items = [row for _, row in value.iterrows()]
    else:
        items = list(value)
    if not items:
        raise ValidationError(f"no {what} given", where=what)
    return items


def run_grid(settings: Settings, texts: Any, voices: Any, *, out_dir: str | Path | None,
             concurrency: int, timeout: float | None, progress_bar: bool, lang: str | None,
             stop: threading.Event) -> pd.DataFrame:
    """Every text with every voice, on a client made from ``settings``; see ``tts.batch``."""
    from .clients import AsyncClient
    from .resources import voice_id

    text_list = _as_list(texts, "texts")
    voice_ids = [voice_id(v) for v in _as_list(voices, "voices")]
    folder = Path(out_dir) if out_dir is not None else settings.output_dir / "batch"

    async def main() -> pd.DataFrame:
        async with AsyncClient(settings=settings) as client:
            work = asyncio.ensure_future(synthesize_grid(
                client, text_list, voice_ids, folder, concurrency, timeout, progress_bar, lang))
            while not work.done():
                await asyncio.wait([work], timeout=0.1)
                if stop.is_set():
                    work.cancel()
            return work.result()

    return run_blocking(main(), stop)


async def synthesize_grid(client: AsyncClient, texts: list[str], voice_ids: list[str],
                          folder: Path, concurrency: int, timeout: float | None,
                          progress_bar: bool, lang: str | None) -> pd.DataFrame:
    """Every text with every voice; failures become rows with their error."""
    import pandas as pd

    gate = asyncio.Semaphore(max(1, concurrency))
    pairs = list(itertools.product(voice_ids, texts))
    bar = _bar(progress_bar, len(pairs))

    async def one(index: int, voice: str, text: str) -> dict[str, Any]:
        row: dict[str, Any] = {"voice_id": voice, "text": text}
        start = time.perf_counter()
        try:
            async with gate:
                task = await client.tts.create(text, voice, lang=lang)
                row["task_id"], row["create_s"] = task.id, time.perf_counter() - start
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
        row["total_s"] = time.perf_counter() - start
        if bar is not None:
            bar.update(1)
        return row

    try:
        rows = await asyncio.gather(*(one(i, v, t) for i, (v, t) in enumerate(pairs)))
    finally:
        if bar is not None:
            bar.close()
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("voice_id", "text", "task_id", "audio_path", "error", "error_type"):
        frame[column] = frame[column].astype("string")
    frame["status"] = frame["status"].astype("Int64")
    return frame


def _bar(enabled: bool, total: int) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="synthesize", unit="clip")
