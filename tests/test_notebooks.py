"""The user notebooks: committed clean, written by scripts/make_notebooks.py, and each one runs
top to bottom against the embedded sandbox without an error or a warning.

The execution tests (marker ``notebooks``) run every notebook in a fresh ``python3`` kernel of
this interpreter, from notebooks/ as JupyterLab would, with QAVIX_API_KEY and QAVIX_BASE_URL
removed from the kernel's environment so that ``qavix_lab.connect()`` starts the sandbox.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
EXPECTED = ["01_explore_voices", "02_ab_compare_tts", "03_analyze_translation_transcripts",
            "04_draw_erasure_regions", "05_dub_a_video"]
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300
# Anything that looks like a credential: the sandbox's and the vendor's key prefix, a bearer
# header, a key assigned in code, AWS-style access keys, and temporary-credential fields.
KEY_LIKE = re.compile(
    r"qvx-|bearer\s|api_key\s*=\s*['\"]|QAVIX_API_KEY['\"]?\]?\s*=\s*['\"]|AKIA[0-9A-Z]{16}"
    r"|securitytoken|x-amz-security-token",
    re.IGNORECASE)
ANSI_COLOR = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours its tracebacks
# Environment variables that would point the kernel away from the embedded sandbox, or turn
# inline plots off.
KERNEL_ENV_DROPPED = ("QAVIX_API_KEY", "QAVIX_BASE_URL", "MPLBACKEND")


def _generator():
    """scripts/make_notebooks.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_notebooks",
                                                  ROOT / "scripts" / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_the_five_notebooks_are_there():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


def test_notebooks_are_what_the_generator_writes():
    stale = [path.name for path, text in _generator().rendered().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, (f"{stale} differ from scripts/make_notebooks.py: port the change there "
                       "and run `python scripts/make_notebooks.py`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_saved_clean(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert "widgets" not in notebook.metadata, "widget state saved in the notebook"
    for index, cell in enumerate(notebook.cells):
        assert "execution" not in cell.metadata, f"cell {index} keeps execution timings"
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} has outputs"
            assert cell.execution_count is None, f"cell {index} has an execution count"
    text = path.read_text(encoding="utf-8")
    found = KEY_LIKE.search(text)
    assert found is None, f"key-like text {found.group(0)!r} at offset {found.start()}"


def test_key_pattern_catches_what_it_should():
    leaks = ['os.environ["QAVIX_API_KEY"] = "abc"', "qvx-sandbox-xyz", "Bearer abc.def",
             'connect(api_key="abc")', "AKIAABCDEFGHIJKLMNOP", '"securitytoken": "x"']
    assert all(KEY_LIKE.search(leak) for leak in leaks)
    assert KEY_LIKE.search("unless the `QAVIX_API_KEY` environment variable is set") is None


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A ``python3`` kernel spec that runs this interpreter, found first, and the kernel's env.

    ipykernel writes the spec; putting it on JUPYTER_PATH makes it win over any installed
    ``python3`` spec whose ``python`` might be another interpreter.
    """
    from ipykernel.kernelspec import write_kernel_spec

    jupyter_path = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(jupyter_path / "kernels" / "python3")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(jupyter_path))
        env = {k: v for k, v in os.environ.items() if k not in KERNEL_ENV_DROPPED}
        yield env


def execute(path: Path, env: dict[str, str]) -> nbformat.NotebookNode:
    """Run the notebook from notebooks/; on an error, fail with the cell and its traceback."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, kernel_name="python3", timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(NOTEBOOKS_DIR)}})
    try:
        client.execute(env=env)
    except CellExecutionError as error:
        pytest.fail(f"{path.name} failed:\n{ANSI_COLOR.sub('', str(error))}", pytrace=False)
    return notebook


def _outputs(notebook: nbformat.NotebookNode) -> list[tuple[int, dict]]:
    return [(index, output) for index, cell in enumerate(notebook.cells)
            if cell.cell_type == "code" for output in cell.outputs]


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_against_the_sandbox(path, kernel_env):
    notebook = execute(path, kernel_env)
    outputs = _outputs(notebook)
    printed = "".join(o.get("text", "") for _, o in outputs if o.output_type == "stream")
    assert "Connected to the embedded sandbox" in printed
    complaints = [(i, o["text"]) for i, o in outputs
                  if o.output_type == "stream" and o.name == "stderr" and "Warning" in o["text"]]
    assert not complaints, f"warnings a user would see: {complaints}"
    images = [i for i, o in outputs if "image/png" in o.get("data", {})]
    assert images, "no figure or frame rendered inline"
    assert "qvx-" not in json.dumps([o for _, o in outputs]), "the API key reached an output"
