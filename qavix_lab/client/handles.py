"""Task handles: what a create call returns; ``wait()`` on them polls until the task ends."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import QavixError, ValidationError
from .protocol import Plan
from .waiting import DEFAULT_TIMEOUT, ProgressCallback, wait_for

if TYPE_CHECKING:
    from .clients import BaseClient


def task_id_text(task_id: object) -> str:
    """A task ID as the exact decimal string (int64 IDs never go through a float)."""
    text = str(task_id).strip()
    if isinstance(task_id, bool | float) or not text.lstrip("-").isdigit():
        raise ValidationError(f"a task ID is an integer (as int or str), not {task_id!r}",
                              where="task_id")
    return text


class TaskHandle:
    """A created task. With :class:`AsyncClient` every method returns an awaitable.

    >>> task = client.tts.create("Hello", voice="7300000000000000001"); task.wait().status
    """

    kind = "task"
    _query = "tasks.query"

    def __init__(self, client: BaseClient, task_id: str | int, *, label: str | None = None,
                 created: float | None = None) -> None:
        self._client = client
        self.id = task_id_text(task_id)
        self.label = label or f"{self.kind} {self.id}"
        self.created = created  # monotonic time this client created it; None if found by ID
        self.last: Any = None  # the last state seen

    def __repr__(self) -> str:
        status = getattr(self.last, "status", None)
        state = f", status={status!r}, process={self.last.process}" if self.last else ""
        return f"<{type(self).__name__} id={self.id}{state}>"

    def _fetch(self) -> Plan[Any]:
        state = yield from self._client._call_plan(self._query, {"taskId": self.id})
        self.last = state
        return state

    def refresh(self) -> Any:
        """Query the task once and return its current state."""
        return self._client._run(self._fetch())

    def wait(
        self,
        timeout: float | None = DEFAULT_TIMEOUT,
        *,
        on_progress: ProgressCallback | None = None,
        progress_bar: bool = False,
    ) -> Any:
        """Poll until the task ends.

        Returns the final state on status 1 (completed) and on status 3 (editing: the task waits
        for a person in the vendor's editor; ``state.status`` says so). Raises ``TaskFailed`` (2),
        ``TaskViolation`` (10), ``TaskDeleted`` (-1), ``UnknownTaskStatus`` for a status this
        library does not know, and ``WaitTimeout`` (carrying the last state) at the deadline.
        """
        return self._client._run(self._wait_plan(timeout, on_progress, progress_bar))

    def _wait_plan(self, timeout: float | None, on_progress: ProgressCallback | None,
                   progress_bar: bool) -> Plan[Any]:
        return wait_for(self._fetch, label=self.label, kind=self.kind, created=self.created,
                        timeout=timeout, on_progress=on_progress, progress_bar=progress_bar,
                        schedule=self._client.poll_schedule, durations=self._client.durations)

    def download(self, dest: str | Path | None = None, *, progress: bool = False) -> Any:
        """Download the task's output file (after it completed) to ``dest``; returns the path."""
        return self._client._run(self._client.files._download_output(self, dest, progress))


class TtsTask(TaskHandle):
    kind = "tts"
    _query = "tts.result"


class VideoTask(TaskHandle):
    kind = "video"

    def transcripts(self) -> Any:
        """Source and translated :class:`~qavix_lab.transcripts.Timeline` of a finished task."""
        from ..transcripts import from_task

        if self.last is None:
            if self._client.is_async:
                raise QavixError("await task.wait() or task.refresh() before transcripts()")
            self.refresh()
        return from_task(self.last)
