"""Shared by the benchmarks: timing, a sandbox in a child process, and the result table."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


@contextmanager
def sandbox_process(*args: str) -> Iterator[tuple[str, str]]:
    """A sandbox in its own process (so it does not share the client's GIL): (url, key)."""
    from qavix_lab.sandbox import free_port

    port, key = free_port(), "qvx-bench-key-000000"
    proc = subprocess.Popen(
        [sys.executable, "-m", "qavix_lab.cli", "sandbox", "--port", str(port), "--api-key", key,
         *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/qavix"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    message = proc.stderr.read().decode() if proc.stderr else "failed"
                    raise RuntimeError(message) from None
                time.sleep(0.1)
        yield url, key
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def table(rows: list[tuple[str, str, str]], title: str) -> None:
    print(f"\n{title}")
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'measure':<{width}}{'value':>18}   goal")
    for name, value, goal in rows:
        print(f"{name:<{width}}{value:>18}   {goal}")
