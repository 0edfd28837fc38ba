"""VoiceBrowser, TtsAB and TaskMonitor in a real JupyterLab and chromium, as a new user meets them.

Each test runs a notebook against a sandbox started in its kernel, acts in the page as a person
would (choose a filter, tick a voice, click Synthesize, vote) and checks what the kernel got.
Screenshots go to tests/.artifacts/ (the ones in docs/img/ are copies of them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


def sandbox_cell(tts_seconds: float = 1.0) -> str:
    """The first cell: a sandbox in the kernel, a client, and its English voices."""
    return ("import json\n"
            "from qavix_lab.client import Client\n"
            "from qavix_lab.sandbox import Sandbox\n"
            "from qavix_lab.tables import filter_voices\n"
            f"sandbox = Sandbox(tts_seconds={tts_seconds}).start()\n"
            "client = Client.for_sandbox(sandbox)\n"
            "english = client.voices.frame(lang='en', enabled_only=True)")


def kernel_json(notebook, expression: str):
    return json.loads(notebook.run_cell(f"print(json.dumps({expression}))"))


WIDTHS = [700, 1400]


def scroll_grid(page, fraction: float) -> None:
    """Scroll the grid's rows as a scroll bar drag would: 0 top, 1 bottom."""
    page.evaluate("""(fraction) => {
      const grid = document.querySelector('.qavix-voice-browser .qv-grid');
      const [rows] = [...grid.querySelectorAll('*')]
        .filter((e) => e.scrollHeight > e.clientHeight + 100
                && ['auto', 'scroll'].includes(getComputedStyle(e).overflowY))
        .sort((a, b) => b.scrollHeight - a.scrollHeight);
      rows.scrollTop = fraction * rows.scrollHeight;
    }""", fraction)


def shown_names(page) -> list[str]:
    """The names of the rows the grid shows, top to bottom (▶/■ marks stripped)."""
    return page.evaluate("""() => [...document.querySelectorAll(
        '.qavix-voice-browser .ag-row[row-index]')]
      .sort((a, b) => (+a.getAttribute('row-index')) - (+b.getAttribute('row-index')))
      .map((r) => r.querySelector('.qv-name')?.textContent.slice(2) ?? '')""")


def wait_for_generation(page, before: str) -> None:
    """Until the grid shows rows of a newer kernel answer than ``before``."""
    page.wait_for_function(
        "(b) => { const g = document.querySelector('.qavix-voice-browser .qv-grid');"
        " return g && g.dataset.shown !== undefined && g.dataset.shown !== b"
        " && g.dataset.shown === g.dataset.generation; }", arg=before)


def shown_generation(page) -> str:
    return page.evaluate("() => document.querySelector('.qavix-voice-browser .qv-grid')"
                         "?.dataset.shown ?? ''")


def header_fits(page, field: str) -> dict:
    """Whether a header's title and its sort arrow are whole and inside the header cell."""
    return page.evaluate("""(field) => {
      const cell = document.querySelector(`.qavix-voice-browser .qv-head-${field}`);
      const text = cell.querySelector('.ag-header-cell-text');
      const box = cell.getBoundingClientRect();
      const arrows = [...cell.querySelectorAll('.ag-sort-indicator-icon')]
        .filter((i) => !i.classList.contains('ag-hidden') && i.offsetWidth > 0);
      const inside = arrows.every((i) => { const r = i.getBoundingClientRect();
        return r.left >= box.left && r.right <= box.right; });
      return {title: text.textContent, whole: text.scrollWidth <= text.clientWidth,
              arrows: arrows.length, inside};
    }""", field)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_voice_browser_filters_ticks_and_plays_without_console_errors(
    lab_page, run_notebook_cells, width
):
    page = lab_page()
    page.set_viewport_size({"width": width, "height": 900})
    notebook = run_notebook_cells(page, [
        sandbox_cell(),
        "from qavix_lab.widgets.voice_browser import VoiceBrowser\n"
        "b = VoiceBrowser(client)\nb",
    ], name=f"voice_browser_{width}")
    page.locator(".qavix-voice-browser .qv-name").first.wait_for()
    expected = kernel_json(notebook, "b.matches['name'].tolist()")
    assert shown_names(page) == expected[:len(shown_names(page))]

    before = shown_generation(page)
    page.locator(".qv-filter-lang select").select_option(label="English (en)")
    wait_for_generation(page, before)
    english = kernel_json(notebook, "filter_voices(b.voices, lang='en')['name'].tolist()")
    assert shown_names(page) == english[:len(shown_names(page))]

    rows = page.locator(".qavix-voice-browser .ag-row")
    first_female = kernel_json(
        notebook, "filter_voices(b.voices, lang='en', gender='female')['name'].iloc[0]")
    male = kernel_json(notebook, "filter_voices(b.voices, lang='en', gender='male')"
                                 "['name'].iloc[0]")
    for name in (first_female, male):
        rows.filter(has_text=name).first.locator("input.qv-pick").check()
    page.wait_for_function("() => document.querySelector('.qv-status').innerText"
                           ".includes('2 selected')")
    assert kernel_json(notebook, "b.selected['name'].tolist()") == [first_female, male]

    # the male voice is filtered away: its tick no longer counts, in the page or the kernel
    before = shown_generation(page)
    page.locator(".qv-filter-gender select").select_option(label="Female")
    wait_for_generation(page, before)
    page.wait_for_function("() => document.querySelector('.qv-status').innerText"
                           ".includes('1 selected')")
    assert kernel_json(notebook, "b.selected['name'].tolist()") == [first_female]
    ticked = page.locator(".qavix-voice-browser .ag-row input.qv-pick:checked")
    assert ticked.count() == 1

    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: errors.append(f"{r.url}: {r.failure}"))
    rows.filter(has_text=first_female).first.locator("button.qv-name").click()
    page.wait_for_function("() => document.querySelector('.qv-message').innerText"
                           ".startsWith('▶')", timeout=30_000)
    audio = page.locator(".qavix-voice-browser audio.qv-player")
    assert audio.get_attribute("src").startswith("blob:")
    page.wait_for_function("() => document.querySelector('audio.qv-player').duration > 0.3")
    audio.evaluate("(a) => { a.currentTime = a.duration * 0.9; return a.play(); }")
    page.wait_for_timeout(1500)
    assert errors == []
    assert header_fits(page, "hot_count")["whole"]
    notebook.screenshot(page.locator(".qavix-voice-browser"), f"voice_browser_{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_voice_grid_scrolls_sorts_by_several_columns_and_resizes(
    lab_page, run_notebook_cells, width
):
    page = lab_page()
    page.set_viewport_size({"width": width, "height": 900})
    notebook = run_notebook_cells(page, [
        "import json\n"
        "from qavix_lab.sandbox.catalog import generate_catalog\n"
        "from qavix_lab.tables import voices_frame\n"
        "from qavix_lab.widgets.voice_browser import VoiceBrowser\n"
        "b = VoiceBrowser(voices_frame(generate_catalog(20_000)))\nb",
    ], name=f"voice_grid_{width}")
    page.locator(".qavix-voice-browser .qv-name").first.wait_for()
    assert len(page.locator(".qavix-voice-browser .ag-row").all()) < 100  # virtual rows

    head = page.locator(".qv-head-name")
    start = head.bounding_box()
    handle = head.locator(".ag-header-cell-resize").bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.wait_for_timeout(200)
    page.mouse.down()
    page.wait_for_timeout(100)
    for step in range(1, 11):  # a person's drag: the grid resizes frame by frame
        page.mouse.move(x + 8 * step, y)
        page.wait_for_timeout(30)
    page.mouse.up()
    page.wait_for_timeout(300)
    assert head.bounding_box()["width"] >= start["width"] + 60

    # scroll to the very last of 20,000 rows: the grid fetches that block from the kernel
    last = kernel_json(notebook, "b.matches['name'].iloc[-1]")
    scroll_grid(page, 1)
    page.wait_for_function("(n) => [...document.querySelectorAll('.qavix-voice-browser "
                           ".ag-row[row-index=\"19999\"] .qv-name')]"
                           ".some((e) => e.textContent.slice(2) === n)", arg=last)
    scroll_grid(page, 0)

    before = shown_generation(page)
    page.locator(".qv-head-hot_count .ag-header-cell-label").click()  # first click: most popular
    wait_for_generation(page, before)
    assert kernel_json(notebook, "b.sort") == "-hot_count"
    top = kernel_json(notebook, "b.matches['name'].head(5).tolist()")
    assert shown_names(page)[:5] == top
    assert kernel_json(notebook, "int(b.matches['hot_count'].iloc[0])") == kernel_json(
        notebook, "int(b.voices['hot_count'].max())")
    fits = header_fits(page, "hot_count")
    assert fits == {"title": "Popularity", "whole": True, "arrows": 1, "inside": True}

    before = shown_generation(page)
    page.keyboard.down("Shift")
    page.locator(".qv-head-age_range_str .ag-header-cell-label").click()
    page.keyboard.up("Shift")
    wait_for_generation(page, before)
    assert kernel_json(notebook, "b.sort") == ["-hot_count", "age_range_str"]
    assert header_fits(page, "age_range_str")["inside"]
    assert "sorted by Popularity ▼, Age ▲" in page.locator(".qv-status").inner_text()

    notebook.screenshot(page.locator(".qavix-voice-browser"), f"voice_grid_{width}")

    # the keyboard sorts as a click does: Enter on a header (shift adds a key)
    before = shown_generation(page)
    page.locator(".qv-head-name").focus()
    page.keyboard.press("Enter")
    wait_for_generation(page, before)
    assert kernel_json(notebook, "b.sort") == "name"
    assert page.locator(".qv-head-name").get_attribute("aria-sort") == "ascending"
    assert shown_names(page)[:5] == kernel_json(notebook, "b.matches['name'].head(5).tolist()")


def test_tts_ab_compares_two_voices_and_records_a_blind_vote(lab_page, run_notebook_cells):
    page = lab_page()
    notebook = run_notebook_cells(page, [
        sandbox_cell(),
        "from qavix_lab.widgets.tts_ab import TtsAB\n"
        "ab = TtsAB(client, english.iloc[:2], text='Welcome back! Shall we begin?', trials=5)\n"
        "ab",
    ], name="tts_ab")
    widget = page.locator(".qavix-tts-ab")
    widget.locator("button.qa-synthesize").click()
    page.wait_for_function("() => document.querySelectorAll('.qavix-tts-ab .widget-image')"
                           ".length === 1 && document.querySelector('.qavix-tts-ab img')"
                           "?.naturalWidth > 0", timeout=90_000)
    labels = kernel_json(notebook, "ab.labels")
    assert kernel_json(notebook, "ab.metrics.index.tolist()") == labels
    players = widget.locator(".widget-tab-contents audio:visible")
    assert players.count() == 2
    assert all(name in widget.locator("table").first.inner_text() for name in labels)
    assert "2 clips ready" in widget.locator(".qa-status").inner_text()
    page.set_viewport_size({"width": 1100, "height": 2000})  # the whole widget in one picture
    notebook.screenshot(widget, "tts_ab")

    widget.locator(".lm-TabBar-tab", has_text="Blind test").click()
    widget.locator("button.qa-start").click()
    blind = widget.locator(".qa-blind")
    page.wait_for_function("() => document.querySelector('.qa-trial').innerText"
                           ".includes('Trial 1 of 5')")
    shown = blind.evaluate("(e) => e.outerHTML")
    voice_ids = kernel_json(notebook, "ab.voice_ids")
    assert not [s for s in labels + voice_ids if s in shown]
    assert blind.locator("audio").count() == 2

    current = kernel_json(notebook, "ab.blind.current()")
    blind.locator("button.qa-vote-A").click()
    page.wait_for_function("() => document.querySelector('.qa-trial').innerText"
                           ".includes('Trial 2 of 5')")
    vote = kernel_json(notebook, "ab.blind.results().astype(str).to_dict('records')")
    assert [(v["trial"], v["choice"], v["chosen"]) for v in vote] == [("1", "A", current["A"])]
    assert not [s for s in labels + voice_ids if s in blind.evaluate("(e) => e.outerHTML")]
    notebook.screenshot(widget, "tts_ab_blind")

    for trial, slot in zip(range(2, 6), "BAAB", strict=True):
        page.wait_for_function(f"() => document.querySelector('.qa-trial').innerText"
                               f".includes('Trial {trial} of 5')")
        blind.locator(f"button.qa-vote-{slot}").click()
    reveal = blind.locator(".qa-reveal")
    page.wait_for_function("() => document.querySelector('.qa-reveal').innerText.length > 0")
    verdict = kernel_json(notebook, "ab.blind.summary().verdict")
    assert verdict in reveal.inner_text()
    assert kernel_json(notebook, "ab.blind.results()['choice'].tolist()") == list("ABAAB")
    assert all(label in reveal.inner_text() for label in labels)  # revealed only now
    notebook.screenshot(widget, "tts_ab_revealed")


def test_the_task_monitor_shows_tasks_running_and_ending(lab_page, run_notebook_cells):
    page = lab_page()
    notebook = run_notebook_cells(page, [
        sandbox_cell(tts_seconds=4.0),
        "from qavix_lab.widgets.task_monitor import TaskMonitor\n"
        "texts = ['Good morning!', 'This is the evening news.', 'Broken on purpose [[fail]]']\n"
        "tasks = [client.tts.create(t, v) for t, v in zip(texts, english.voice_id)]\n"
        "m = TaskMonitor(tasks, interval=0.5)\nm",
    ], name="task_monitor")
    monitor = page.locator(".qavix-task-monitor")
    monitor.wait_for()
    page.wait_for_function("() => document.querySelector('.qavix-task-monitor')"
                           ".innerText.includes('left')")  # an estimate, once progress shows
    assert kernel_json(notebook, "m.done") is False  # the kernel answers while tasks run
    notebook.screenshot(monitor, "task_monitor_running")
    page.wait_for_function("() => document.querySelector('.qavix-task-monitor')"
                           ".innerText.includes('All 3 tasks ended')", timeout=60_000)
    statuses = kernel_json(notebook, "m.results['status'].astype(str).tolist()")
    assert statuses == ["completed", "completed", "failed"]
    text = monitor.inner_text()
    assert text.count("completed in") == 2 and "failed after" in text
    links = monitor.locator("a", has_text="output")
    assert links.count() == 2
    urls = kernel_json(notebook, "m.results['output_url'].dropna().tolist()")
    assert [links.nth(i).get_attribute("href") for i in range(2)] == urls
    assert monitor.locator(".progress-bar-success").count() == 2
    assert monitor.locator(".progress-bar-danger").count() == 1
    notebook.screenshot(monitor, "task_monitor")
