"""The house rules that a test can check: `import qavix_lab` is light.

ruff and mypy (strict on the client and the spec) run from scripts/test.sh, not from pytest;
the import layers are checked by tests/test_layers.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_importing_the_package_loads_no_heavy_library():
    code = ("import sys, qavix_lab; heavy = {'pandas', 'matplotlib', 'moviepy', 'ipywidgets', "
            "'anywidget', 'starlette', 'boto3', 'scipy'}; print(sorted(heavy & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
