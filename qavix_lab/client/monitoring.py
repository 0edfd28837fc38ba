"""Watching running tasks: status, progress, elapsed time and an estimate, one row per task.

A :class:`TaskBoard` polls TTS and video task handles (anything with ``id``, ``kind``, ``label``
and ``refresh()``), either one round at a time (:meth:`TaskBoard.poll`) or from a background
thread (:meth:`TaskBoard.watch`) that never polls more than twice a second and stops by itself
once every task has ended. A failing poll shows in its row; it never escapes the thread.

>>> board = TaskBoard([client.tts.create("Hello", voice) for voice in voices]).watch()
>>> board.wait(); board.frame()
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError
from ..spec.models import TaskStatus
from .lifecycle import STATUS_NAMES as _STATUSES
from .lifecycle import classify, failure_reason, time_left

__all__ = ["TaskBoard", "TaskRow", "eta_seconds", "MIN_INTERVAL"]
eta_seconds = time_left  # the name the widgets know

log = logging.getLogger("qavix_lab")

MIN_INTERVAL = 0.5  # seconds between polling rounds: at most two updates a second
MAX_POLL_ERRORS = 3  # consecutive failed polls before a task is given up on
STATUS_NAMES = ["pending", *_STATUSES, "error"]


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


class TaskBoard:
    """Rows of task progress, polled on demand or from a background thread.

    ``interval`` is the time between polling rounds (at least :data:`MIN_INTERVAL`); ``clock``
    (monotonic seconds, as task handles record their creation) is injectable for tests.
    """

    def __init__(self, tasks: Any = (), *, interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval <= 0:
            raise ValidationError(f"interval must be a number of seconds > 0, got {interval!r}",
                                  where="TaskBoard(interval=...)")
        self.interval = max(MIN_INTERVAL, float(interval))
        self._clock = clock
        self._lock = threading.Lock()
        self._watched: list[_Watched] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        for task in _as_tasks(tasks):
            self.add(task)

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
        """Every task as last seen, in the order they were added."""
        with self._lock:
            now = self._caught_up()
            return [w.row(now) for w in self._watched]

    @property
    def done(self) -> bool:
        """True when every task has ended (completed, failed, ..., or given up on)."""
        with self._lock:
            self._caught_up()
            return all(w.ended_at is not None for w in self._watched)

    def _caught_up(self) -> float:
        """Bring every row up to its handle's last state (under the lock); returns now."""
        now = self._clock()
        for watched in self._watched:
            watched.catch_up(now)
        return now

    def poll(self) -> list[TaskRow]:
        """Query every task that has not ended, once; returns the rows."""
        with self._lock:
            pending = [w for w in self._watched if w.ended_at is None]
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
                if all(w.ended_at is not None for w in self._watched):
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
