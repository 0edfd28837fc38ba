"""Client benchmark: 1,000 TTS tasks created and waited with AsyncClient at bounded concurrency,
against a naive sequential sync loop and against the sandbox's raw capacity, measured in the same
run; polls per completed task; ``import qavix_lab`` time against ``import httpx``.

Goals (ratios measured in the same run): >= 92% of the sandbox's raw capacity, <= 1.5 polls per
task, ``import qavix_lab`` <= 1.2x ``import httpx``. Ends with one MET/MISSED line per goal.

The raw capacity (the oracle) is a plain ``httpx.AsyncClient`` that knows the task duration:
create, sleep exactly ``tts_seconds + 0.05`` after the answer, query once; no ledger, no
download, as ours here (``create`` + ``wait``, no observer: the ledger is ``tts.batch``'s).
It runs twice per round: over httpx's own pool, and over the pool AsyncClient uses
(:mod:`qavix_lab.client.pool`; httpx's spends more CPU per request than the sandbox does). The
faster of the two is the raw capacity the goal is judged against, so that our pool's gain
counts for the oracle too and the goal measures the client's own overhead. Ours runs twice per
round too: each side's best is taken of as many runs.

    python benchmarks/bench_client.py [--tasks 1000] [--concurrency 100] [--tts-seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from typing import Any

import httpx
from _common import Goal, report_goals, sandbox_process, table

from qavix_lab.client import AsyncClient, Client
from qavix_lab.client.pool import async_transport

TEXT = "The quick brown fox jumps over the lazy dog."


async def raw_capacity(url: str, key: str, n: int, concurrency: int, tts_seconds: float,
                       linear_pool: bool = False) -> float:
    """The best any client could do: create all, wait exactly the known duration, query once
    (``linear_pool``: over the pool AsyncClient uses, instead of httpx's own)."""
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=concurrency)
    pool: dict[str, Any] = {"transport": async_transport(limits)} if linear_pool else {
        "limits": limits}
    # AsyncClient's own timeouts: a busy machine makes the oracle fail, never faster
    async with httpx.AsyncClient(base_url=url + "/", headers=headers, timeout=30.0,
                                 **pool) as http:
        voice = (await http.post("openapi/timbre/list", json={})).json()["result"][0]["id"]
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with gate:
                made = await http.post("openapi/audio/tts/create",
                                       json={"text": TEXT, "timbreId": voice})
            await asyncio.sleep(tts_seconds + 0.05)
            async with gate:
                state = await http.post("openapi/audio/tts/result",
                                        json={"taskId": made.json()["result"]["taskId"]})
            assert state.json()["result"]["status"] == 1

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return time.perf_counter() - start


async def ours(url: str, key: str, n: int, concurrency: int) -> tuple[float, float]:
    polls = 0

    def count(_state: object) -> None:
        nonlocal polls
        polls += 1

    # A fresh client: it starts knowing nothing of how long these tasks take.
    async with AsyncClient(key, base_url=url, max_connections=concurrency) as client:
        voice = (await client.voices.list())[0].id
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with gate:
                task = await client.tts.create(TEXT, voice)
            await task.wait(on_progress=count)

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return time.perf_counter() - start, polls / n


def naive(url: str, key: str, n: int) -> float:
    """What people write first: create, then poll every second until done, one task at a time."""
    with Client(key, base_url=url) as client:
        voice = client.voices.list()[0].id
        start = time.perf_counter()
        for _ in range(n):
            task_id = client.tts.create(TEXT, voice).id
            while client.tts.result(task_id).status != 1:
                time.sleep(1.0)
        return time.perf_counter() - start


def import_seconds(statement: str, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--tts-seconds", type=float, default=3.0)
    parser.add_argument("--naive-tasks", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=2, help="alternating runs, best kept")
    parser.add_argument("--no-linear-oracle", action="store_true",
                        help="run the oracle over httpx's own pool only (a weaker floor)")
    args = parser.parse_args()
    n = args.tasks
    raws, linears, runs = [], [], []
    with sandbox_process("--tts-seconds", str(args.tts_seconds)) as (url, key):
        for _ in range(args.repeat):  # alternate, keep the best of each: the machine is shared
            raws.append(asyncio.run(raw_capacity(url, key, n, args.concurrency,
                                                 args.tts_seconds)))
            runs.append(asyncio.run(ours(url, key, n, args.concurrency)))
            if not args.no_linear_oracle:
                linears.append(asyncio.run(raw_capacity(url, key, n, args.concurrency,
                                                        args.tts_seconds, linear_pool=True)))
                # as many runs of ours as of the oracles: the best of 4 runs against the best
                # of 2 favours the 4 on a noisy machine (today: 84% for the same code as 99%)
                runs.append(asyncio.run(ours(url, key, n, args.concurrency)))
        naive_s = naive(url, key, args.naive_tasks)
    raw = min(raws + linears)  # the fastest client we know of is the floor
    ours_s, polls = min(runs)
    naive_rate, ours_rate, raw_rate = args.naive_tasks / naive_s, n / ours_s, n / raw
    base = import_seconds("import httpx")
    ours_import = import_seconds("import qavix_lab")
    oracles = [("  oracle over httpx's pool", f"{min(raws):.2f} s", "")] + (
        [("  oracle over AsyncClient's pool", f"{min(linears):.2f} s", "")] if linears else [])
    table([
        (f"AsyncClient, {n} tasks", f"{ours_s:.2f} s", ""),
        ("  throughput", f"{ours_rate:.1f} tasks/s", ""),
        (f"raw capacity ({n} tasks, the faster oracle)", f"{raw:.2f} s", ""),
        *oracles,
        (f"naive sync loop ({args.naive_tasks} tasks)", f"{naive_rate:.2f} tasks/s", ""),
        ("ours / naive", f"{ours_rate / naive_rate:.1f}x", ""),
        ("ours / raw capacity", f"{100 * ours_rate / raw_rate:.0f}%", ">= 92%"),
        ("polls per completed task", f"{polls:.2f}", "<= 1.5"),
        ("import qavix_lab", f"{1000 * ours_import:.0f} ms", ""),
        ("import httpx", f"{1000 * base:.0f} ms", ""),
        ("import ratio", f"{ours_import / base:.2f}x", "<= 1.2x"),
    ], f"client benchmark (TTS task = {args.tts_seconds:g} s, concurrency {args.concurrency})")
    return report_goals([
        Goal(f"{n} TTS tasks, share of the sandbox's raw capacity", 100 * ours_rate / raw_rate,
             ">=", 92.0, "%"),
        Goal("polls per completed task", polls, "<=", 1.5, ""),
        Goal("import qavix_lab / import httpx", ours_import / base, "<=", 1.2),
    ])


if __name__ == "__main__":
    raise SystemExit(main())
