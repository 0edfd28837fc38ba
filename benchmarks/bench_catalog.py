"""A 50,000-voice catalog: building the DataFrame and filtering it.

Goals: build < 200 ms, a filter < 10 ms. Baselines, measured in the same run: building with
``pd.DataFrame.from_records`` (no dtypes, no checks) and filtering with one boolean mask on one
column. Times are the best of several runs.

    python benchmarks/bench_catalog.py
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from qavix_lab.sandbox.catalog import generate_catalog
from qavix_lab.tables import filter_voices, voices_frame

N = 50_000
BUILD_GOAL_MS = 200.0
FILTER_GOAL_MS = 10.0
FILTERS: list[tuple[str, dict[str, Any]]] = [
    ('lang="English"', {"lang": "English"}),
    ('lang="en", gender="female", emotion="calm"',
     {"lang": "en", "gender": "female", "emotion": "calm"}),
    ('category="audiobook"', {"category": "audiobook"}),
    ('text="warm"', {"text": "warm"}),
    ('lang=["en","fr"], category=[..2], enabled_only, text',
     {"lang": ["en", "fr"], "category": ["news", "audiobook"], "enabled_only": True,
      "text": "warm"}),
    ("no filter, popularity sort", {}),
]


def best_ms(run: Callable[[], Any], repeat: int = 7) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def row(what: str, ms: float, baseline_ms: float, goal_ms: float) -> str:
    verdict = "ok" if ms < goal_ms else "MISSED"
    return (f"{what:<52} {ms:9.2f} {baseline_ms:9.2f} {ms / baseline_ms:7.2f}x "
            f"{goal_ms:7.0f}  {verdict}")


def main() -> None:
    start = time.perf_counter()
    records = generate_catalog(N)
    print(f"generated {N:,} records in {time.perf_counter() - start:.2f} s\n")
    print(f"{'operation':<52} {'ms':>9} {'base ms':>9} {'ratio':>8} {'goal':>7}")

    build = best_ms(lambda: voices_frame(records), repeat=5)
    baseline = best_ms(lambda: pd.DataFrame.from_records(records), repeat=5)
    print(row(f"build voices_frame ({N:,})  [base: from_records]", build, baseline,
              BUILD_GOAL_MS))

    voices = voices_frame(records)
    plain = pd.DataFrame.from_records(records)
    one_mask = best_ms(lambda: plain[plain["lang"] == "en"])
    for label, filters in FILTERS:
        ms = best_ms(lambda filters=filters: filter_voices(voices, **filters))
        found = len(filter_voices(voices, **filters))
        print(row(f"filter {label} -> {found:,}", ms, one_mask, FILTER_GOAL_MS))
    print("\nbase for filters: plain[plain['lang'] == 'en'] on the from_records frame")


if __name__ == "__main__":
    main()
