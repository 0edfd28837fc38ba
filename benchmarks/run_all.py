"""Run every benchmark, one after the other: ``python benchmarks/run_all.py [--quick]``.

Each prints its own table of figures and ratios against a baseline measured in the same run.
``--quick`` shrinks the long ones (a 0.25 GB upload, 200 TTS tasks) for a first look.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    "bench_client.py": ["--tasks", "200"],
    "bench_catalog.py": [],
    "bench_audio.py": [],
    "bench_transcripts.py": [],
    "bench_qa.py": ["--minutes", "2"],
    "bench_upload.py": ["--size-gb", "0.25", "--rounds", "1"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    failed = []
    for script, quick_args in BENCHMARKS.items():
        print(f"\n===== {script} =====", flush=True)
        cmd = [sys.executable, str(HERE / script), *(quick_args if args.quick else [])]
        if subprocess.run(cmd, cwd=HERE.parent).returncode != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
