"""Real-browser harness: a private JupyterLab on 127.0.0.1, driven by Debian's chromium.

Reusable by every widget test under tests/browser/:

- ``jupyter_lab`` (session): the running server (``.url``, ``.token``, ``.root``).
- ``chromium`` (session): a Playwright browser on /usr/bin/chromium (no download possible here).
- ``lab_page``: a factory, ``lab_page(device_scale_factor=2)`` gives a fresh Page.
- ``run_notebook_cells(page, cells, name)``: write a notebook, open it, run all cells, and
  get a :class:`LabNotebook` to run more cells (``.run_cell(code) -> output text``, or
  ``.run_cell_until(code, expected)`` while widget updates reach the kernel), save it, or
  screenshot elements into tests/.artifacts/.

The server sees none of the user's Jupyter setup (config, data, runtime and IPython dirs are
temporary) but keeps the widget extensions installed in the environment. It fetches no news, checks
no updates and runs no extension manager or language servers: nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import nbformat
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / ".artifacts"
VIEWPORT = {"width": 1100, "height": 900}
STARTUP_SECONDS = 120
CELL_SECONDS = 60

SERVER_CONFIG = {
    "ServerApp": {"jpserver_extensions": {"jupyter_lsp": False, "jupyter_server_terminals": False}},
    "LabApp": {
        "news_url": None,
        "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "extension_manager": "readonly",
        "expose_app_in_browser": True,  # window.jupyterapp: run commands instead of menu clicks
    },
    # Notebook 7 is served by the same server at /notebooks/...; expose its app the same way.
    "JupyterNotebookApp": {"expose_app_in_browser": True},
}
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
    # Every cell stays in the DOM, so outputs far down the notebook can be located.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyter-widgets/jupyterlab-manager/plugin": {"saveState": False},
}


@dataclass(frozen=True)
class JupyterLab:
    url: str
    token: str
    root: Path

    def classic_url(self, name: str) -> str:
        """The notebook in Notebook 7's single-document interface."""
        return f"{self.url}/notebooks/{name}?token={self.token}"

    def notebook_url(self, name: str) -> str:
        """The notebook alone in a fresh workspace (no tabs restored from other tests)."""
        workspace = Path(name).stem
        return f"{self.url}/lab/workspaces/{workspace}/tree/{name}?reset&token={self.token}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _private_jupyter_env(home: Path) -> dict[str, str]:
    dirs = {name: home / name for name in ("config", "data", "runtime", "ipython")}
    for path in dirs.values():
        path.mkdir(parents=True)
    (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG))
    for plugin, values in USER_SETTINGS.items():
        target = dirs["config"] / "lab" / "user-settings" / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "IPYTHONDIR": str(dirs["ipython"]),
        "JUPYTER_PLATFORM_DIRS": "0",
        "MPLBACKEND": "Agg",
    }


def _wait_until_answering(lab: JupyterLab, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{lab.url}/api/status", params={"token": lab.token}).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer in {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    """A JupyterLab server of our own on 127.0.0.1, stopped after the session."""
    home = tmp_path_factory.mktemp("jupyter")
    root = home / "root"
    root.mkdir()
    port, token = _free_port(), secrets.token_hex(16)
    lab = JupyterLab(f"http://127.0.0.1:{port}", token, root)
    log = home / "lab.log"
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", f"--IdentityProvider.token={token}",
        "--ServerApp.ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        *(["--allow-root"] if os.geteuid() == 0 else []),  # CI containers run as root
    ]
    with log.open("wb") as sink:
        server = subprocess.Popen(command, env=_private_jupyter_env(home), cwd=root,
                                  stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_answering(lab, server, log)
        yield lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# Module scope, not session: Playwright's sync API keeps an event loop running in the main
# thread while it is open, which would break every later test that calls asyncio.run().
@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """Debian's chromium under Playwright; a missing binary fails, it is never skipped."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh (as root) to install "
                    "Debian's chromium, then run the browser tests again", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def lab_page(chromium) -> Iterator[Callable]:
    """``lab_page(device_scale_factor=1)`` -> a new Page in its own context (closed after)."""
    contexts = []

    def new_page(device_scale_factor: float = 1):
        context = chromium.new_context(viewport=VIEWPORT, device_scale_factor=device_scale_factor)
        context.set_default_timeout(CELL_SECONDS * 1000)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


_NOTEBOOK_STATE = """() => {
  const panel = window.jupyterapp?.shell.currentWidget;
  if (!panel?.content?.widgets) return null;
  return panel.content.widgets.map((cell) => ({
    type: cell.model.type,
    count: cell.model.type === "code" ? cell.model.executionCount : 0,
    outputs: cell.model.type === "code" ? cell.model.outputs.toJSON() : [],
  }));
}"""

_RUN_NEW_CELL = """async (code) => {
  const app = window.jupyterapp;
  const notebook = app.shell.currentWidget.content;
  notebook.activeCellIndex = notebook.widgets.length - 1;
  await app.commands.execute("notebook:insert-cell-below");
  notebook.activeCell.model.sharedModel.setSource(code);
  await app.commands.execute("notebook:run-cell");
}"""


def _output_text(outputs: list[dict]) -> str:
    parts = []
    for output in outputs:
        if output["output_type"] == "stream":
            text = output["text"]
        else:
            text = output.get("data", {}).get("text/plain", "")
        parts.append(text if isinstance(text, str) else "".join(text))
    return "".join(parts)


@dataclass
class LabNotebook:
    """A notebook open in JupyterLab whose cells have all run."""

    page: object
    lab: JupyterLab
    path: Path

    def cells(self) -> list[dict]:
        return self.page.evaluate(_NOTEBOOK_STATE)

    def wait_until_run(self) -> list[dict]:
        """Wait until every code cell has an execution count; fail on any error output."""
        self.page.wait_for_function(
            f"() => ({_NOTEBOOK_STATE})()?.every((c) => c.count !== null)",
            timeout=CELL_SECONDS * 1000,
        )
        cells = self.cells()
        for index, cell in enumerate(cells):
            for output in cell["outputs"]:
                if output["output_type"] == "error":
                    trace = "\n".join(output.get("traceback", []))
                    pytest.fail(f"cell {index} raised {output['ename']}: {output['evalue']}\n"
                                f"{trace}")
        return cells

    def run_cell(self, code: str) -> str:
        """Append a cell, run it in the notebook's kernel, and return its output text."""
        self.page.evaluate(_RUN_NEW_CELL, code)
        return _output_text(self.wait_until_run()[-1]["outputs"])

    def run_cell_until(self, code: str, expected: str, attempts: int = 20) -> str:
        """Run ``code`` until its output (stripped) is ``expected``. ipywidgets sends one update
        at a time, so the kernel sees quick edits in the page a little later."""
        for _ in range(attempts):
            output = self.run_cell(code).strip()
            if output == expected:
                return output
            self.page.wait_for_timeout(250)
        pytest.fail(f"the kernel kept printing {output!r} for {code!r}; expected {expected!r}")

    def save(self) -> dict:
        """Save from the browser (as a user would) and return the file as JSON."""
        self.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        self.page.wait_for_function(
            "() => !window.jupyterapp.shell.currentWidget.context.model.dirty"
        )
        return json.loads(self.path.read_text())

    def screenshot(self, locator, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        locator.screenshot(path=str(path))
        return path


def open_and_run(page, lab: JupyterLab, cells: list[str], name: str,
                 notebook7: bool = False) -> LabNotebook:
    """Write ``cells`` as ``name``.ipynb in the server's root, open it (in JupyterLab, or in
    Notebook 7) and run all cells."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    path = lab.root / f"{name}.ipynb"
    nbformat.write(notebook, path)
    page.goto(lab.classic_url(path.name) if notebook7 else lab.notebook_url(path.name))
    page.wait_for_function(
        "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel",
        timeout=STARTUP_SECONDS * 1000,
    )
    page.evaluate("""async () => {
      const app = window.jupyterapp;
      await app.shell.currentWidget.sessionContext.ready;
      await app.commands.execute("notebook:run-all-cells");
    }""")
    opened = LabNotebook(page, lab, path)
    opened.wait_until_run()
    return opened


@pytest.fixture
def run_notebook_cells(jupyter_lab) -> Callable[..., LabNotebook]:
    """``run_notebook_cells(page, cells, name="test")`` -> a LabNotebook whose cells have run."""

    def run(page, cells: list[str], name: str = "test", notebook7: bool = False) -> LabNotebook:
        return open_and_run(page, jupyter_lab, cells, name, notebook7)

    return run
