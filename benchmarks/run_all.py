"""Run every benchmark, one after the other, and judge every goal.

    python benchmarks/run_all.py [--quick] [--under-load] [--only NAME ...] [--skip NAME ...]
    python benchmarks/run_all.py --quick --check-args    # do they accept their arguments?

Each benchmark prints its own table, then one ``MET``/``MISSED`` line per goal; every goal is a
ratio against a floor measured in the same process. This script collects those lines, prints
them together at the end with each benchmark's wall time, and exits 1 if any goal was missed,
any benchmark failed or refused its arguments, or a benchmark stated no goal at all.

The benchmarks run with this repository first on ``PYTHONPATH``: they measure the code beside
them, whether ``qavix_lab`` is installed or not, or installed from another checkout.

``--under-load`` runs everything with a CPU-bound process beside it (one busy core of two), to
show that the goals hold on a shared machine. ``--quick`` shrinks the long runs for a first look.
``--check-args`` runs no benchmark: it has each one parse the arguments it would get, and stops
it there.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent  # the repository whose qavix_lab the benchmarks measure
GOAL_LINE = re.compile(r"^(MET|MISSED)\b:?\s+\S")
USAGE_LINE = re.compile(r"^usage: ")
ARGUMENT_ERROR = re.compile(r"^\S+: error: (.*)$")

# script -> arguments under --quick (full sizes otherwise)
BENCHMARKS: dict[str, list[str]] = {
    "bench_client.py": ["--tasks", "200"],
    "bench_catalog.py": ["--quick"],
    "bench_audio.py": [],
    "bench_transcripts.py": ["--quick"],
    "bench_upload.py": ["--size-gb", "0.25", "--rounds", "2"],
    "bench_corpus.py": ["--quick"],
    "bench_faults.py": ["--quick"],
    "bench_listening.py": ["--quick"],
}
# these drive Chromium in JupyterLab (skip them with --skip on a machine without one); benchmarks
# written by later work register here too, and a missing file is skipped
OPTIONAL: dict[str, list[str]] = {
    "bench_widgets_browser.py": ["--quick"],
    "bench_widgets_region.py": ["--quick"],
    "bench_qa.py": ["--quick"],
}

# Run a benchmark as __main__ with ArgumentParser.parse_args stopping it once its arguments are
# parsed: what --check-args runs instead of the benchmark.
_PARSE_ONLY = """\
import argparse, os, runpy, sys
_parse = argparse.ArgumentParser.parse_args
def parse_args(self, args=None, namespace=None):
    parsed = _parse(self, args, namespace)
    print("arguments accepted:", ", ".join(f"{k}={v!r}" for k, v in sorted(vars(parsed).items())))
    sys.stdout.flush()
    os._exit(0)
argparse.ArgumentParser.parse_args = parse_args
script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(script))
runpy.run_path(script, run_name="__main__")
print("the benchmark ran without parsing its arguments (it has no argparse parser)")
sys.exit(3)
"""


@dataclass
class Outcome:
    """What one benchmark gave: exit status, its goal lines, wall time, an argument error."""

    script: str
    status: int
    goals: list[str] = field(default_factory=list)
    seconds: float = 0.0
    argument_error: str | None = None
    last_line: str = ""

    def verdicts(self) -> list[str]:
        """Its goal lines, plus a MISSED line for whatever else went wrong."""
        lines = list(self.goals)
        if self.argument_error is not None:
            return [*lines, f"MISSED  (refused its arguments: {self.argument_error})"]
        if not lines:
            lines.append("MISSED  (stated no goal)")
        if self.status != 0 and not any(g.startswith("MISSED") for g in lines):
            lines.append(f"MISSED  (exited with status {self.status})")
        return lines


def child_env() -> dict[str, str]:
    """The environment of a benchmark: this repository first on PYTHONPATH."""
    paths = [str(ROOT), *(p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths)),
            "PYTHONUNBUFFERED": "1"}


def run(script: str, args: list[str], *, check_args: bool = False, echo: bool = True) -> Outcome:
    """Run one benchmark (or only its argument parsing), echo its output, judge what it says."""
    path = str(HERE / script)
    command = [sys.executable, "-c", _PARSE_ONLY, path] if check_args else [sys.executable, path]
    start = time.perf_counter()
    proc = subprocess.Popen([*command, *args], cwd=ROOT, env=child_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    outcome = Outcome(script, 0)
    usage = False
    assert proc.stdout is not None
    for line in proc.stdout:
        if echo:
            print(line, end="", flush=True)
        if line.strip():
            outcome.last_line = line.strip()
        if GOAL_LINE.match(line):
            outcome.goals.append(line.rstrip())
        usage = usage or bool(USAGE_LINE.match(line))
        error = ARGUMENT_ERROR.match(line.rstrip())
        if usage and error:
            outcome.argument_error = f"{script} {' '.join(args)}: {error.group(1)}".replace(
                "  ", " ")
    outcome.status = proc.wait()
    outcome.seconds = time.perf_counter() - start
    if outcome.status == 2 and usage and outcome.argument_error is None:
        outcome.argument_error = f"{script} {' '.join(args)}: argparse usage error"
    return outcome


def selected(args: argparse.Namespace) -> dict[str, list[str]]:
    scripts = {**BENCHMARKS, **{k: v for k, v in OPTIONAL.items() if (HERE / k).exists()}}
    if args.only:
        wanted = {n if n.endswith(".py") else f"{n}.py" for n in args.only}
        unknown = wanted - scripts.keys()
        if unknown:
            raise SystemExit(f"run_all: no benchmark named {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(scripts)}")
        scripts = {k: v for k, v in scripts.items() if k in wanted}
    skipped = {n if n.endswith(".py") else f"{n}.py" for n in args.skip}
    return {k: v for k, v in scripts.items() if k not in skipped}


def check_arguments(scripts: dict[str, list[str]], quick: bool) -> int:
    """Each benchmark parses the arguments it would get, and stops there: 1 if one refuses."""
    refused = 0
    for script, quick_args in scripts.items():
        given = quick_args if quick else []
        outcome = run(script, given, check_args=True, echo=False)
        ok = outcome.status == 0 and outcome.argument_error is None
        refused += not ok
        verdict = "accepts" if ok else "REFUSES"
        reason = "" if ok else f": {outcome.argument_error or outcome.last_line}"
        print(f"{script:<28} {verdict} {' '.join(given) or '(no arguments)'}{reason}")
    return 1 if refused else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes for a first look")
    parser.add_argument("--under-load", action="store_true",
                        help="run beside a CPU-bound process (one core of a 2-core machine busy)")
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME",
                        help="run only these benchmarks (file names, with or without .py)")
    parser.add_argument("--skip", nargs="*", default=[], metavar="NAME",
                        help="leave these benchmarks out (e.g. the browser ones)")
    parser.add_argument("--check-args", action="store_true",
                        help="only check that every benchmark accepts the arguments it gets")
    args = parser.parse_args(argv)
    scripts = selected(args)
    if args.check_args:
        return check_arguments(scripts, args.quick)
    load = None
    if args.under_load:
        load = multiprocessing.Process(target=_burn, daemon=True)
        load.start()
        print("under load: a CPU-bound process runs beside every benchmark", flush=True)
    outcomes: list[Outcome] = []
    try:
        for script, quick_args in scripts.items():
            print(f"\n===== {script} =====", flush=True)
            outcomes.append(run(script, quick_args if args.quick else []))
    finally:
        if load is not None:
            load.terminate()
            load.join()
    print(f"\n===== goals{' (under load)' if args.under_load else ''} =====")
    summary = [(o.script, line) for o in outcomes for line in o.verdicts()]
    for script, line in summary:
        print(f"{line}    [{script}]")
    print("\nwall time per benchmark:")
    for o in outcomes:
        print(f"  {o.script:<28} {o.seconds:8.1f} s   exit status {o.status}")
    print(f"  {'all':<28} {sum(o.seconds for o in outcomes):8.1f} s")
    missed = sum(line.startswith("MISSED") for _, line in summary)
    print(f"\n{len(summary) - missed} met, {missed} missed")
    return 1 if missed else 0


def _burn() -> None:
    """A CPU-bound loop: the 'other process' of a shared machine."""
    x = 0
    while True:
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF


if __name__ == "__main__":
    raise SystemExit(main())
