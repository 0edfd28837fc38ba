"""``client.tasks``: video task queries and handles."""

from __future__ import annotations

from ...spec import VideoTask as VideoTaskState
from ..effects import Plan
from ..handles import VideoTask, task_id_text
from ..methods import Mode, plan_method
from ..options import RequestOptions
from ..protocol import call
from .base import Resource


class Tasks(Resource[Mode]):
    """Video task queries."""

    @plan_method
    def get(self, task_id: str | int, *, options: RequestOptions | None = None
            ) -> Plan[VideoTaskState]:
        """The current state of a video task (``task query``)."""
        state: VideoTaskState = yield from call("tasks.query", {"taskId": task_id_text(task_id)},
                                                self._client.retry_policy,
                                                options or RequestOptions(), wire=self._client.wire)
        return state

    def handle(self, task_id: str | int) -> VideoTask[Mode]:
        """A handle on an existing video task (re-attach by ID, to ``wait()`` on it)."""
        return VideoTask(self._client, task_id)
