"""Never pay twice, never lose a result: TTS batches through a faulty network, and killed batches.

1. Faults: ``--jobs`` TTS jobs (500) through a fault-injecting proxy between client and sandbox
   (429 with Retry-After, gateway 5xx pages, connections dropped before and after forwarding,
   HTML with 200, truncated answers, answers past the client's timeout) on ``--rate`` (20%) of all
   requests, creates, polls and downloads alike. Goals: every job whose task ID reached the client
   ends with a verified file (byte-identical to the sandbox's), no request creates two tasks, and
   the ledger's ``unknown`` jobs are exactly the ambiguous creates the proxy injected.
2. SIGKILL: a ``--kill-jobs`` (200) batch run in a child process, killed with SIGKILL at
   ``--kills`` (10) random moments and run again each time, then once to the end. Goals: as many
   tasks on the server as jobs, as many verified files, no duplicates.

    python benchmarks/bench_faults.py [--quick] [--jobs 500] [--rate 0.2] [--kills 10]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import Goal, report_goals, sandbox_process, table

from qavix_lab.client import Client
from qavix_lab.client.ledger import Ledger
from qavix_lab.sandbox.faultproxy import FaultProxy

CLIENT_TIMEOUT = 2.0  # seconds; the proxy's slow answers wait longer than this


def texts(n: int, prefix: str = "Job") -> list[str]:
    return [f"{prefix} {i:04d}: the quick brown fox jumps over the lazy dog." for i in range(n)]


def run_batch(base_url: str, key: str, n: int, ledger: Path, out: Path, concurrency: int,
              max_retries: int, prefix: str = "Job") -> object:
    """The user's cell: the same call every time, re-run after any crash."""
    with Client(key, base_url=base_url, timeout=CLIENT_TIMEOUT, max_retries=max_retries) as client:
        voice = client.voices.list()[0].id
        return client.tts.batch(texts(n, prefix), voice, out_dir=out, concurrency=concurrency,
                                ledger=Ledger(ledger), timeout=600)


def direct_sha256(http: httpx.Client, task_id: str) -> str:
    """The output's SHA-256 straight from the sandbox, bypassing the proxy."""
    state = http.post("openapi/audio/tts/result", json={"taskId": task_id}).json()["result"]
    return hashlib.sha256(httpx.get(state["destFileTmpUrl"]).content).hexdigest()


def check_files(http: httpx.Client, frame: object) -> tuple[int, int]:
    """(verified files byte-identical to the sandbox's, files that differ or are missing)."""
    good = bad = 0
    for row in frame.itertuples():  # type: ignore[attr-defined]
        if row.state != "verified":
            continue
        path = Path(row.output_path)
        ok = path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == direct_sha256(
            http, row.task_id)
        good, bad = good + ok, bad + (not ok)
    return good, bad


def faults(url: str, key: str, args: argparse.Namespace, work: Path) -> list[tuple[str, str, str]]:
    origin = url.removesuffix("/qavix")
    with FaultProxy(origin, rate=args.rate, seed=args.seed, retry_after=0.2,
                    slow_seconds=CLIENT_TIMEOUT * 2) as proxy:
        start = time.perf_counter()
        result = run_batch(proxy.url + "/qavix", key, args.jobs, work / "faults.sqlite",
                           work / "faults", args.concurrency, max_retries=6)
        seconds = time.perf_counter() - start
        counts = proxy.counts()
    book = Ledger(work / "faults.sqlite")
    frame = book.frame()
    states = frame["state"].value_counts()
    with_id = int(frame["task_id"].notna().sum())
    verified = int((frame["state"] == "verified").sum())
    unknown = int(states.get("unknown", 0))
    with httpx.Client(base_url=url + "/", headers={"Authorization": f"Bearer {key}"}) as http:
        identical, differ = check_files(http, frame)
    injected = ", ".join(f"{k} {v}" for k, v in sorted(counts.injected.items()))
    missing = frame[frame["task_id"].notna() & (frame["state"] != "verified")]
    for row in missing.itertuples():  # a result that reached us but is not on disk: say why
        print(f"not verified: task {row.task_id} ({row.state}): {row.error}", flush=True)
    others = ", ".join(f"{k} {v}" for k, v in states.items() if v and k not in ("verified",))
    return [
        (f"{args.jobs} jobs at {100 * args.rate:.0f}% faults", f"{seconds:.1f} s", ""),
        ("requests through the proxy", str(counts.requests), ""),
        ("faults injected", str(sum(counts.injected.values())), injected),
        ("rows returned by batch", str(len(result)), f"= {args.jobs}"),  # type: ignore[arg-type]
        ("jobs whose task ID reached the client", str(with_id), ""),
        ("  of which verified files", str(verified), f"= {with_id}"),
        ("  verified files identical to the sandbox's", str(identical), f"= {verified}"),
        ("  files that differ or are missing", str(differ), "= 0"),
        ("ledger states other than verified", others or "none", ""),
        ("ambiguous creates injected", str(counts.ambiguous_creates),
         f"= unknown jobs ({unknown})"),
        ("  of which the sandbox created (lost IDs)", str(counts.lost_creates), ""),
        ("tasks on the sandbox", str(counts.tasks_created),
         f"= IDs reached + lost ({with_id + counts.lost_creates})"),
        ("duplicate tasks", str(counts.duplicate_tasks), "= 0"),
    ]


def kills(url: str, key: str, args: argparse.Namespace, work: Path) -> list[tuple[str, str, str]]:
    origin = url.removesuffix("/qavix")
    rng = random.Random(args.seed)
    ledger, out = work / "kills.sqlite", work / "kills"
    with FaultProxy(origin) as proxy:  # no faults: it only counts what reaches the sandbox
        child = [sys.executable, __file__, "--child", "--jobs", str(args.kill_jobs),
                 "--concurrency", str(args.concurrency), "--key", key,
                 "--base-url", proxy.url + "/qavix"]
        # a first, unkilled run of other texts: how long a whole batch takes
        start = time.perf_counter()
        subprocess.run([*child, "--ledger", str(work / "calibration.sqlite"), "--out",
                        str(work / "calibration"), "--prefix", "Calibration"], check=True,
                       stdout=subprocess.DEVNULL, env=_env())
        whole = time.perf_counter() - start
        tasks_before = proxy.counts().tasks_created
        child += ["--ledger", str(ledger), "--out", str(out)]
        moments = sorted(rng.uniform(0.1, 1.0) * whole for _ in range(args.kills))
        killed = 0
        for moment in moments:
            proc = subprocess.Popen(child, stdout=subprocess.DEVNULL, env=_env())
            try:
                proc.wait(moment)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                killed += 1
        final = subprocess.run(child, stdout=subprocess.DEVNULL, env=_env())
        counts = proxy.counts()
    frame = Ledger(ledger).frame()
    verified = int((frame["state"] == "verified").sum())
    unknown = int((frame["state"] == "unknown").sum())
    others = ", ".join(f"{k} {v}" for k, v in frame["state"].value_counts().items()
                       if v and k != "verified")
    errors = frame.loc[frame["state"] != "verified", "error"].dropna().str[:90].unique()
    files = len([p for p in out.rglob("*") if p.is_file() and not p.name.endswith(".part")])
    partial = len(list(out.rglob("*.part")))
    with httpx.Client(base_url=url + "/", headers={"Authorization": f"Bearer {key}"}) as http:
        identical, differ = check_files(http, frame)
    tasks = counts.tasks_created - tasks_before
    return [
        (f"{args.kill_jobs}-job batch, one whole run", f"{whole:.1f} s", ""),
        ("runs killed with SIGKILL", f"{killed} of {args.kills}",
         "moments: " + ", ".join(f"{m:.1f}s" for m in moments)),
        ("final run exit code", str(final.returncode), "= 0"),
        ("tasks on the sandbox", str(tasks), f"= {args.kill_jobs} (+ unknown)"),
        ("duplicate tasks", str(counts.duplicate_tasks), "= 0"),
        ("verified files", str(verified), f"= {args.kill_jobs} - unknown"),
        ("  identical to the sandbox's", str(identical), f"= {verified}"),
        ("  that differ or are missing", str(differ), "= 0"),
        ("files in the output folder", str(files), f"= {verified}"),
        ("leftover .part files", str(partial), "(cleaned on the next run)"),
        ("unknown jobs (a create in flight at a kill)", str(unknown), "ideally 0"),
        ("ledger states other than verified", others or "none", "; ".join(errors)),
    ]


def exact_goals(rows: list[tuple[str, str, str]], part: str) -> list[Goal]:
    """A goal per row whose goal column names an exact count (``= 0``, ``= unknown jobs (3)``):
    how far the count is from it, which must be 0."""
    goals = []
    for name, value, goal in rows:
        expected = re.fullmatch(r"= (\d+)|= [^()]*\((\d+)\)", goal)
        if expected and value.isdigit():
            wanted = int(expected.group(1) or expected.group(2))
            goals.append(Goal(f"{part}: {name.strip()} off by (want {wanted})",
                              abs(int(value) - wanted), "<=", 0, ""))
    return goals


def _env() -> dict[str, str]:
    here = str(Path(__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (os.environ.get("PYTHONPATH"), here) if p)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 jobs, 3 kills of 100 jobs")
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--kill-jobs", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--tts-seconds", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=["faults", "kills"], help="run one part only")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ledger", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", default="Job", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_batch(args.base_url, args.key, args.jobs, args.ledger, args.out, args.concurrency,
                  max_retries=2, prefix=args.prefix)
        return 0
    if args.quick:
        args.jobs, args.kills, args.kill_jobs = 200, 3, 100
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp, \
            sandbox_process("--tts-seconds", str(args.tts_seconds)) as (url, key):
        work = Path(tmp)
        goals: list[Goal] = []
        if args.only in (None, "faults"):
            rows = faults(url, key, args, work)
            table(rows, f"TTS batch through a faulty network (TTS task = "
                        f"{args.tts_seconds:g} s, concurrency {args.concurrency})")
            goals += exact_goals(rows, "faults")
        if args.only in (None, "kills"):
            rows = kills(url, key, args, work)
            table(rows, f"TTS batch killed {args.kills} times and run again")
            goals += exact_goals(rows, "kills")
    return report_goals(goals)


if __name__ == "__main__":
    raise SystemExit(main())
