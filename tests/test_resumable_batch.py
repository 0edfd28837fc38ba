"""A batch run again resumes: no task paid twice, no result lost, ambiguous creates told."""

from __future__ import annotations

import pytest
from support import make_client

from qavix_lab.client import Client
from qavix_lab.client.ledger import Ledger
from qavix_lab.errors import AmbiguousCreate
from qavix_lab.sandbox.faultproxy import FaultProxy

TEXTS = ["Resume one.", "Resume two.", "Resume three."]


def tasks(sandbox) -> int:
    return len(sandbox.world.tasks_of(sandbox.api_key))


@pytest.fixture
def book(tmp_path):
    ledger = Ledger(tmp_path / "ledger")
    yield ledger
    ledger.close()


def test_running_the_same_batch_again_pays_nothing_and_returns_the_same_files(
        sandbox, client, voice_id, book, tmp_path):
    before = tasks(sandbox)
    first = client.tts.batch(TEXTS, voice_id, out_dir=tmp_path / "out", ledger=book)
    assert first["error"].isna().all() and tasks(sandbox) == before + 3
    assert list(first["ledger_state"]) == ["verified"] * 3
    frame = book.frame()
    assert list(frame["state"]) == ["verified"] * 3
    assert set(frame["task_id"]) == set(first["task_id"])
    again = client.tts.batch(TEXTS, voice_id, out_dir=tmp_path / "out", ledger=book)
    assert tasks(sandbox) == before + 3
    assert list(again["audio_path"]) == list(first["audio_path"])
    assert list(again["task_id"]) == list(first["task_id"])
    # a lost file is fetched again from the same task
    lost = first["audio_path"].iloc[1]
    (tmp_path / "out" / lost.rsplit("/", 1)[-1]).unlink()
    third = client.tts.batch(TEXTS, voice_id, out_dir=tmp_path / "out", ledger=book)
    assert tasks(sandbox) == before + 3 and third["error"].isna().all()
    assert book.get(third["job_key"].iloc[1]).output_intact()


def test_tasks_created_before_a_crash_are_reattached(sandbox, voice_id, book, tmp_path):
    # an earlier kernel created two of the clips, then died before waiting for them
    with make_client(sandbox, ledger=book) as earlier:
        made = [earlier.tts.create(text, voice_id).id for text in TEXTS[:2]]
    assert [j.state for j in book.jobs()] == ["created", "created"]
    before = tasks(sandbox)
    with make_client(sandbox, ledger=book) as client:
        frame = client.tts.batch(TEXTS, voice_id, out_dir=tmp_path / "out")
    assert tasks(sandbox) == before + 1  # only the clip never sent
    assert list(frame["task_id"][:2]) == made and frame["error"].isna().all()
    assert client.ledger is book


def test_an_ambiguous_create_is_unknown_never_resent_and_reconciled(sandbox, voice_id, book,
                                                                    tmp_path):
    origin = sandbox.url.removesuffix("/qavix")
    with FaultProxy(origin) as proxy, Client(sandbox.api_key, base_url=proxy.url + "/qavix",
                                             max_retries=0) as client:
        proxy.inject("drop_after", operation="tts.create")
        first = client.tts.batch(TEXTS[:1], voice_id, out_dir=tmp_path / "out", ledger=book)
        assert first["error_type"].iloc[0] == "AmbiguousCreate"
        assert "may exist and be charged" in first["error"].iloc[0]
        assert first["ledger_state"].iloc[0] == "unknown"
        again = client.tts.batch(TEXTS[:1], voice_id, out_dir=tmp_path / "out", ledger=book)
        assert again["error_type"].iloc[0] == "AmbiguousCreate"
        assert "earlier run" in again["error"].iloc[0]
        assert proxy.counts().tasks_created == 1 and proxy.counts().lost_creates == 1
        # the task ID turns up (here: the proxy saw it): the ledger takes it, the batch goes on
        (_, _, task_id), = proxy.created_tasks()
        book.reconcile(first["job_key"].iloc[0], task_id)
        done = client.tts.batch(TEXTS[:1], voice_id, out_dir=tmp_path / "out", ledger=book)
        assert done["error"].isna().all() and done["task_id"].iloc[0] == task_id
        assert proxy.counts().tasks_created == 1


def test_a_single_create_that_may_have_landed_says_so(sandbox, voice_id, book):
    origin = sandbox.url.removesuffix("/qavix")
    with FaultProxy(origin) as proxy, Client(sandbox.api_key, base_url=proxy.url + "/qavix",
                                             ledger=book) as client:
        proxy.inject("truncated", operation="tts.create")
        with pytest.raises(AmbiguousCreate) as caught:
            client.tts.create("Cut in half.", voice_id)
        assert caught.value.job_key == book.jobs()[0].job_key
        assert "reconcile" in str(caught.value) and book.jobs()[0].state == "unknown"
        with pytest.raises(AmbiguousCreate):
            client.tts.create("Cut in half.", voice_id)
        assert proxy.counts().tasks_created == 1


def test_a_fresh_take_is_paid_for_on_purpose(sandbox, client, voice_id, book, tmp_path):
    first = client.tts.batch(TEXTS[:2], voice_id, out_dir=tmp_path / "out", ledger=book)
    before = tasks(sandbox)
    fresh = client.tts.batch(TEXTS[:2], voice_id, out_dir=tmp_path / "out", ledger=book,
                             fresh=True)
    assert tasks(sandbox) == before + 2
    assert set(fresh["task_id"]).isdisjoint(first["task_id"])
    assert list(book.frame()["take"]) == [1, 1, 2, 2]


def test_the_gate_bounds_tasks_in_flight_until_their_file_is_down(client, voice_id, book,
                                                                  tmp_path):
    texts = [f"In flight {i}." for i in range(6)]
    client.tts.batch(texts, voice_id, out_dir=tmp_path / "out", ledger=book, concurrency=2)
    spans = []
    for job in book.jobs():
        times = {state: at for at, state, _ in book.history(job.job_key)}
        spans.append((times["sending"], times["verified"]))
    most = max(sum(start <= moment < end for start, end in spans) for moment, _ in spans)
    assert most <= 2


def test_a_batch_uses_a_ledger_beside_the_notebook_unless_told_not_to(client, voice_id,
                                                                    tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    client.tts.batch(TEXTS[:1], voice_id, out_dir=tmp_path / "out", ledger=False)
    assert not (tmp_path / ".qavix-ledger").exists()
    client.tts.batch(TEXTS[:1], voice_id, out_dir=tmp_path / "out")
    default = Ledger(tmp_path / ".qavix-ledger")
    assert [j.state for j in default.jobs()] == ["verified"]
    stored = b"".join(p.read_bytes() for p in (tmp_path / ".qavix-ledger").iterdir())
    assert client.settings.api_key.encode() not in stored
    default.close()


def test_the_same_request_to_another_service_is_another_job(sandbox, voice_id, book):
    with make_client(sandbox, ledger=book) as here:
        here.tts.create("Scoped.", voice_id)
    with Client(sandbox.config.api_keys[1], base_url=sandbox.url, ledger=book) as other:
        other.tts.create("Scoped.", voice_id)
    assert len(book.jobs()) == 2


def test_a_ledger_gives_task_handles_for_a_monitor(client, voice_id, book, tmp_path):
    from qavix_lab.client.monitoring import TaskBoard

    frame = client.tts.batch(TEXTS[:2], voice_id, out_dir=tmp_path / "out", ledger=book)
    handles = book.handles(client)  # as a new kernel would, from the ledger alone
    assert [h.id for h in handles] == list(frame["task_id"])
    assert [h.label for h in handles] == [f"{voice_id} · {text}" for text in TEXTS[:2]]
    rows = TaskBoard(handles).poll()
    assert [row.status for row in rows] == ["completed", "completed"]


def _dead_owner() -> str:
    """The owner string of a process that has ended (as a killed kernel leaves behind)."""
    import socket
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return f"{socket.gethostname()}:{proc.pid}"


def _orphan(book, job_key: str) -> None:
    """Make a job look as if the kernel that sent it had been killed."""
    with book._write() as db:
        db.execute("UPDATE jobs SET owner = ? WHERE job_key = ?", (_dead_owner(), job_key))


def test_a_board_follows_a_ledger_with_jobs_no_handle_could_show(sandbox, voice_id, book,
                                                                   tmp_path):
    from qavix_lab.client.monitoring import TaskBoard

    with make_client(sandbox, ledger=book) as earlier:
        earlier.tts.batch(TEXTS[:1], voice_id, out_dir=tmp_path / "out")
        orphan = earlier.tts.create(TEXTS[1], voice_id).id
    planned = book.plan("tts.create", {"text": "never sent", "voiceId": voice_id},
                        label="never sent")
    lost = book.plan("tts.create", {"text": "lost", "voiceId": voice_id}, label="lost")
    book.claim(lost.job_key)
    book.unknown(lost.job_key, "ReadError after the request went out")
    _orphan(book, book.find_task(orphan).job_key)

    board = TaskBoard(ledger=book.path)  # as a new kernel would: a path, no client
    rows = {row.job_key: row for row in board.rows}
    assert len(rows) == 4 and board.done  # nothing will change without a re-run
    states = [row.status for row in board.rows]
    assert states[0] == "verified" and states[2:] == ["planned", "unknown"]
    saved = rows[book.jobs(states=["verified"])[0].job_key]
    assert saved.output_path and saved.output_path.endswith(".mp3") and saved.progress == 100
    assert "may have reached the service and been charged" in rows[lost.job_key].error
    assert "ReadError" in rows[lost.job_key].error and rows[lost.job_key].task_id == ""
    assert rows[planned.job_key].elapsed_s == 0.0
    stopped = board.rows[1]
    assert stopped.task_id == orphan and "run the same batch again" in stopped.error
    frame = board.frame()
    assert list(frame["job_key"]) == [row.job_key for row in board.rows]
    assert frame["output_path"].notna().sum() == 1


def test_with_a_client_the_board_polls_tasks_a_dead_kernel_left(sandbox, voice_id, book):
    from qavix_lab.client.monitoring import TaskBoard

    with make_client(sandbox, ledger=book) as earlier:
        orphan = earlier.tts.create(TEXTS[2], voice_id).id
    _orphan(book, book.find_task(orphan).job_key)
    with make_client(sandbox) as client:
        board = TaskBoard(ledger=book, client=client, interval=0.5)
        assert not board.done  # a live task is there to watch
        board.watch().wait(30)
    row = board.rows[0]
    assert row.task_id == orphan and row.status == "completed" and row.ended
    assert row.output_url and row.job_key == book.find_task(orphan).job_key
    assert board.done


def test_a_board_on_a_ledger_shows_jobs_a_running_batch_adds(sandbox, client, voice_id, book,
                                                              tmp_path):
    from qavix_lab.client.monitoring import TaskBoard

    board = TaskBoard(ledger=book)
    assert board.rows == [] and board.done
    client.tts.batch(TEXTS, voice_id, out_dir=tmp_path / "out", ledger=book)
    rows = board.poll()
    assert [row.status for row in rows] == ["verified"] * 3
    assert [row.label for row in rows] == [f"{voice_id} · {text}" for text in TEXTS]


def test_a_ledger_path_that_names_nothing_is_refused(tmp_path):
    from qavix_lab.client.monitoring import TaskBoard
    from qavix_lab.errors import ValidationError

    with pytest.raises(ValidationError, match="no ledger at"):
        TaskBoard(ledger=tmp_path / "typo")
    assert not (tmp_path / "typo").exists()  # a typo does not leave an empty ledger behind


def test_one_catalog_row_is_one_voice_and_a_column_of_ids_is_many(client, voice_id, tmp_path):
    import pandas as pd

    row = client.voices.frame().set_index("voice_id", drop=False).loc[voice_id]
    one = client.tts.batch(TEXTS[:1], row, out_dir=tmp_path / "a", ledger=False)
    assert list(one["voice_id"]) == [voice_id] and one["error"].isna().all()
    ids = pd.Series([voice_id, voice_id])
    two = client.tts.batch(TEXTS[:1], ids, out_dir=tmp_path / "b", ledger=False)
    assert len(two) == 2


def test_a_video_job_from_a_local_file_run_again_pays_once(sandbox, book, tmp_path):
    """The upload gives the file a URL; running the cell again must find the same job."""
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "datasets" / "media" / "sample.mp4"
    with make_client(sandbox, ledger=book) as earlier:
        first = earlier.video.translate(sample, "en", "fr", name="dub sample")
    before = tasks(sandbox)
    with make_client(sandbox, ledger=book) as client:  # a new kernel, the same cell
        again = client.video.translate(sample, "en", "fr", name="dub sample")
    assert again.id == first.id and tasks(sandbox) == before
    assert len(book.jobs()) == 1
