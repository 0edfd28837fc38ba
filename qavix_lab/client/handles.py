"""Task handles: a task's one lifecycle, create -> wait -> download, for both clients.

A handle comes from a create (``client.tts.create(...)``, ``client.video.erase(...)``) or from a
known ID (``client.tts.task(id)``, ``client.tasks.handle(id)``: re-attaching to a task created
earlier, in this process or another). With :class:`AsyncClient` every method returns an awaitable.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from ..errors import QavixError, ValidationError
from ..spec import TaskState, TaskStatus, TtsResult
from ..spec import VideoTask as VideoTaskState
from .download import fetch_file, url_suffix
from .effects import Plan
from .lifecycle import Job
from .methods import Bound, Mode, plan_method
from .protocol import call
from .waiting import DEFAULT_WAIT_TIMEOUT, ProgressCallback, Watch, wait_for

if TYPE_CHECKING:
    from ..transcripts import Timeline
    from .clients import BaseClient

S = TypeVar("S", bound=TaskState)


def task_id_text(task_id: object) -> str:
    """A task ID as the exact decimal string (int64 IDs never go through a float)."""
    text = str(task_id).strip()
    if isinstance(task_id, bool | float) or not text.lstrip("-").isdigit():
        raise ValidationError(f"a task ID is an integer (as int or str), not {task_id!r}",
                              where="task_id")
    return text


class TaskHandle(Bound[Mode], Generic[Mode, S]):
    """A task on the service: ``refresh()``, ``wait()``, ``download()``, or ``output()`` for
    wait-then-download.

    >>> task = client.tts.create("Hello", voice="7300000000000000001"); task.wait().status
    """

    kind = "task"
    _query = "tasks.query"

    def __init__(self, client: BaseClient[Mode], task_id: str | int, *, label: str | None = None,
                 created: float | None = None, job: Job | None = None) -> None:
        self._client = client
        self.id = task_id_text(task_id)
        self.label = label or f"{self.kind} {self.id}"
        self.created = created  # monotonic time its create was answered; None if found by ID
        self.job = job  # the request that created it, when this process made or resumed it
        self.last: S | None = None  # the last state seen

    def __repr__(self) -> str:
        last = self.last
        state = f", status={last.status!r}, progress={last.progress}" if last else ""
        return f"<{type(self).__name__} id={self.id}{state}>"

    @plan_method
    def refresh(self) -> Plan[S]:
        """Query the task once and return its current state."""
        state: S = yield from call(self._query, {"taskId": self.id},
                                   self._client.retry_policy, wire=self._client.wire)
        self.last = state
        return state

    @plan_method
    def wait(self, timeout: float | None = DEFAULT_WAIT_TIMEOUT, *,
             on_progress: ProgressCallback | None = None, progress_bar: bool = False
             ) -> Plan[S]:
        """Poll until the task ends; ``timeout`` in seconds (None: no deadline).

        Returns the final state on status 1 (completed) and on status 3 (editing: the task waits
        for a person in the vendor's editor; ``state.status`` says so). Raises ``TaskFailed`` (2),
        ``TaskViolation`` (10), ``TaskDeleted`` (-1), ``UnknownTaskStatus`` for a status this
        library does not know, and ``WaitTimeout`` (carrying the last state) at the deadline.
        ``on_progress(state)`` is called after every poll; ``progress_bar`` shows a bar.
        A poll that still fails after the client's retries (the network or a gateway is down)
        is tried again, slower, for up to ``poll_schedule.outage`` seconds (60 by default):
        the task goes on at the service meanwhile.
        """
        client = self._client
        watch = Watch(self.label, self.kind, self.id, client.observer, on_progress, progress_bar)
        state: S = yield from wait_for(lambda: TaskHandle.refresh.plan(self), watch,
                                       created=self.created, timeout=timeout,
                                       schedule=client.poll_schedule, durations=client.durations)
        return state

    @plan_method
    def download(self, dest: str | Path | None = None, *, progress: bool = False) -> Plan[Path]:
        """Download the finished task's output file to ``dest`` (a file or a folder; default:
        ``client.output_dir``); returns the path. A stale link is refreshed once."""
        state = self.last if self.last is not None else (yield from TaskHandle.refresh.plan(self))
        url = state.dest_file_tmp_url
        if state.status != TaskStatus.COMPLETED or not url:
            raise QavixError(f"{self.label} has no output yet (status {state.status!r})")
        target = Path(dest) if dest is not None else (
            self._client.output_dir / f"{self.kind}_{self.id}{url_suffix(url)}")
        saved = yield from fetch_file(self._client, url, target, state.dest_file_id, progress)
        self._client.observer.output_written(self.id, saved.path, saved.sha256)
        return saved.path

    @plan_method
    def output(self, dest: str | Path | None = None, *,
               timeout: float | None = DEFAULT_WAIT_TIMEOUT, progress_bar: bool = False
               ) -> Plan[Path]:
        """Wait for the task, then download its output: ``path = task.output("out.mp3")``."""
        yield from TaskHandle.wait.plan(self, timeout, progress_bar=progress_bar)
        path: Path = yield from TaskHandle.download.plan(self, dest)
        return path


class TtsTask(TaskHandle[Mode, TtsResult]):
    kind = "tts"
    _query = "tts.result"


class VideoTask(TaskHandle[Mode, VideoTaskState]):
    kind = "video"

    @plan_method
    def transcripts(self) -> Plan[tuple[Timeline, Timeline]]:
        """Source and translated :class:`~qavix_lab.transcripts.Timeline` of a finished task
        (queried first when not seen yet)."""
        from ..transcripts import from_task

        state = self.last if self.last is not None else (yield from TaskHandle.refresh.plan(self))
        return from_task(state)
