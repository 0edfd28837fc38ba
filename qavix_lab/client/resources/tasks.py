"""``client.tasks``: video task queries and handles."""

from __future__ import annotations

from typing import Any

from ..handles import VideoTask, task_id_text
from .base import Resource


class Tasks(Resource):
    """Video task queries."""

    def get(self, task_id: str | int, **opts: Any) -> Any:
        """The current state of a video task (``task query``)."""
        return self._do("tasks.query", {"taskId": task_id_text(task_id)}, opts)

    def handle(self, task_id: str | int) -> VideoTask:
        """A handle on an existing video task (to ``wait()`` on it)."""
        return VideoTask(self._client, task_id)
