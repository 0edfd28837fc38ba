"""The widgets also render in Notebook 7 (served by the same Jupyter server at /notebooks/)."""

from __future__ import annotations

from pathlib import Path

import pytest

CATALOG = Path(__file__).resolve().parents[2] / "datasets" / "voices" / "catalog.json"
SAMPLE = Path(__file__).resolve().parents[2] / "datasets" / "media" / "sample.mp4"


@pytest.mark.browser
def test_voice_browser_and_region_drawer_render_in_notebook_7(lab_page, run_notebook_cells):
    page = lab_page()
    cells = [
        "from qavix_lab.widgets import RegionDrawer, VoiceBrowser",
        f"browser = VoiceBrowser({str(CATALOG)!r}); browser",
        f"drawer = RegionDrawer({str(SAMPLE)!r}, t=1.0); drawer",
    ]
    notebook = run_notebook_cells(page, cells, name="notebook7", notebook7=True)
    assert "/notebooks/notebook7.ipynb" in page.url
    table = page.locator(".qavix-voice-browser .qv-name").first
    table.wait_for()
    frame = page.locator("[data-testid=readout]").first
    frame.wait_for()
    page.locator("[data-testid=type-logo]").first.wait_for()
    assert notebook.run_cell("print(len(browser.matches))").strip() == "82"
    notebook.screenshot(page.locator(".qavix-voice-browser").first, "notebook7_voice_browser")
    page.screenshot(path=str(notebook.screenshot(frame, "notebook7_region_drawer").parent
                             / "notebook7_page.png"))
