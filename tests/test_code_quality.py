"""The house rules that a tool can check: ruff and mypy are clean, `import qavix_lab` is light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *cmd], cwd=ROOT, capture_output=True, text=True)


def test_ruff_is_clean():
    result = _run("ruff", "check", "qavix_lab", "tests", "benchmarks", "scripts")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean():
    result = _run("mypy", "qavix_lab")
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_the_package_loads_no_heavy_library():
    code = ("import sys, qavix_lab; heavy = {'pandas', 'matplotlib', 'moviepy', 'ipywidgets', "
            "'anywidget', 'starlette', 'boto3', 'scipy'}; print(sorted(heavy & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
