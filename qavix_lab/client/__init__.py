"""The HTTP client: ``Client`` (sync) and ``AsyncClient`` share one implementation of each call."""

from .clients import AsyncClient, BaseClient, Client
from .handles import TaskHandle, TtsTask, VideoTask
from .protocol import RetryPolicy
from .speech import Speech
from .waiting import PollSchedule

__all__ = ["AsyncClient", "BaseClient", "Client", "PollSchedule", "RetryPolicy", "Speech",
           "TaskHandle", "TtsTask", "VideoTask"]
