"""TimelinePlayer in real JupyterLab and chromium: a click plays a sentence from its start, the
playhead follows playback, the keys walk the sentences, and the media came from the kernel."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "datasets" / "media" / "sample.mp4"
FPS = 24.0
CELLS = [
    "from qavix_lab.transcripts import Timeline, qa\n"
    "from qavix_lab.widgets import TimelinePlayer\n"
    "tl = Timeline.from_sentences([\n"
    "    {'start': 0.0, 'end': 1.6, 'text': 'One.', 'speaker': '1', 'translation': 'Uno.'},\n"
    "    {'start': 2.0, 'end': 3.1, 'text': 'Two.', 'speaker': '2', 'translation': 'Dos.'},\n"
    "    {'start': 3.5, 'end': 4.8, 'text': 'Three is far far too long to read in this little "
    "time, really.', 'speaker': '1',\n"
    "     'translation': 'Tres.'},\n"
    "    {'start': 5.25, 'end': 7.0, 'text': 'Four.', 'speaker': '2', 'translation': 'Cuatro.'},\n"
    "    {'start': 8.0, 'end': 9.5, 'text': 'Five.', 'speaker': '1', 'translation': 'Cinco.'},\n"
    "], lang='en')\n"
    "w = TimelinePlayer(tl, 'clip.mp4', qa=qa(tl, profile='en'))",
    "w",
]


@pytest.fixture(scope="module")
def clip(jupyter_lab):
    shutil.copy(SAMPLE, jupyter_lab.root / "clip.mp4")


def kernel_float(notebook, expression: str) -> float:
    return float(notebook.run_cell(f"print(float({expression}))").strip())


def wait_ready(page) -> None:
    page.wait_for_function(
        "() => { const b = document.querySelector('[data-testid=timeline-player]');"
        " const v = document.querySelector('[data-testid=media]');"
        " return b && b.dataset.ready === '1' && v && v.readyState >= 2; }", timeout=60_000)


@pytest.mark.parametrize("width", [700, 1400])
def test_clicking_sentence_3_plays_it_from_its_start_and_the_playhead_moves(
        lab_page, run_notebook_cells, clip, width):
    page = lab_page()
    page.set_viewport_size({"width": width, "height": 900})
    notebook = run_notebook_cells(page, CELLS, name=f"timeline_player_{width}")
    wait_ready(page)
    player = page.get_by_test_id("timeline-player")
    assert player.bounding_box()["width"] <= width  # fits a narrow output
    assert page.evaluate("document.querySelector('[data-testid=media]').src")\
        .startswith("blob:")  # streamed from the kernel, no path or URL on the page

    page.get_by_test_id("sentence-2").click()  # sentence 3 (row 2), 3.5 s to 4.8 s
    # the playhead's x at each animation frame until the sentence has played and stopped
    trace = page.evaluate("""() => new Promise((resolve) => {
      const v = document.querySelector('[data-testid=media]');
      const head = document.querySelector('[data-testid=playhead]');
      const seen = [];
      const poll = () => {
        seen.push([v.currentTime, head.getBoundingClientRect().x, v.paused]);
        if ((v.paused && v.currentTime > 4.5) || seen.length > 2000) resolve(seen);
        else requestAnimationFrame(poll);
      };
      requestAnimationFrame(poll);
    })""")
    playing = [(t, x) for t, x, paused in trace if not paused and 3.5 <= t < 4.8]
    assert len(playing) >= 3, trace[:5]
    assert playing[-1][1] > playing[0][1] + 5, (playing[0], playing[-1])  # it moved right
    stopped = trace[-1][0]
    assert 4.8 <= stopped < 5.25, stopped  # a clicked sentence plays to its end and stops

    notebook.run_cell_until("print(w.current_sentence)", "2")
    landed = kernel_float(notebook, "w.last_seek")
    assert abs(landed - 3.5) <= 1 / FPS, landed  # from its start, within a frame
    notebook.run_cell_until("print(w.current_time > 4.7, w.playing)", "True False")
    status = page.get_by_test_id("status").inner_text()
    assert "paused" in status and "sentence 3 of 5" in status
    notebook.screenshot(player, f"timeline_player_{width}")


def test_keys_walk_the_sentences_and_a_problem_row_plays_its_sentence(
        lab_page, run_notebook_cells, clip):
    page = lab_page()
    notebook = run_notebook_cells(page, CELLS, name="timeline_player_keys")
    wait_ready(page)
    page.get_by_test_id("sentence-0").click()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # sentence 4 (row 3), which starts at 5.25 s
    notebook.run_cell_until("print(w.current_sentence)", "3")
    assert abs(kernel_float(notebook, "w.last_seek") - 5.25) <= 1 / FPS
    page.keyboard.press(" ")
    page.wait_for_function("() => document.querySelector('[data-testid=media]').paused")
    notebook.run_cell_until("print(w.playing)", "False")

    page.get_by_test_id("problems").locator("[data-sentence='2']").first.click()
    notebook.run_cell_until("print(w.current_sentence)", "2")
    assert abs(kernel_float(notebook, "w.last_seek") - 3.5) <= 1 / FPS
