"""docs/OPERATIONS.md is generated from the operation table and the typed methods: never stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_operations_page_matches_the_spec_and_the_methods():
    result = subprocess.run([sys.executable, "scripts/make_api_docs.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_operation_has_its_section_with_path_and_python_call():
    from qavix_lab.spec import OPERATIONS

    page = (ROOT / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    for op in OPERATIONS.values():
        assert f"## `{op.name}`" in page and f"`POST {op.path}`" in page
    assert "client.tts.create(text: str, voice: VoiceLike, *, lang: str | None = None" in page
