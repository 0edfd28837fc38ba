"""Widgets survive export: a notebook run by nbclient and exported by nbconvert to HTML shows each
widget's static view (``_repr_mimebundle_``'s ``text/html`` or ``image/png`` beside the widget
view) when chromium opens the file, with no kernel and no network.

To cover another widget, add one line to STATIC_VIEWS: a cell that shows it and a text its static
view must contain. Its static view marks its root with ``data-qavix-static="<name>"``.

The notebook runs with ``store_widget_state=False``, as a notebook saved from JupyterLab (which
does not save widget state by default): without widget state nbconvert falls back to the next
richest output, the static view. With widget state it would render live widgets from a CDN
instead, which an offline page cannot load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / ".artifacts"
DATASETS = Path(__file__).resolve().parents[2] / "datasets"
# Run first in every exported notebook: what the cells below may use.
SETUP = f"""from pathlib import Path
import qavix_lab
from qavix_lab import Region
from qavix_lab.widgets import *
SAMPLE = Path({str(DATASETS / "media" / "sample.mp4")!r})"""


@dataclass(frozen=True)
class StaticView:
    name: str  # the widget's class; its static view has data-qavix-static="<name>"
    cell: str  # shows the widget (the cell's last expression)
    text: str  # what the static view must say


# One line per widget: its name, a cell that shows it, and what its static view must say.
STATIC_VIEWS = [
    StaticView("RegionDrawer", "RegionDrawer(SAMPLE, t=3.0, regions=[Region.from_xywh(448, 10, 180, 40, type='logo')])", "1 region on the 640x360 frame at 3.00 s; #1 logo x, y, w, h = 448, 10, 180, 40"),  # noqa: E501
]


def exported_html(cells: list[str], folder: Path) -> Path:
    """Run ``cells`` with nbclient in ``folder`` and export the result to HTML there."""
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, timeout=120, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(folder)}}).execute()
    errors = [o for c in notebook.cells for o in c.outputs if o.output_type == "error"]
    assert not errors, "\n".join(e.get("evalue", "") for e in errors)
    nbformat.write(notebook, folder / "exported.ipynb")
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    path = folder / "exported.html"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize("view", STATIC_VIEWS, ids=lambda view: view.name)
def test_the_exported_notebook_shows_the_static_view(chromium, tmp_path, view):
    path = exported_html([SETUP, view.cell], tmp_path)
    context = chromium.new_context(viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        # Offline like a mail attachment: only the file itself and its data: URLs may load.
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url.startswith(("file:", "data:")) else route.abort())
        page.goto(path.as_uri())
        static = page.locator(f'[data-qavix-static="{view.name}"]')
        static.first.wait_for(state="visible")
        assert static.count() == 1
        assert view.text in static.inner_text()
        images = static.locator("img")
        for index in range(images.count()):
            loaded = images.nth(index).evaluate("(img) => img.complete && img.naturalWidth > 0")
            assert loaded, f"image {index} of the {view.name} static view did not load"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        static.screenshot(path=str(ARTIFACTS / f"static_{view.name}.png"))
    finally:
        context.close()
    # The saved notebook carries the small static view, not the widget's frames.
    assert (tmp_path / "exported.ipynb").stat().st_size < 100_000
