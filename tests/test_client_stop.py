"""The stop button (KeyboardInterrupt) or a cancelled task stops every worker thread at once and
leaves no half-written file."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest
from support import make_client

from qavix_lab.client import AsyncClient, PollSchedule
from qavix_lab.client.storage import S3Storage

MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def _python_sigint_handler():
    """SIGINT raises KeyboardInterrupt here, as in a kernel, whatever an earlier test (a browser
    driver, a server run in-process) left installed."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def upload_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("qavix-upload")]


def threads_end_within(seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while upload_threads() and time.monotonic() < deadline:
        time.sleep(0.02)
    return not upload_threads()


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(20 * MiB))
    return path


def slow(seen: list[int]):
    def progress(done: int) -> None:  # slows the sending threads, so the stop comes mid-part
        seen.append(done)
        time.sleep(0.02)
    return progress


def press_stop_when(condition, timeout: float = 20.0) -> threading.Thread:
    """Raise KeyboardInterrupt in the main thread, as the notebook's stop button does."""
    def watch() -> None:
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.01)
        signal.pthread_kill(main, signal.SIGINT)
    main = threading.main_thread().ident
    assert main is not None
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_the_stop_button_during_a_multipart_upload_stops_every_part(client, big_file):
    seen: list[int] = []
    storage = S3Storage(multipart_threshold=5 * MiB, part_size=5 * MiB, max_concurrency=3)
    press_stop_when(lambda: len(seen) > 3)
    with pytest.raises(KeyboardInterrupt):
        client.files.upload(big_file, progress=slow(seen), storage=storage)
    assert threads_end_within(1.0)
    # The parts in flight broke off: far less than what they still had to send went out.
    assert seen[-1] - seen[4] < 2 * MiB


def test_cancelling_an_async_upload_stops_every_part(sandbox, big_file):
    seen: list[int] = []

    async def main() -> None:
        async with AsyncClient(sandbox.api_key, base_url=sandbox.url) as client:
            storage = S3Storage(multipart_threshold=5 * MiB, part_size=5 * MiB,
                                max_concurrency=3)
            upload = asyncio.ensure_future(client.files.upload(big_file, progress=slow(seen),
                                                               storage=storage))
            while len(seen) <= 3:
                await asyncio.sleep(0.01)
            upload.cancel()
            with pytest.raises(asyncio.CancelledError):
                await upload

    asyncio.run(main())
    assert threads_end_within(1.0)
    assert seen[-1] < big_file.stat().st_size


def test_the_stop_button_during_a_wait_returns_at_once(sandbox, voice_id):
    patient = PollSchedule(first=60, minimum=60, maximum=60)
    with make_client(sandbox, poll_schedule=patient) as client:
        task = client.tts.task(client.tts.create("Wait for me.", voice_id).id)
        polls: list[int] = []
        press_stop_when(lambda: len(polls) >= 1)
        with pytest.raises(KeyboardInterrupt):  # in the 60 s sleep after the first poll
            task.wait(on_progress=lambda state: polls.append(state.progress))
    assert len(polls) == 1


def test_the_stop_button_during_a_download_leaves_no_file(sandbox, client, big_file, tmp_path):
    uploaded = client.files.upload(big_file)
    dest = tmp_path / "out"
    dest.mkdir()
    seen: list[int] = []

    def progress(done: int, total: int | None) -> None:
        seen.append(done)
        time.sleep(0.01)

    press_stop_when(lambda: len(seen) > 2)
    with pytest.raises(KeyboardInterrupt):
        client.files.download(uploaded, dest / "copy.bin", progress=progress)
    assert list(dest.iterdir()) == []
