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


def visible_names(page) -> list[str]:
    return [n.strip() for n in page.locator(".qv-table button.qv-cell:visible").all_inner_texts()]


def test_filtering_the_voice_browser_changes_the_table_and_ticks_reach_python(
    lab_page, run_notebook_cells
):
    page = lab_page()
    notebook = run_notebook_cells(page, [
        sandbox_cell(),
        "from qavix_lab.widgets.voice_browser import VoiceBrowser\n"
        "b = VoiceBrowser(client)\nb",
    ], name="voice_browser")
    status = page.locator(".qavix-voice-browser .qv-status")
    status.wait_for()
    assert visible_names(page) == kernel_json(notebook, "b.page_voices['name'].tolist()")
    assert len(visible_names(page)) == 15
    before = status.inner_text()

    page.locator(".qv-filter-lang select").select_option(label="English (en)")
    page.locator(".qv-filter-gender select").select_option(label="Female")
    page.wait_for_function(
        "(before) => document.querySelector('.qv-status').innerText !== before", arg=before)
    page.wait_for_function("() => document.querySelector('.qv-status').innerText"
                           ".includes('page 1 of 1')")
    expected = kernel_json(
        notebook, "filter_voices(b.voices, lang='en', gender='female')['name'].tolist()")
    page.wait_for_function(
        "(n) => [...document.querySelectorAll('.qv-table button.qv-cell')]"
        ".filter((e) => e.offsetParent !== null).length === n", arg=len(expected))
    assert visible_names(page) == expected
    assert kernel_json(notebook, "b.filters") == {"lang": "en", "gender": 2}

    page.locator(".qv-table .widget-checkbox:visible input").nth(1).check()
    page.wait_for_function("() => document.querySelector('.qv-status').innerText"
                           ".includes('1 selected')")
    assert kernel_json(notebook, "b.selected['name'].tolist()") == [expected[1]]

    page.locator(".qv-table button.qv-cell:visible").first.click()
    page.wait_for_function("() => document.querySelector('.qv-message').innerText"
                           ".startsWith('▶')", timeout=30_000)
    audio = page.locator(".qavix-voice-browser audio")
    assert audio.get_attribute("src").startswith("blob:")
    assert not audio.evaluate("(a) => a.loop")
    notebook.screenshot(page.locator(".qavix-voice-browser"), "voice_browser")


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
