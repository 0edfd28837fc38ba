"""Installed as users install it: build the wheel, install it into a fresh venv, run the demo.

The venv sees the system's site-packages so that no dependency is downloaded again, but the
qavix_lab it imports must be the wheel's (checked by ``__file__``), and the demo runs from an
empty folder, far from the repository's datasets/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["qavix_lab/samples/sample.mp4", "qavix_lab/samples/face.png",
           "qavix_lab/samples/catalog.json"]


def _run(*cmd: str | Path, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"PYTHONPATH", "QAVIX_API_KEY", "QAVIX_BASE_URL"}}
    return clean


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, env) -> Path:
    # Build from a copy: setuptools leaves build/ and *.egg-info beside the sources.
    src = tmp_path_factory.mktemp("src")
    shutil.copytree(ROOT / "qavix_lab", src / "qavix_lab",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", dist, src, cwd=src, env=env)
    (built,) = dist.glob("qavix_lab-*.whl")
    return built


def test_the_wheel_carries_the_sample_media_and_catalog(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(SHIPPED) <= names
    assert not any(name.startswith("datasets/") for name in names)


def test_the_demo_runs_from_an_installed_wheel_in_an_empty_folder(wheel, env, tmp_path):
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv,
         cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    # The system's pip, run by the venv's interpreter, installs into the venv.
    _run(python, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", wheel,
         cwd=tmp_path, env=env)
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    where = _run(python, "-c", "import qavix_lab, qavix_lab.samples as s; "
                 "print(qavix_lab.__file__); print(s.video())", cwd=empty, env=env).split()
    assert all(Path(p).is_relative_to(venv) for p in where), where
    out = _run(venv / "bin" / "qavix-lab", "demo", "-o", "report", cwd=empty, env=env)
    assert "[4/4]" in out
    report = empty / "report" / "report.html"
    page = report.read_text(encoding="utf-8")
    assert "Watermark erased" in page and "<video" in page
    assert (empty / "report" / "sample_erased.mp4").stat().st_size > 0


def test_the_repository_datasets_are_links_to_the_package_copy():
    from qavix_lab import samples

    for link, name in (("datasets/media/sample.mp4", "sample.mp4"),
                       ("datasets/media/face.png", "face.png"),
                       ("datasets/voices/catalog.json", "catalog.json")):
        assert (ROOT / link).is_symlink(), f"{link} should link to qavix_lab/samples/{name}"
        assert (ROOT / link).resolve() == samples.path(name).resolve()


def test_an_unknown_sample_name_lists_the_known_ones():
    from qavix_lab import samples
    from qavix_lab.errors import QavixError

    with pytest.raises(QavixError, match="sample.mp4, face.png, catalog.json"):
        samples.path("sample.mov")
