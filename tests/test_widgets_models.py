"""The widgets' models and the widgets themselves, driven from Python without a front end.

TaskBoard on scripted task handles and a fake clock; TaskMonitor, VoiceBrowser and TtsAB on the
sandbox over HTTP and on the saved catalog, offline.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from support import FakeClock, make_client

from qavix_lab.audio import Audio, load, loudness
from qavix_lab.client.monitoring import MIN_INTERVAL, TaskBoard, eta_seconds
from qavix_lab.errors import NotFound, TransportError, ValidationError
from qavix_lab.spec.models import VideoTask
from qavix_lab.tables import filter_voices, load_catalog
from qavix_lab.widgets.task_monitor import TaskMonitor
from qavix_lab.widgets.tts_ab import TtsAB
from qavix_lab.widgets.voice_browser import ROW_FIELDS, VoiceBrowser

CATALOG = Path(__file__).resolve().parents[1] / "datasets" / "voices" / "catalog.json"


# --- helpers ----------------------------------------------------------------------------------
class ScriptedTask:
    """A video task handle whose refreshes answer from a script (states or exceptions)."""

    kind = "video"

    def __init__(self, task_id: str, script: list, clock: FakeClock) -> None:
        self.id, self.label, self.created = task_id, f"video {task_id}", clock.now
        self._script = list(script)

    def refresh(self):
        step = self._script.pop(0) if len(self._script) > 1 else self._script[0]
        if isinstance(step, Exception):
            raise step
        return step


def state(status: int, process: int = 0, url: str | None = None, **extra) -> VideoTask:
    return VideoTask.from_json({"taskId": "1", "status": status, "process": process,
                                "destFileTmpUrl": url, **extra})


def synced_text(widget) -> str:
    """Everything a widget tree sends to the browser, as text (bytes decoded as latin-1)."""
    parts = [json.dumps(widget.get_state(), default=lambda b: bytes(b).decode("latin-1"))]
    for child in getattr(widget, "children", ()):
        parts.append(synced_text(child))
    return "\n".join(parts)


def tone(name: str, hz: float, level: float, seconds: float = 1.2, rate: int = 16000) -> Audio:
    t = np.arange(int(seconds * rate)) / rate
    envelope = np.minimum(1, np.minimum(t, seconds - t) * 10)
    return Audio(level * envelope * np.sin(2 * np.pi * hz * t), rate, name=name)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(CATALOG)


@pytest.fixture
def english(client):
    voices = client.voices.frame(lang="en", enabled_only=True)
    return voices.iloc[:2]


# --- TaskBoard --------------------------------------------------------------------------------
def test_rows_show_status_progress_elapsed_and_an_estimate_from_the_rate():
    clock = FakeClock()
    task = ScriptedTask("11", [state(0, 20), state(0, 60), state(1, 100, "https://cdn/out.mp4")],
                        clock)
    board = TaskBoard([task], clock=clock)
    (pending,) = board.rows
    assert (pending.status, pending.process, pending.ended) == ("pending", 0, False)

    clock.now += 4
    (row,) = board.poll()
    assert (row.status, row.process, row.elapsed_s) == ("processing", 20, 4.0)
    assert row.eta_s == pytest.approx(16.0)  # 20% in 4 s: 80% more takes 16 s

    clock.now += 2  # 40 points in 2 s: the measured rate, not the average since the start
    (row,) = board.poll()
    assert row.eta_s == pytest.approx(2.0)

    clock.now += 3
    (row,) = board.poll()
    assert (row.status, row.process, row.ended) == ("completed", 100, True)
    assert row.output_url == "https://cdn/out.mp4" and row.eta_s is None
    clock.now += 50
    assert board.rows[0].elapsed_s == 9.0  # elapsed stops when the task ends
    assert board.done


def test_the_results_frame_has_honest_dtypes():
    clock = FakeClock()
    board = TaskBoard([ScriptedTask("11", [state(1, 100, "https://cdn/a.mp4")], clock),
                       ScriptedTask("12", [state(0, 50)], clock)], clock=clock)
    clock.now += 1
    board.poll()
    frame = board.frame()
    assert frame["task_id"].tolist() == ["11", "12"]
    assert str(frame["task_id"].dtype) == "str" and str(frame["progress"].dtype) == "Int64"
    assert frame["status"].tolist() == ["completed", "processing"]
    assert frame["status"].dtype == "category"
    assert frame["eta_s"].dtype == "float64" and np.isnan(frame["eta_s"].iloc[0])
    assert frame["output_url"].iloc[0] == "https://cdn/a.mp4" and frame["output_url"].isna()[1]
    assert frame["ended"].tolist() == [True, False]


def test_polling_errors_show_in_the_row_and_three_in_a_row_give_up():
    clock = FakeClock()
    flaky = ScriptedTask("21", [TransportError("connection reset"), state(0, 10),
                                TransportError("reset 1"), TransportError("reset 2"),
                                NotFound("no task 21")], clock)
    board = TaskBoard([flaky], clock=clock)
    (row,) = board.poll()
    assert row.status == "pending" and "connection reset" in row.error and not row.ended
    (row,) = board.poll()
    assert row.status == "processing" and row.error is None  # a success clears the error
    board.poll()
    board.poll()
    (row,) = board.poll()
    assert (row.status, row.ended) == ("error", True) and "no task 21" in row.error


def test_a_bug_in_a_handle_stays_in_its_row():
    clock = FakeClock()
    broken = ScriptedTask("31", [KeyError("status")], clock)
    board = TaskBoard([broken, ScriptedTask("32", [state(1, 100)], clock)], clock=clock)
    rows = board.poll()
    assert "status" in rows[0].error and rows[1].status == "completed"


@pytest.mark.parametrize(("status", "name", "error"), [
    (2, "failed", "encoder crashed"), (3, "editing", None), (10, "violation", None),
    (-1, "deleted", None), (7, "unknown(7)", "status 7 is unknown to qavix_lab"),
])
def test_every_final_status_ends_the_row(status, name, error):
    clock = FakeClock()
    extra = {"errorMessage": "encoder crashed"} if status == 2 else {}
    board = TaskBoard([ScriptedTask("41", [state(status, 40, **extra)], clock)], clock=clock)
    (row,) = board.poll()
    assert (row.status, row.ended, row.error) == (name, True, error)
    assert board.done


def test_eta_needs_progress_and_a_rate():
    assert eta_seconds(10.0, 25) == pytest.approx(30.0)
    assert eta_seconds(10.0, 50, since=(6.0, 10)) == pytest.approx(5.0)
    assert eta_seconds(10.0, 50, since=(10.0, 50)) == pytest.approx(10.0)  # no move: average
    assert eta_seconds(10.0, 0) is None and eta_seconds(10.0, None) is None
    assert eta_seconds(10.0, 100) is None and eta_seconds(0.0, 30) is None


def test_the_board_refuses_what_is_not_a_task_handle():
    with pytest.raises(ValidationError, match="task handle"):
        TaskBoard(["8200000000000000001"])
    with pytest.raises(ValidationError, match="task handles"):
        TaskBoard("8200000000000000001")
    with pytest.raises(ValidationError, match="interval"):
        TaskBoard([], interval=0)


def test_the_watcher_updates_at_most_twice_a_second_and_stops_when_asked():
    clock = FakeClock()
    board = TaskBoard([ScriptedTask("51", [state(0, 5)], clock)], interval=0.05, clock=clock)
    assert board.interval == MIN_INTERVAL
    stamps, three = [], threading.Event()

    def on_update(rows):
        stamps.append(time.monotonic())
        if len(stamps) == 3:
            three.set()
        raise RuntimeError("a broken view")  # must not stop the polling

    board.watch(on_update)
    assert three.wait(10)
    board.stop()
    assert board.wait(5) and not board.watching
    assert min(np.diff(stamps)) >= MIN_INTERVAL - 0.01


def test_the_watcher_stops_by_itself_and_restarts_for_a_new_task():
    clock = FakeClock()
    board = TaskBoard([ScriptedTask("61", [state(1, 100)], clock)], interval=0.5, clock=clock)
    board.watch()
    assert board.wait(5) and board.done and not board.watching
    board.add(ScriptedTask("62", [state(0, 10), state(1, 100)], clock))
    assert not board.done
    board.watch()
    assert board.wait(5)
    assert [r.status for r in board.rows] == ["completed", "completed"]


# --- TaskMonitor ------------------------------------------------------------------------------
def test_the_monitor_watches_real_tts_tasks_to_the_end_without_blocking(client, english):
    tasks = [client.tts.create("Monitor me, please.", english.iloc[0]),
             client.tts.create("This one fails [[fail]].", english.iloc[1])]
    monitor = TaskMonitor(tasks, interval=0.5)
    assert monitor.board.watching  # the constructor returned while the tasks run
    assert monitor.wait(30)
    results = monitor.results
    assert results["task_id"].tolist() == [t.id for t in tasks]
    assert results["status"].tolist() == ["completed", "failed"]
    assert results["kind"].tolist() == ["tts", "tts"]
    completed, failed = monitor._lines
    assert completed.bar.value == 100 and completed.bar.bar_style == "success"
    assert "output" in completed.link.value and results["output_url"][0] in completed.link.value
    assert failed.bar.bar_style == "danger" and failed.link.value == ""
    assert "failed after" in failed.status.value
    assert "All 2 tasks ended" in monitor._summary.value


def test_a_stopped_monitor_keeps_its_rows_and_says_so():
    clock = FakeClock()
    monitor = TaskMonitor([ScriptedTask("71", [state(0, 30)], clock)], interval=0.5)
    monitor.stop()
    assert not monitor.board.watching
    assert "polling stopped" in monitor._summary.value
    assert monitor._stop_button.disabled
    assert monitor.results["status"].tolist() == ["processing"]


def test_results_show_what_task_wait_saw_before_the_next_poll():
    """Notebook 05: ``task.wait()`` returns COMPLETED, then ``monitor.results`` at once."""
    clock = FakeClock()
    task = ScriptedTask("72", [state(0, 41)], clock)
    task.last = None
    monitor = TaskMonitor([task], interval=3600)  # its next poll is an hour away
    deadline = time.monotonic() + 5
    while monitor.results["progress"][0] != 41 and time.monotonic() < deadline:
        time.sleep(0.01)
    task.last = state(1, 100, "http://127.0.0.1:9/out.mp3")  # what wait() leaves on the handle
    results = monitor.results
    assert results["status"].tolist() == ["completed"]
    assert results["progress"].tolist() == [100]
    assert results["output_url"].tolist() == ["http://127.0.0.1:9/out.mp3"]
    assert monitor.done
    assert "completed in" in monitor._lines[0].status.value
    monitor.stop()


def test_the_static_view_is_the_monitors_table(client, english):
    tasks = [client.tts.create("Static view, please.", english.iloc[0]),
             client.tts.create("This one fails [[fail]].", english.iloc[1])]
    monitor = TaskMonitor(tasks, interval=0.5)
    assert monitor.wait(30)
    bundle = monitor._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    page = bundle["text/html"]
    assert "All 2 tasks ended" in page and page.count("<tr>") == 3
    assert "completed in" in page and "failed after" in page
    assert all(t.id in page for t in tasks)



def test_the_monitor_shows_a_ledger_from_an_earlier_kernel(sandbox, english, tmp_path):
    """Issue 11: a batch the kernel died in, shown again: what was saved, never sent, lost."""
    from qavix_lab.client.ledger import Ledger

    book = Ledger(tmp_path / "ledger")
    voice = english.iloc[0]
    with make_client(sandbox, ledger=book) as earlier:
        earlier.tts.batch(["Saved before the crash."], voice, out_dir=tmp_path / "out")
    book.plan("tts.create", {"text": "never sent"}, label="never sent")
    lost = book.plan("tts.create", {"text": "lost"}, label="lost answer")
    book.claim(lost.job_key)
    book.unknown(lost.job_key, "ReadError after sending")
    monitor = TaskMonitor(ledger=book.path)  # a new kernel: only the ledger's path
    assert monitor.wait(5) and monitor.done
    saved, planned, unknown = monitor._lines
    assert "saved to " in saved.status.value and ".mp3" in saved.status.value
    assert saved.bar.value == 100 and saved.bar.bar_style == "success"
    assert planned.status.value == "planned, not sent yet" and planned.bar.value == 0
    assert unknown.bar.bar_style == "warning"
    assert "unknown: the create may have reached the service and been charged" in (
        unknown.status.value)
    assert "lost answer" in unknown.name.value
    page = monitor.to_html()
    assert page.count("<tr>") == 4 and "never sent" in page and "saved to" in page
    assert monitor.results["status"].tolist() == ["verified", "planned", "unknown"]
    book.close()

# --- VoiceBrowser -----------------------------------------------------------------------------
class GridPage:
    """What the grid's JavaScript sees: the messages the browser sends it, and its requests."""

    def __init__(self, browser: VoiceBrowser) -> None:
        self.browser, self.sent = browser, []
        browser.grid.send = lambda content, buffers=None: self.sent.append((content, buffers))

    def ask(self, **content) -> dict | None:
        self.browser._on_grid_message(self.browser.grid, content, [])
        return self.sent[-1][0] if self.sent else None

    def names(self, start: int = 0, end: int = 100) -> list[str]:
        answer = self.ask(kind="rows", start=start, end=end, request=1)
        return [row[ROW_FIELDS.index("name")] for row in answer["rows"]]


def test_the_grid_gets_every_match_a_block_at_a_time_most_popular_first(catalog):
    browser = VoiceBrowser(catalog)
    page = GridPage(browser)
    reset = page.ask(kind="ready")
    expected = filter_voices(catalog)
    assert reset["kind"] == "reset" and reset["count"] == len(catalog)
    assert [r[ROW_FIELDS.index("name")] for r in reset["rows"]] == expected["name"].tolist()
    assert page.names(40, 60) == expected["name"].tolist()[40:60]
    assert page.names(80, 180) == expected["name"].tolist()[80:]
    assert f"{len(catalog)} of {len(catalog)} voices · most popular first" in \
        browser._status.value


def test_filter_controls_change_the_table_like_filter_voices(catalog):
    browser = VoiceBrowser(catalog)
    page = GridPage(browser)
    assert all(box.label == "any" for box in browser._filters.values())  # not an empty menu
    browser._filters["lang"].value = "en"
    browser._filters["gender"].value = 2
    assert browser.filters == {"lang": "en", "gender": 2}
    expected = filter_voices(catalog, lang="en", gender=2)
    reset = page.sent[-1][0]
    assert reset["kind"] == "reset" and reset["count"] == len(expected)
    assert page.names() == expected["name"].tolist()
    assert f"{len(expected)} of {len(catalog)} voices" in browser._status.value

    browser._text.value = expected["name"].iloc[0][:4].lower()
    assert browser.filters["text"] == expected["name"].iloc[0][:4].lower()
    assert page.names() == filter_voices(catalog, lang="en", gender=2,
                                         text=browser.filters["text"])["name"].tolist()
    browser.filter(lang=None, gender=None, text=None, emotion="calm", category="Audiobook")
    assert browser.filters == {"emotion": 1, "category": 2}
    assert browser._filters["lang"].label == "any"
    assert page.names() == filter_voices(catalog, emotion=1, category=2)["name"].tolist()
    stale = page.ask(kind="rows", start=0, end=10, request=7)
    # every change is a new generation: the grid drops answers of an older one
    assert stale["generation"] == page.sent[-2][0]["generation"] > reset["generation"]


def test_popularity_sorts_most_popular_first_on_the_first_click(catalog):
    browser = VoiceBrowser(catalog)
    page = GridPage(browser)
    browser.sort_by("hot_count")
    assert browser.sort == "-hot_count"
    hot = browser.matches["hot_count"].tolist()
    assert hot == sorted(hot, reverse=True)
    assert "sorted by Popularity ▼" in browser._status.value
    browser.sort_by("hot_count")
    assert browser.sort == "hot_count"
    browser.sort_by("hot_count")
    assert browser.sort == "popularity"  # the third click clears the sort
    browser.sort_by("name")
    assert browser.sort == "name"  # text columns start ascending
    assert page.names() == sorted(page.names())


def test_a_shift_click_adds_a_sort_key_as_the_grid_reports_it(catalog):
    browser = VoiceBrowser(catalog)
    page = GridPage(browser)
    # what the grid's onSortChanged sends after a click and a shift-click
    browser.grid.sort = [{"column": "age_range_str", "descending": False},
                         {"column": "hot_count", "descending": True}]
    assert browser.sort == ["age_range_str", "-hot_count"]
    expected = filter_voices(catalog, sort=["age_range_str", "-hot_count"])
    assert page.names() == expected["name"].tolist()
    assert browser.matches["age_range_str"].iloc[0] == "Child"  # code order, not A-Z
    browser.sort_by("name", add=True)
    assert browser.sort == ["age_range_str", "-hot_count", "name"]
    with pytest.raises(ValidationError, match="cannot sort by 'category_str_list'"):
        browser.sort_by("category_str_list")


def test_header_sorts_order_rows_as_filter_voices_with_missing_values_last(catalog):
    voices = catalog.copy()
    voices.loc[voices.index[::7], "hot_count"] = None
    voices.loc[voices.index[::5], "age_range_str"] = None
    voices.loc[voices.index[::3], "name"] = voices["name"].iloc[0]  # ties: catalog order
    browser = VoiceBrowser(voices)
    page = GridPage(browser)
    for keys in (["-hot_count"], ["hot_count"], ["age_range_str", "-hot_count"],
                 ["-age_range_str", "name"], ["-name", "lang_name"], ["emotion_str"]):
        browser.grid.sort = [{"column": k.lstrip("-"), "descending": k.startswith("-")}
                             for k in keys]
        for filters in ({}, {"lang": "en"}):
            browser.filter(lang=filters.get("lang"))
            expected = filter_voices(voices, **filters, sort=keys)
            assert browser.matches["voice_id"].tolist() == expected["voice_id"].tolist()
            assert page.names() == expected["name"].tolist()[:100]
    assert browser.matches["hot_count"].isna().any()  # the missing values were there


def test_ticks_of_voices_filtered_away_do_not_count(catalog):
    browser = VoiceBrowser(catalog)
    browser.filter(lang="fr")
    french = browser.matches["voice_id"].tolist()
    browser.grid.selected = [french[1], french[0]]  # two ticks in the page
    assert browser.selected["voice_id"].tolist() == [french[1], french[0]]
    assert browser.selected.dtypes.equals(catalog.dtypes)
    assert "2 selected" in browser._status.value
    keep = browser.voices.set_index("voice_id").loc[french[0], "gender"]
    browser.filter(gender=int(keep))  # french[1] has the other gender: filtered away
    assert browser.selected["voice_id"].tolist() == [french[0]]
    assert browser.grid.selected == [french[0]]
    assert "1 selected" in browser._status.value
    browser.filter(lang="de", gender=None)
    assert browser.selected.empty and "0 selected" in browser._status.value
    with pytest.raises(ValidationError, match="not in this catalog"):
        browser.select(["123"])
    with pytest.raises(ValidationError, match="filtered away"):
        browser.select([french[0]])
    browser.select(browser.matches.head(2))
    assert browser.selected["voice_id"].tolist() == browser.matches["voice_id"].tolist()[:2]


def test_an_offline_catalog_says_why_an_audition_cannot_play(catalog):
    browser = VoiceBrowser(catalog, audition_timeout=3)
    page = GridPage(browser)
    voice = browser.matches["voice_id"].iloc[0]
    page.ask(kind="play", voice_id=voice)  # a click on the name
    browser._fetcher.submit(lambda: None).result(10)  # the fetch ran before this
    assert "No audition for" in browser._message.value
    assert "cannot fetch" in browser._message.value
    assert browser.grid.playing == voice
    assert not [m for m, _ in page.sent if m["kind"] == "audio"]


def test_a_clients_catalog_plays_its_auditions_as_typed_bytes_and_holds_no_key(client, sandbox):
    browser = VoiceBrowser(client)
    page = GridPage(browser)
    voice = browser.matches.iloc[0]
    browser.play(voice).result(30)
    ((message, buffers),) = [(m, b) for m, b in page.sent if m["kind"] == "audio"]
    assert message == {"kind": "audio", "voice_id": voice["voice_id"], "mime": "audio/mpeg"}
    assert load(bytes(buffers[0])).duration > 0.3
    assert f"<b>{voice['name']}</b>" in browser._message.value
    assert sandbox.api_key not in synced_text(browser)


def test_the_static_view_is_the_first_rows_as_an_html_table(catalog):
    browser = VoiceBrowser(catalog)
    browser.filter(lang="en")
    browser.select(browser.matches.head(1))
    bundle = browser._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    page = bundle["text/html"]
    names = browser.matches["name"].tolist()
    assert page.count("<tr>") == 1 + min(len(names), 20) and all(n in page for n in names[:20])
    assert f"{len(names)} of {len(catalog)} voices" in page and "1 selected" in page
    assert page.count("✓") == 1 and "<th>Popularity</th>" in page


def test_bad_sources_and_filters_are_refused(catalog):
    with pytest.raises(ValidationError, match="VoiceBrowser shows"):
        VoiceBrowser(42)
    with pytest.raises(ValidationError, match="voice_id"):
        VoiceBrowser(catalog.drop(columns="voice_id"))
    with pytest.raises(ValidationError, match="height"):
        VoiceBrowser(catalog, height=10)
    browser = VoiceBrowser(catalog)
    with pytest.raises(ValidationError, match="no lang 'klingon'"):
        browser.filter(lang="klingon")
    with pytest.raises(ValidationError, match="no filter"):
        browser.filter(colour="red")


# --- TtsAB ------------------------------------------------------------------------------------
PAIR = [{"voice_id": "7300000000000000101", "name": "alice"},
        {"voice_id": "7300000000000000202", "name": "bob"}]


@pytest.fixture
def offline_ab():
    ab = TtsAB(None, PAIR, trials=4, seed=5)
    ab.use_clips([tone("alice", 180, 0.5), tone("bob", 120, 0.1)], text="la la la")
    return ab


def test_synthesis_runs_in_the_background_then_shows_clips_metrics_and_plot(client, english,
                                                                             sandbox):
    ab = TtsAB(client, english, text="Compare these two voices.")
    future = ab.synthesize()
    assert not future.done() and ab._go.disabled  # the call returned while the tasks run
    future.result(60)
    assert ab.labels == english["name"].tolist()
    assert [c.name for c in ab.clips] == ab.labels
    assert ab.metrics.index.tolist() == ab.labels
    assert ab.metrics["duration_s"].gt(0.3).all()
    assert ab.monitor.results["status"].tolist() == ["completed", "completed"]
    assert len(ab._players.children) == 2 and ab._plot.value[:4] == b"\x89PNG"
    assert not ab._start.disabled and not ab._go.disabled
    assert sandbox.api_key not in synced_text(ab)


def test_failed_synthesis_says_so_instead_of_comparing(client, english):
    ab = TtsAB(client, english, text="Nothing comes of this [[fail]]")
    ab.synthesize().result(60)
    assert "Only 0 of 2 voices produced speech" in ab._status.value
    assert ab.clips == [] and ab._start.disabled


def test_loudness_matching_changes_what_the_players_play(offline_ab):
    def levels(players):
        return [loudness(load(bytes(p.value))) for p in players]

    compare_players = [box.children[1] for box in offline_ab._players.children]
    assert abs(levels(compare_players)[0] - levels(compare_players)[1]) > 6
    offline_ab.start_blind()
    offline_ab.match_loudness = True
    assert [box.children[1] for box in offline_ab._players.children] == compare_players
    assert levels(compare_players) == pytest.approx([offline_ab.target_lufs] * 2, abs=0.5)
    blind_players = offline_ab._slot_players.values()
    assert levels(blind_players) == pytest.approx([offline_ab.target_lufs] * 2, abs=0.5)
    assert offline_ab.blind.number == 1  # the trial goes on with the matched clips


def test_the_blind_panel_sends_only_a_and_b_until_the_reveal(offline_ab):
    secrets = ["alice", "bob", *(v["voice_id"] for v in PAIR)]
    offline_ab._start.click()
    shown = synced_text(offline_ab.blind_panel)
    assert "A is better" in shown and "Trial 1 of 4" in shown
    assert not [s for s in secrets if s in shown]
    order = offline_ab.blind.current()
    played = bytes(offline_ab._slot_players["A"].value)
    assert played == offline_ab.blind_playback(order["A"])

    offline_ab._votes["B"].click()
    (vote,) = offline_ab.blind.results().itertuples()
    assert (vote.choice, vote.chosen) == ("B", order["B"])
    assert "Trial 2 of 4" in offline_ab._trial.value
    assert not [s for s in secrets if s in synced_text(offline_ab.blind_panel)]

    for slot in "AAB":
        offline_ab.vote(slot)
    revealed = synced_text(offline_ab.blind_panel)
    assert offline_ab.blind.revealed
    assert offline_ab.blind.summary().verdict in revealed
    assert "alice" in revealed and "bob" in revealed
    assert offline_ab._votes["A"].disabled


def test_tts_ab_refuses_fewer_than_two_voices_and_a_bad_pair():
    with pytest.raises(ValidationError, match="two or more voices"):
        TtsAB(None, PAIR[:1])
    with pytest.raises(ValidationError, match="blind_pair"):
        TtsAB(None, PAIR, blind_pair=(0, 0))
    ab = TtsAB(None, PAIR)
    with pytest.raises(ValidationError, match="synthesize"):
        ab.start_blind()
    with pytest.raises(ValidationError, match="no client"):
        ab.synthesize()


def test_voice_ids_alone_get_their_names_from_the_catalog(sandbox):
    with make_client(sandbox) as client:
        voices = client.voices.frame(lang="en").iloc[:2]
        ab = TtsAB(client, voices["voice_id"].tolist())
    assert ab.labels == voices["name"].tolist()
    assert ab.voice_ids == voices["voice_id"].tolist()
