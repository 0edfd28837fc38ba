"""Run every benchmark, one after the other, and judge every goal.

    python benchmarks/run_all.py [--quick] [--under-load] [--only NAME ...] [--skip NAME ...]

Each benchmark prints its own table, then one ``MET``/``MISSED`` line per goal; every goal is a
ratio against a floor measured in the same process. This script collects those lines, prints
them together at the end and exits 1 if any goal was missed, any benchmark failed, or a benchmark
stated no goal at all.

``--under-load`` runs everything with a CPU-bound process beside it (one busy core of two), to
show that the goals hold on a shared machine. ``--quick`` shrinks the long runs for a first look.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOAL_LINE = re.compile(r"^(MET|MISSED)\s+\S")

# script -> arguments under --quick (full sizes otherwise)
BENCHMARKS: dict[str, list[str]] = {
    "bench_client.py": ["--tasks", "200"],
    "bench_catalog.py": ["--quick"],
    "bench_audio.py": [],
    "bench_transcripts.py": ["--quick"],
    "bench_upload.py": ["--size-gb", "0.25", "--rounds", "2"],
    "bench_corpus.py": ["--quick"],
    "bench_faults.py": ["--quick"],
    "bench_listening.py": [],
}
# these drive Chromium in JupyterLab (skip them with --skip on a machine without one); benchmarks
# written by later work register here too, and a missing file is skipped
OPTIONAL: dict[str, list[str]] = {
    "bench_widgets_browser.py": ["--quick"],
    "bench_widgets_region.py": ["--quick"],
    "bench_qa.py": ["--quick"],
}


def _burn() -> None:
    """A CPU-bound loop: the 'other process' of a shared machine."""
    x = 0
    while True:
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF


def run(script: str, args: list[str]) -> tuple[int, list[str]]:
    """Run one benchmark, echo its output, return (exit status, its goal lines)."""
    proc = subprocess.Popen([sys.executable, str(HERE / script), *args], cwd=HERE.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    goals = []
    assert proc.stdout is not None
    for line in proc.stdout:
        print(line, end="", flush=True)
        if GOAL_LINE.match(line):
            goals.append(line.rstrip())
    return proc.wait(), goals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes for a first look")
    parser.add_argument("--under-load", action="store_true",
                        help="run beside a CPU-bound process (one core of a 2-core machine busy)")
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME",
                        help="run only these benchmarks (file names, with or without .py)")
    parser.add_argument("--skip", nargs="*", default=[], metavar="NAME",
                        help="leave these benchmarks out (e.g. the browser ones)")
    args = parser.parse_args(argv)
    scripts = {**BENCHMARKS, **{k: v for k, v in OPTIONAL.items() if (HERE / k).exists()}}
    if args.only:
        wanted = {n if n.endswith(".py") else f"{n}.py" for n in args.only}
        scripts = {k: v for k, v in scripts.items() if k in wanted}
    skipped = {n if n.endswith(".py") else f"{n}.py" for n in args.skip}
    scripts = {k: v for k, v in scripts.items() if k not in skipped}
    load = None
    if args.under_load:
        load = multiprocessing.Process(target=_burn, daemon=True)
        load.start()
        print("under load: a CPU-bound process runs beside every benchmark", flush=True)
    summary: list[tuple[str, str]] = []
    try:
        for script, quick_args in scripts.items():
            print(f"\n===== {script} =====", flush=True)
            status, goals = run(script, quick_args if args.quick else [])
            summary += [(script, g) for g in goals]
            if not goals:
                summary.append((script, "MISSED  (stated no goal)"))
            if status != 0 and not any(g.startswith("MISSED") for g in goals):
                summary.append((script, f"MISSED  (exited with status {status})"))
    finally:
        if load is not None:
            load.terminate()
    print(f"\n===== goals{' (under load)' if args.under_load else ''} =====")
    for script, line in summary:
        print(f"{line}    [{script}]")
    missed = sum(line.startswith("MISSED") for _, line in summary)
    print(f"\n{len(summary) - missed} met, {missed} missed")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
