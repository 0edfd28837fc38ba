"""Corpus scale: ``transcripts.read_many`` over many episodes on 1 and 2 local worker processes,
and on a Dask ``LocalCluster``, against the serial loop in this process.

    python benchmarks/bench_corpus.py [--episodes 240] [--sentences 400] [--quick]

Goals, each a ratio measured in this run:
- the work does not grow with the workers: CPU seconds of all processes with 2 workers
  <= 1.15x those with 1 worker (so the speed-up is limited only by free cores);
- the parent stays out of the way: its own CPU share <= 15% of the 2-worker run's CPU;
- the same DataFrame from serial, processes and the Dask LocalCluster (1 = equal).
The wall-clock speed-up from 1 to 2 workers is printed too; it is near-linear only when both
cores are free (under --under-load one of them is busy by design).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
from _common import Goal, report_goals, table

from qavix_lab.transcripts.corpus import read_many


def write_corpus(folder: Path, episodes: int, sentences: int) -> str:
    for k in range(episodes):
        rows = []
        for i in range(sentences):
            bg = 2000 * i + k
            words = [{"wordBg": str(10 * j), "wordEd": str(10 * j + 8), "wordsName": f"w{j}",
                      "wp": "n", "wc": "0.9"} for j in range(8)]
            rows.append({"bg": str(bg), "ed": str(bg + 1500), "onebest": f"Sentence {i} of {k}.",
                         "speaker": str(i % 3), "wordsResultList": words})
        (folder / f"episode{k:05d}.json").write_text(json.dumps(rows))
    return str(folder / "*.json")


class DescendantCPU:
    """CPU seconds of every process below this one (worker pools are grandchildren under
    forkserver, so rusage does not see them): sampled every 50 ms, last reading per process."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self.own_cpu = 0.0  # this sampler's own CPU, to take out of the parent's
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.05):
            for child in me.children(recursive=True):
                try:
                    times = child.cpu_times()
                except psutil.Error:
                    continue
                self.seen[child.pid] = times.user + times.system
        self.own_cpu = time.thread_time()

    def __enter__(self) -> DescendantCPU:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def total(self) -> float:
        return sum(self.seen.values())


def measure(pattern: str, **kwargs: object) -> tuple[pd.DataFrame, float, float, float]:
    """(frame, wall s, CPU s of this process and every worker, CPU s of this process alone)."""
    own0, t0 = time.process_time(), time.perf_counter()
    with DescendantCPU() as workers:
        frame = read_many(pattern, **kwargs)  # type: ignore[arg-type]
    own = time.process_time() - own0 - workers.own_cpu
    return frame, time.perf_counter() - t0, own + workers.total, own


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=240)
    parser.add_argument("--sentences", type=int, default=400)
    parser.add_argument("--quick", action="store_true", help="80 episodes")
    args = parser.parse_args()
    episodes = 80 if args.quick else args.episodes
    with tempfile.TemporaryDirectory(prefix="qavix-bench-corpus-") as tmp:
        pattern = write_corpus(Path(tmp), episodes, args.sentences)
        serial, serial_s, _, _ = measure(pattern, engine="serial")
        one, one_s, one_cpu, _ = measure(pattern, engine="processes", workers=1)
        two, two_s, two_cpu, two_parent = measure(pattern, engine="processes", workers=2)
        dask_frame, dask_s, _, _ = measure(pattern, engine="dask", workers=2)
    same = all(f.equals(serial) for f in (one, two, dask_frame))
    table([
        (f"serial, {episodes} episodes x {args.sentences} sentences", f"{serial_s:.2f} s", ""),
        ("processes, 1 worker", f"{one_s:.2f} s", f"{one_cpu:.1f} CPU s"),
        ("processes, 2 workers", f"{two_s:.2f} s", f"{two_cpu:.1f} CPU s"),
        ("  wall speed-up 1 -> 2 workers", f"{one_s / two_s:.2f}x", "near 2x on free cores"),
        ("dask LocalCluster, 2 workers", f"{dask_s:.2f} s", "includes cluster start"),
        ("rows", f"{len(serial):,}", ""),
    ], "transcripts.read_many")
    return report_goals([
        Goal("CPU of 2 workers / CPU of 1 worker", two_cpu / one_cpu, "<=", 1.15),
        Goal("parent CPU share of the 2-worker run", two_parent / two_cpu, "<=", 0.15),
        Goal("serial, processes and Dask results equal", float(same), ">=", 1.0, unit=""),
    ])


if __name__ == "__main__":
    sys.exit(main())
