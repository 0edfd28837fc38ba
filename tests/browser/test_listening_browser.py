"""A listening test as raters meet it: the exported page in a real chromium, offline, answered
with the keyboard, its results file merged back and analysed; and the notebook widget.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from listening_support import SYSTEMS, TEXTS, make_clips

from qavix_lab.audio.listening import ListeningTest

pytestmark = pytest.mark.browser
TESTS = Path(__file__).resolve().parents[1]  # listening_support, for the kernel too

DURATIONS = """async () => {
  const data = JSON.parse(document.getElementById("qavix-test").textContent);
  const duration = (url) => new Promise((done, fail) => {
    const a = new Audio();
    a.preload = "metadata";
    a.onloadedmetadata = () => done(a.duration);
    a.onerror = () => fail(new Error("cannot decode"));
    a.src = url;
  });
  const spreads = [];
  for (const t of data.trials) {
    const d = await Promise.all(t.stimuli.map((s) => duration(data.stimuli[s])));
    spreads.push(Math.max(...d) - Math.min(...d));
  }
  return spreads;
}"""


@pytest.fixture(scope="module")
def cmos(tmp_path_factory):
    clips = make_clips(tmp_path_factory.mktemp("clips"), TEXTS[:2])
    return ListeningTest(clips, TEXTS[:2], "cmos", seed=4,
                         folder=tmp_path_factory.mktemp("stimuli"))


def test_a_rater_answers_the_exported_page_offline_and_the_results_merge_back(
        cmos, lab_page, tmp_path):
    page_file = cmos.export_html(tmp_path / "listening.html", title="Which voice?")
    page = lab_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_file.as_uri())
    assert not any(name in page.content() for name in SYSTEMS)

    spreads = page.evaluate(DURATIONS)  # what chromium itself reports for each trial's clips
    assert len(spreads) == len(cmos.trials) and max(spreads) < 0.010

    page.fill("#ql-rater", "Rae")
    page.keyboard.press("Enter")
    total = len(cmos.trials)
    for n in range(1, total + 1):
        page.wait_for_selector(f".ql-progress:text('Trial {n} of {total}')")
        assert page.locator(".ql-next").is_disabled()
        page.keyboard.press("1")  # play A
        page.wait_for_function("() => document.querySelector('.ql-play').classList"
                               ".contains('ql-heard')")
        page.keyboard.press("2")  # play B (A stops)
        for _ in range(n % 3 + 1):
            page.keyboard.press("ArrowRight")  # +1, +2 or +3: B better
        page.keyboard.press("Enter")
    page.wait_for_selector(".ql-done")
    with page.expect_download() as download:
        page.click(".ql-download")
    saved = download.value.save_as(tmp_path / "rae.json") or tmp_path / "rae.json"
    pasted = page.input_value(".ql-results")
    assert json.loads(pasted) == json.loads((tmp_path / "rae.json").read_text())
    page.screenshot(path=str(tmp_path / "done.png"))

    assert cmos.add_results([saved]) == ["Rae"]
    answers = cmos.answers
    assert len(answers) == total and set(answers["answer"]) <= {1, 2, 3}
    assert answers["response_s"].gt(0).all()
    result = cmos.analyze(exclude_flagged=False, boot=100)
    assert result.verdict.startswith("1 raters, 2 items")
    assert len(result.pairs) == 3
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
    assert errors == []


def test_raters_take_turns_in_the_notebook_widget_with_the_keyboard(lab_page,
                                                                    run_notebook_cells):
    page = lab_page()
    notebook = run_notebook_cells(page, [
        f"import sys; sys.path.insert(0, {str(TESTS)!r})\n"
        "from pathlib import Path\n"
        "from listening_support import make_clips, TEXTS\n"
        "from qavix_lab.audio.listening import ListeningTest\n"
        "from qavix_lab.widgets import ListeningWidget\n"
        "Path('clips').mkdir(exist_ok=True)\n"
        "test = ListeningTest(make_clips(Path('clips'), TEXTS[:1]), TEXTS[:1], 'ab', seed=2,"
        " gold=1, duplicates=1)\n"
        "w = ListeningWidget(test); w",
    ], name="listening_widget")
    widget = page.locator(".qavix-listening")
    total = int(notebook.run_cell("print(len(test.trials))").strip())
    for rater, key in (("ann", "ArrowLeft"), ("ben", "ArrowDown")):
        widget.locator(".ql-rater").fill(rater)
        widget.locator(".ql-start").click()
        for n in range(1, total + 1):
            widget.locator(f".ql-progress:text('Trial {n} of {total}')").wait_for()
            shown = widget.evaluate("(e) => e.outerHTML")
            assert not any(name in shown for name in SYSTEMS)
            widget.locator(".ql-trial").focus()
            page.keyboard.press("1")
            page.keyboard.press(key)
            page.keyboard.press("Enter")
        widget.locator(f".ql-message:text('Thank you, {rater}')").wait_for()
    notebook.screenshot(widget, "listening_widget")
    counts = notebook.run_cell("print(test.answers.groupby('rater')['answer'].agg(list)"
                               ".to_dict())")
    assert counts.strip() == repr({"ann": ["A"] * total, "ben": ["="] * total})
