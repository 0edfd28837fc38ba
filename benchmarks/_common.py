"""Shared by the benchmarks: timing, a sandbox in a child process, the result table and goals.

Every goal is a ratio against a floor measured in the same process (never an absolute time), so
that it holds on a shared, busy machine. A benchmark ends with one line per goal::

    MET     catalog build / from_records: 1.12x (goal <= 1.30x)
    MISSED  polls per task: 1.71 (goal <= 1.50)

``run_all.py`` reads those lines and exits non-zero on any MISSED.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx


@contextmanager
def sandbox_process(*args: str) -> Iterator[tuple[str, str]]:
    """A sandbox in its own process (so it does not share the client's GIL): (url, key).

    Its state file goes to a private config folder: a sandbox the user runs (``qavix-lab
    sandbox`` in another terminal) neither blocks the benchmark nor is replaced by it."""
    from qavix_lab.sandbox import free_port

    port, key = free_port(), "qvx-bench-key-000000"
    config = tempfile.TemporaryDirectory(prefix="qavix-bench-config-")
    proc = subprocess.Popen(
        [sys.executable, "-m", "qavix_lab.cli", "sandbox", "--port", str(port), "--api-key", key,
         *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "XDG_CONFIG_HOME": config.name})
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
        config.cleanup()


def table(rows: list[tuple[str, str, str]], title: str) -> None:
    print(f"\n{title}")
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'measure':<{width}}{'value':>18}   goal")
    for name, value, goal in rows:
        print(f"{name:<{width}}{value:>18}   {goal}")


@dataclass(frozen=True)
class Goal:
    """One goal: ``value`` compared with ``limit`` by ``op`` ("<=" or ">=")."""

    name: str
    value: float
    op: str
    limit: float
    unit: str = "x"

    @property
    def met(self) -> bool:
        return self.value <= self.limit if self.op == "<=" else self.value >= self.limit

    def line(self) -> str:
        verdict = "MET" if self.met else "MISSED"
        return (f"{verdict:<7} {self.name}: {self.value:.2f}{self.unit} "
                f"(goal {self.op} {self.limit:.2f}{self.unit})")


def report_goals(goals: list[Goal]) -> int:
    """Print one MET/MISSED line per goal; the exit status a benchmark returns (1 on a miss)."""
    print()
    for goal in goals:
        print(goal.line(), flush=True)
    return 0 if all(goal.met for goal in goals) else 1
