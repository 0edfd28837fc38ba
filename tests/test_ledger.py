"""The ledger: jobs survive crashes, are claimed once across processes, and never hold a secret."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading

import pandas as pd
import pytest

from qavix_lab.client.ledger import Ledger, LedgerObserver, request_key
from qavix_lab.errors import (
    AmbiguousCreate,
    QavixError,
    TransportError,
    ValidationError,
    register_secret,
)

TTS = "tts.create"


def body(i: int) -> dict[str, object]:
    return {"text": f"Clip number {i}.", "timbreId": "7300000000000000001", "lang": None}


@pytest.fixture
def ledger(tmp_path):
    book = Ledger(tmp_path / "jobs")
    yield book
    book.close()


def test_the_same_request_is_the_same_job_and_a_fresh_take_is_asked_for(ledger):
    first = ledger.plan(TTS, {"timbreId": "1", "text": "Hi", "lang": None})
    again = ledger.plan(TTS, {"text": "Hi", "timbreId": "1"})  # other order, no null: same body
    assert again.job_key == first.job_key and first.state == "planned"
    fresh = ledger.plan(TTS, {"text": "Hi", "timbreId": "1"}, fresh=True)
    assert fresh.job_key != first.job_key and fresh.take == 2
    assert ledger.plan(TTS, {"text": "Hi", "timbreId": "1"}).job_key == fresh.job_key
    assert ledger.plan(TTS, {"text": "Hi", "timbreId": "2"}).job_key != first.job_key
    assert ledger.plan(TTS, {"text": "Hi"}, key="greeting").job_key == "greeting"


def test_a_key_is_stable_across_processes():
    # the hash must not depend on PYTHONHASHSEED or dict order
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        other = pool.apply(request_key, (TTS, {"timbreId": "1", "text": "Hi"}))
    assert other == request_key(TTS, {"text": "Hi", "timbreId": "1"})


def test_a_job_is_sent_once_only_and_its_life_is_recorded(ledger, tmp_path):
    job = ledger.plan(TTS, body(1), label="voice 1")
    assert ledger.claim(job.job_key)
    assert not ledger.claim(job.job_key), "a job being sent must not be claimed again"
    ledger.created(job.job_key, "9007199254740993")  # above 2**53: must stay exact
    ledger.progress(job.job_key, 0, 40)
    ledger.progress(job.job_key, 1, 100)
    out = tmp_path / "clip.mp3"
    out.write_bytes(b"ID3" + b"\x00" * 100)
    ledger.output(job.job_key, out)
    done = ledger.get(job.job_key)
    assert done.state == "verified" and done.task_id == "9007199254740993"
    assert done.output_size == 103 and len(done.output_sha256) == 64
    assert [(state, detail) for _, state, detail in ledger.history(job.job_key)] == [
        ("planned", None), ("sending", None), ("created", "9007199254740993"),
        ("created", "status 0"), ("completed", "status 1"), ("verified", str(out.resolve()))]
    assert ledger.next_step(done) == "done"
    assert not ledger.claim(job.job_key)
    out.write_bytes(b"ID3 changed")
    assert ledger.next_step(ledger.get(job.job_key)) == "download"


def test_next_step_never_pays_twice(ledger):
    planned, sending, rejected, failed, created = (ledger.plan(TTS, body(i)) for i in range(5))
    ledger.claim(sending.job_key)
    ledger.claim(rejected.job_key)
    ledger.rejected(rejected.job_key, ValidationError("code 4005"))
    ledger.claim(failed.job_key)
    ledger.created(failed.job_key, "11")
    ledger.failed(failed.job_key, "task failed", status=2)
    ledger.claim(created.job_key)
    ledger.created(created.job_key, "12")
    step = {job.job_key: ledger.next_step(ledger.get(job.job_key))
            for job in (planned, sending, rejected, failed, created)}
    assert step == {planned.job_key: "create", sending.job_key: "unknown",
                    rejected.job_key: "create", failed.job_key: "failed",
                    created.job_key: "attach"}
    assert [job.job_key for job in ledger.resume_candidates()] == [created.job_key]


def test_an_unknown_job_is_reconciled_with_the_id_the_service_reports(ledger):
    job = ledger.plan(TTS, body(1))
    ledger.claim(job.job_key)
    ledger.unknown(job.job_key, "the create may have reached the service")
    assert ledger.next_step(ledger.get(job.job_key)) == "unknown"
    job = ledger.reconcile(job.job_key, 42)
    assert job.state == "created" and job.task_id == "42" and job.error is None
    assert ledger.next_step(job) == "attach"
    with pytest.raises(ValidationError, match="already has task 42"):
        ledger.reconcile(job.job_key, "43")
    with pytest.raises(ValidationError):
        ledger.reconcile(job.job_key, "4.2e1")
    with pytest.raises(QavixError, match="no job"):
        ledger.reconcile("nope", "1")
    assert ledger.find_task("42").job_key == job.job_key


def _crash_while_sending(path: str, n: int) -> None:
    book = Ledger(path)
    jobs = book.plan_many([(TTS, body(i), None, None) for i in range(n)])
    book.claim(jobs[0].job_key)
    book.created(jobs[0].job_key, "100")
    book.claim(jobs[1].job_key)  # ... the create is on its way when the process dies
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_job_killed_between_planned_and_created_is_never_lost(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_crash_while_sending, args=(str(tmp_path), 3))
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    book = Ledger(tmp_path)
    jobs = book.jobs()
    assert [j.state for j in jobs] == ["created", "sending", "planned"]
    assert [book.next_step(j) for j in jobs] == ["attach", "unknown", "create"]
    # run again, the job in flight at the kill is told as unknown, in words, and never sent
    with pytest.raises(AmbiguousCreate, match="stopped before any answer came"):
        LedgerObserver(book).before_create(FakeJob.of(TTS, body(1)))
    assert book.get(jobs[1].job_key).state == "unknown"
    book.close()


def _hammer(path: str, worker: int, n: int) -> list[str]:
    book = Ledger(path)
    mine = []
    # every worker plans the same shared jobs and some of its own, and races to claim them
    shared = book.plan_many([(TTS, body(i), None, None) for i in range(n)])
    own = book.plan_many([(TTS, body(1000 * (worker + 1) + i), None, None) for i in range(n)])
    for job in shared + own:
        if book.claim(job.job_key):
            book.created(job.job_key, str(10_000 * (worker + 1) + len(mine)))
            book.progress(job.job_key, 1, 100)
            mine.append(job.job_key)
    book.close()
    return mine


def test_processes_writing_at_once_claim_each_job_exactly_once(tmp_path):
    workers, n = 3, 25
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        claimed = pool.starmap(_hammer, [(str(tmp_path), w, n) for w in range(workers)])
    every = [key for keys in claimed for key in keys]
    assert len(every) == len(set(every)) == n + workers * n
    book = Ledger(tmp_path)
    assert book.counts() == {"completed": n + workers * n}
    assert book.journal_mode() == "wal"
    book.close()


def test_threads_writing_at_once_share_one_ledger(ledger):
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(25):
                job = ledger.plan(TTS, body(100 * t + i))
                assert ledger.claim(job.job_key)
                ledger.created(job.job_key, str(100 * t + i))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert ledger.counts() == {"created": 150}


def test_the_frame_has_honest_dtypes(ledger):
    empty = ledger.frame()
    assert empty.empty and str(empty["task_id"].dtype) == "string"
    job = ledger.plan(TTS, body(1), label="Ava")
    ledger.claim(job.job_key)
    ledger.created(job.job_key, "9007199254740993")
    ledger.plan(TTS, body(2))
    frame = ledger.frame()
    assert list(frame["state"]) == ["created", "planned"]
    assert frame["task_id"].iloc[0] == "9007199254740993"
    assert str(frame["task_id"].dtype) == "string" and str(frame["status"].dtype) == "Int64"
    assert isinstance(frame["state"].dtype, pd.CategoricalDtype) and frame["state"].cat.ordered
    assert str(frame["planned_at"].dt.tz) == "UTC"
    assert frame["sent_at"].isna().tolist() == [False, True]
    assert str(frame["credits"].dtype) == "Float64"


def test_forget_removes_jobs_and_their_history(ledger):
    a, b, c = (ledger.plan(TTS, body(i)) for i in range(3))
    ledger.claim(b.job_key)
    ledger.unknown(b.job_key, "lost")
    assert ledger.forget(a.job_key) == 1
    assert ledger.forget(states=["unknown"]) == 1
    assert [j.job_key for j in ledger.jobs()] == [c.job_key]
    assert ledger.history(a.job_key) == []
    with pytest.raises(ValidationError):
        ledger.forget()


def test_no_secret_reaches_the_file(tmp_path):
    key = "qvx-ledger-secret-key-1234"
    register_secret(key)
    book = Ledger(tmp_path)
    job = book.plan(TTS, {"text": f"my key is {key}", "timbreId": "1"})
    book.claim(job.job_key)
    book.unknown(job.job_key, QavixError(f"Authorization: Bearer {key} rejected"))
    book.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert key.encode() not in stored
    assert b"rejected" in stored  # the error itself is kept


def test_the_default_folder_is_beside_the_notebook_and_announced_once(tmp_path, monkeypatch,
                                                                     capsys):
    monkeypatch.chdir(tmp_path)
    Ledger().close()
    Ledger().close()
    printed = capsys.readouterr()
    assert printed.err.count(".qavix-ledger") == 1 and printed.out == ""  # stdout may be JSON
    assert (tmp_path / ".qavix-ledger" / "ledger.sqlite").exists()


def test_an_unwritable_place_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(QavixError, match="ledger folder"):
        Ledger(blocker / "inside")


class FakeJob:
    """What the lifecycle hands an observer: the operation, the request and the job's key."""

    def __init__(self, i: int) -> None:
        self.operation, self.request, self.key = TTS, body(i), f"k{i}"  # a key the user chose

    @classmethod
    def of(cls, operation: str, request: dict[str, object]) -> FakeJob:
        """A job keyed as the lifecycle keys it (by its request)."""
        from qavix_lab.client.lifecycle import job_key

        job = cls(0)
        job.operation, job.request = operation, {k: v for k, v in request.items() if v is not None}
        job.key = job_key(operation, job.request)
        return job


class FakeState:
    def __init__(self, status: int, progress: int = 0, **extra: str) -> None:
        self.status, self.progress, self.extra = status, progress, extra


def test_the_observer_sends_a_job_once_and_reattaches_afterwards(ledger, tmp_path):
    watch = LedgerObserver(ledger)
    job = FakeJob(1)
    assert watch.before_create(job) is None  # never sent: go ahead
    watch.created(job, "501")
    watch.state_changed("501", FakeState(0, 50))
    watch.state_changed("501", FakeState(1, 100))
    out = tmp_path / "a.mp3"
    out.write_bytes(b"ID3 audio")
    watch.output_written("501", out, "0" * 64)
    assert ledger.jobs()[0].state == "verified"
    # a new process (a restarted kernel) runs the same job: it gets the same task back
    again = LedgerObserver(Ledger(ledger.path))
    assert again.before_create(FakeJob(1)) == "501"
    assert len(ledger.jobs()) == 1


def test_the_observer_tells_an_ambiguous_create_in_words_and_never_resends_it(ledger):
    watch = LedgerObserver(ledger)
    job = FakeJob(2)
    watch.before_create(job)
    watch.create_failed(job, TransportError("ReadError: ", operation=TTS), maybe_created=True)
    with pytest.raises(AmbiguousCreate) as caught:
        LedgerObserver(ledger).before_create(FakeJob(2))
    text = str(caught.value)
    assert "may exist and be charged" in text and "reconcile" in text and "fresh=True" in text
    assert caught.value.job_key == ledger.jobs()[0].job_key
    # asked explicitly, a fresh take is sent
    assert LedgerObserver(ledger, fresh=True).before_create(FakeJob(2)) is None
    assert [j.state for j in ledger.jobs()] == ["unknown", "sending"]


def test_the_observer_lets_a_refused_create_be_sent_again_and_records_failures(ledger):
    watch = LedgerObserver(ledger)
    job = FakeJob(3)
    watch.before_create(job)
    watch.create_failed(job, ValidationError("code 4005"), maybe_created=False)
    assert ledger.jobs()[0].state == "rejected"
    assert watch.before_create(job) is None
    watch.created(job, "77")
    watch.state_changed("77", FakeState(2, errorMessage="voice unavailable"))
    failed = ledger.jobs()[0]
    assert failed.state == "failed" and failed.error == "voice unavailable"
    assert failed.status == 2
    assert LedgerObserver(ledger).before_create(job) == "77"  # paid: never created again
    watch.state_changed("999", FakeState(1))  # a task it does not know: ignored
