"""Watching running tasks: status, progress, elapsed time and an estimate, one row per task.

A :class:`TaskBoard` polls TTS and video task handles (anything with ``id``, ``kind``, ``label``
and ``refresh()``), either one round at a time (:meth:`TaskBoard.poll`) or from a background
thread (:meth:`TaskBoard.watch`) that never polls more than twice a second and stops by itself
once every task has ended. A failing poll shows in its row; it never escapes the thread.

>>> board = TaskBoard([client.tts.create("Hello", voice) for voice in voices]).watch()
>>> board.wait(); board.frame()

A board can also follow a :class:`~qavix_lab.client.ledger.Ledger` (``ledger=``): one row per
job recorded there, from this kernel, an earlier one or another process, re-read every round. A job
never sent, or whose create may have landed (``unknown``), shows what the ledger knows; a task
created by a process that has since died is polled through ``client`` when one is given.

>>> TaskBoard(ledger=client.ledger, client=client).watch()
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError
from ..spec.models import TaskStatus
from .ledger import Job, Ledger, _owner_alive, ledger_file
from .lifecycle import STATUS_NAMES as _STATUSES
from .lifecycle import classify, failure_reason, time_left

__all__ = ["TaskBoard", "TaskRow", "eta_seconds", "MIN_INTERVAL"]
eta_seconds = time_left  # the name the widgets know

log = logging.getLogger("qavix_lab")

MIN_INTERVAL = 0.5  # seconds between polling rounds: at most two updates a second
MAX_POLL_ERRORS = 3  # consecutive failed polls before a task is given up on
STATUS_NAMES = ["pending", *_STATUSES, "error"]
# the states of a ledger job that no poll of a task can change any more
LEDGER_FINAL = ("verified", "downloaded", "failed", "rejected", "unknown")


@dataclass(frozen=True)
class TaskRow:
    """One task as last seen: ``status`` is a name (``pending`` before the first answer,
    ``error`` once polling gave up), ``eta_s`` is ``None`` when unknown or ended."""

    task_id: str
    kind: str
    label: str
    status: str
    progress: int
    elapsed_s: float
    eta_s: float | None
    output_url: str | None
    error: str | None
    ended: bool
    job_key: str | None = None  # the ledger's key, for rows that come from a ledger
    output_path: str | None = None  # the file the ledger recorded for the job

    @property
    def process(self) -> int:
        """The progress under the service's name for it; prefer :attr:`progress`."""
        return self.progress


class _Watched:
    """The board's mutable record of one task."""

    def __init__(self, task: Any, label: str | None, now: float) -> None:
        self.task = task
        self.label = label or getattr(task, "label", None) or f"task {task.id}"
        created = getattr(task, "created", None)
        self.started = now if created is None else created
        self.ended_at: float | None = None
        self.first: tuple[float, int] | None = None  # (elapsed, progress) of the first answer
        self.state: Any = None
        self.error: str | None = None
        self.errors = 0

    def seen(self, state: Any, now: float) -> None:
        self.state, self.error, self.errors = state, None, 0
        if self.first is None:
            self.first = (now - self.started, int(state.progress or 0))
        verdict = classify(state.status)
        if verdict.ended:
            self.ended_at = now
            # a code this library does not know: nothing tells when it ends
            self.error = (f"status {state.status} is unknown to qavix_lab"
                          if verdict.name.startswith("unknown") else failure_reason(state))

    def catch_up(self, now: float) -> None:
        """Take the state the handle itself saw last (``task.wait()`` polls it too)."""
        latest = getattr(self.task, "last", None)
        if self.ended_at is None and latest is not None and latest is not self.state:
            self.seen(latest, now)

    def failed(self, exc: Exception, now: float) -> None:
        self.error = str(exc) or type(exc).__name__
        self.errors += 1
        if self.errors >= MAX_POLL_ERRORS:
            self.ended_at = now

    def row(self, now: float) -> TaskRow:
        state, ended = self.state, self.ended_at is not None
        elapsed = (now if self.ended_at is None else self.ended_at) - self.started
        progress = int(getattr(state, "progress", None) or 0)
        status = getattr(state, "status", None)
        completed = status == TaskStatus.COMPLETED
        if completed:
            progress = 100
        if self.errors >= MAX_POLL_ERRORS:
            name = "error"
        else:
            name = "pending" if state is None else classify(status).name
        return TaskRow(
            task_id=str(self.task.id), kind=str(getattr(self.task, "kind", "task")),
            label=self.label, status=name, progress=progress, elapsed_s=elapsed,
            eta_s=None if ended else time_left(elapsed, progress, self.first),
            output_url=getattr(state, "dest_file_tmp_url", None) if completed else None,
            error=self.error, ended=ended,
        )


class _Journaled:
    """One job of a followed ledger: its row is what the ledger recorded, or, for a task created
    by a process that has died, what polling that task shows (when the board has a client)."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.live: _Watched | None = None

    def update(self, job: Job, client: Any, clock: Callable[[], float]) -> None:
        self.job = job
        if (self.live is None and client is not None and job.task_id is not None
                and job.state == "created" and not _owner_alive(job.owner)):
            handle = _handle_for(client, job)
            if handle is not None:
                now = clock()
                # started when the ledger saw the task arrive, on the board's own clock
                handle.created = now - max(0.0, time.time() - (job.task_at or time.time()))
                self.live = _Watched(handle, job.label or job.job_key, now)

    @property
    def idle(self) -> bool:
        """Nothing will change this row unless someone runs the job again."""
        job = self.job
        if job.state in LEDGER_FINAL:
            return True
        if job.state == "planned":
            return True  # planned rows have no owner: a live batch claims them one by one
        return not _owner_alive(job.owner)

    @property
    def ended_at(self) -> float | None:
        if self.live is not None:
            return self.live.ended_at
        return 0.0 if self.idle else None

    def catch_up(self, now: float) -> None:
        if self.live is not None:
            self.live.catch_up(now)

    def row(self, now: float) -> TaskRow:
        job = self.job
        if self.live is not None:
            live = self.live.row(now)
            return TaskRow(**{**live.__dict__, "job_key": job.job_key,
                              "output_path": job.output_path})
        wall = time.time()
        start = job.sent_at or job.planned_at
        final = job.state in LEDGER_FINAL or job.state == "completed"
        end = (job.finished_at or job.updated_at) if final else wall
        progress = 100 if job.state in ("completed", "downloaded", "verified") else (
            int(job.progress or 0))
        name: str = job.state
        if job.state == "created":  # recorded by a live process (or one that died): as polled
            name = "pending" if job.status is None else classify(job.status).name
        return TaskRow(
            task_id=job.task_id or "", kind=job.operation, label=job.label or job.job_key,
            status=name, progress=progress,
            elapsed_s=0.0 if job.state == "planned" else max(0.0, end - start),
            eta_s=None, output_url=None, error=_ledger_note(job), ended=self.ended_at is not None,
            job_key=job.job_key, output_path=job.output_path)


def _ledger_note(job: Job) -> str | None:
    """What a user needs to know about a ledger row that a status alone does not say."""
    if job.state == "unknown":
        return ("the create may have reached the service and been charged, but no task ID came "
                f"back{': ' + job.error if job.error else ''}; Ledger.reconcile() it once the "
                "service shows its ID")
    if job.state == "created" and not _owner_alive(job.owner):
        return "created by a run that has stopped: run the same batch again to collect it"
    if job.state == "completed":
        return "completed, not downloaded yet: run the same batch again to download it"
    if job.state == "sending" and not _owner_alive(job.owner):
        return ("its sender stopped before an answer came: the create may have reached the "
                "service")
    return job.error


def _handle_for(client: Any, job: Job) -> Any:
    """A task handle on ``client`` for a ledger job (None for operations without tasks)."""
    if job.operation.startswith("tts."):
        return client.tts.task(job.task_id)
    if job.operation.startswith("video."):
        return client.tasks.handle(job.task_id)
    return None


def _open_ledger(ledger: Ledger | str | os.PathLike[str]) -> Ledger:
    """The ledger to follow; a path must name one that exists (a typo is not a new, empty one)."""
    if isinstance(ledger, Ledger):
        return ledger
    if isinstance(ledger, str | os.PathLike):
        file = ledger_file(ledger)
        if not file.is_file():
            raise ValidationError(f"no ledger at {file}", where="TaskBoard(ledger=...)")
        return Ledger(file, announce=False)
    raise ValidationError(f"ledger= takes a Ledger or the path of one, not {ledger!r}",
                          where="TaskBoard(ledger=...)")


class TaskBoard:
    """Rows of task progress, polled on demand or from a background thread.

    ``interval`` is the time between polling rounds (at least :data:`MIN_INTERVAL`); ``clock``
    (monotonic seconds, as task handles record their creation) is injectable for tests.
    ``ledger`` (a :class:`~qavix_lab.client.ledger.Ledger` or its path) adds one row per job it
    records, re-read every round; ``client`` polls the tasks of jobs whose process has died.
    """

    def __init__(self, tasks: Any = (), *, interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic,
                 ledger: Ledger | str | os.PathLike[str] | None = None,
                 client: Any = None) -> None:
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval <= 0:
            raise ValidationError(f"interval must be a number of seconds > 0, got {interval!r}",
                                  where="TaskBoard(interval=...)")
        self.interval = max(MIN_INTERVAL, float(interval))
        self._clock = clock
        self._lock = threading.Lock()
        self._watched: list[_Watched] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ledger = None if ledger is None else _open_ledger(ledger)
        self._client = client
        self._journal: dict[str, _Journaled] = {}
        for task in _as_tasks(tasks):
            self.add(task)
        self._read_ledger()

    def __repr__(self) -> str:
        rows = self.rows
        ended = sum(r.ended for r in rows)
        return f"<TaskBoard {ended}/{len(rows)} ended{', watching' if self.watching else ''}>"

    def add(self, task: Any, label: str | None = None) -> None:
        """Watch one more task handle (``client.tts.create(...)``, ``client.tasks.handle(id)``)."""
        if not (hasattr(task, "id") and callable(getattr(task, "refresh", None))):
            raise ValidationError(f"cannot watch {task!r}: give a task handle such as "
                                  "client.tts.create(...) or client.tasks.handle(task_id)",
                                  where="TaskBoard.add(task)")
        with self._lock:
            self._watched.append(_Watched(task, label, self._clock()))

    @property
    def rows(self) -> list[TaskRow]:
        """Every task as last seen, in the order they were added, then the ledger's jobs."""
        with self._lock:
            now = self._caught_up()
            return [w.row(now) for w in self._watched] + [j.row(now) for j in
                                                          self._journal.values()]

    @property
    def done(self) -> bool:
        """True when every task has ended (completed, failed, ..., or given up on), and every
        ledger job is final or waits for someone to run it again."""
        with self._lock:
            self._caught_up()
            return (all(w.ended_at is not None for w in self._watched)
                    and all(j.ended_at is not None for j in self._journal.values()))

    def _caught_up(self) -> float:
        """Bring every row up to its handle's last state (under the lock); returns now."""
        now = self._clock()
        for watched in self._watched:
            watched.catch_up(now)
        for journaled in self._journal.values():
            journaled.catch_up(now)
        return now

    def _read_ledger(self) -> None:
        """Take every job's latest record from the followed ledger (new jobs get new rows)."""
        if self.ledger is None:
            return
        try:
            jobs = self.ledger.jobs()
        except Exception as exc:  # a locked or broken ledger file shows; it never stops polling
            log.warning("TaskBoard: cannot read the ledger %s: %s", self.ledger.path, exc)
            return
        with self._lock:
            for job in jobs:
                journaled = self._journal.get(job.job_key)
                if journaled is None:
                    journaled = self._journal[job.job_key] = _Journaled(job)
                journaled.update(job, self._client, self._clock)

    def poll(self) -> list[TaskRow]:
        """Query every task that has not ended, once (and re-read the ledger); returns the rows."""
        self._read_ledger()
        with self._lock:
            pending = [w for w in self._watched if w.ended_at is None]
            pending += [j.live for j in self._journal.values()
                        if j.live is not None and j.live.ended_at is None]
        for watched in pending:
            try:
                state = watched.task.refresh()
            except Exception as exc:  # any failure, even a bug, belongs in the row
                with self._lock:
                    watched.failed(exc, self._clock())
            else:
                with self._lock:
                    watched.seen(state, self._clock())
        return self.rows

    def frame(self) -> Any:
        """The rows as a DataFrame: string IDs, a ``status`` category, seconds as floats."""
        import pandas as pd

        rows = self.rows
        names = STATUS_NAMES + sorted({r.status for r in rows} - set(STATUS_NAMES))

        def text(field: str) -> Any:
            return pd.array([getattr(r, field) for r in rows], dtype="str")

        return pd.DataFrame({
            "task_id": text("task_id"), "kind": text("kind"), "label": text("label"),
            "status": pd.Categorical([r.status for r in rows], categories=names),
            "progress": pd.array([r.progress for r in rows], dtype="Int64"),
            "elapsed_s": pd.array([r.elapsed_s for r in rows], dtype="float64"),
            "eta_s": pd.array([float("nan") if r.eta_s is None else r.eta_s for r in rows],
                              dtype="float64"),
            "output_url": text("output_url"), "error": text("error"),
            "ended": pd.array([r.ended for r in rows], dtype="bool"),
            "job_key": text("job_key"), "output_path": text("output_path"),
        })

    # -- the background thread ---------------------------------------------------------------
    @property
    def watching(self) -> bool:
        """True while the background thread polls."""
        return self._thread is not None

    def watch(self, on_update: Callable[[list[TaskRow]], None] | None = None) -> TaskBoard:
        """Poll in a daemon thread until every task ended or :meth:`stop`; returns ``self``.

        ``on_update(rows)`` runs after each round, in that thread. Watching already: no-op.
        """
        with self._lock:
            if self._thread is not None and not self._stop.is_set():
                return self
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(on_update, self._stop),
                                            name="qavix-task-board", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the background polling (the rows keep their last values)."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the background polling ends; True if it did within ``timeout``."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _run(self, on_update: Callable[[list[TaskRow]], None] | None,
             stop: threading.Event) -> None:
        while True:
            rows = self.poll()
            if on_update is not None:
                try:
                    on_update(rows)
                except Exception:  # a broken view must not stop the polling
                    log.exception("TaskBoard: on_update failed")
            with self._lock:  # decide and let go at once: a task added now restarts a thread
                if (all(w.ended_at is not None for w in self._watched)
                        and all(j.ended_at is not None for j in self._journal.values())):
                    self._let_go()
                    return
            if stop.wait(self.interval):
                with self._lock:
                    self._let_go()
                return

    def _let_go(self) -> None:
        if self._thread is threading.current_thread():
            self._thread = None


def _as_tasks(tasks: Any) -> list[Any]:
    if hasattr(tasks, "refresh"):
        return [tasks]
    if isinstance(tasks, str | bytes) or not isinstance(tasks, Iterable):
        raise ValidationError(f"give task handles, not {type(tasks).__name__} {tasks!r}",
                              where="TaskBoard(tasks)")
    return list(tasks)
