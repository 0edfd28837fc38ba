"""The HTTP client: ``Client`` (sync) and ``AsyncClient`` share one implementation of each call."""

from .clients import AsyncClient, BaseClient, Client, Settings
from .handles import TaskHandle, TtsTask, VideoTask
from .ledger import Ledger, LedgerObserver
from .lifecycle import Job, JobObserver, NoObserver, Verdict, classify, time_left
from .methods import Async, Sync
from .options import RequestOptions
from .protocol import RetryPolicy
from .speech import Speech
from .upload import UploadedFile
from .waiting import PollSchedule

__all__ = ["Async", "AsyncClient", "BaseClient", "Client", "Job", "JobObserver", "Ledger",
           "LedgerObserver", "NoObserver",
           "PollSchedule", "RequestOptions", "RetryPolicy", "Settings", "Speech", "Sync",
           "TaskHandle", "TtsTask", "Verdict", "VideoTask", "classify", "time_left",
           "UploadedFile"]
