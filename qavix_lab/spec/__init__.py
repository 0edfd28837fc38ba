"""The Qavix contract as code: operations, codes, statuses and result models."""

from .codes import MESSAGES, URL_CODES
from .models import (
    FINAL_STATUSES,
    SERVICE_TZ,
    ClonedVoice,
    FileLink,
    Model,
    TaskId,
    TaskState,
    TaskStatus,
    TemporaryAccessKey,
    TtsResult,
    UploadPrivilege,
    VideoTask,
    Voice,
)
from .operations import DEFAULT_BASE_URL, OPERATIONS, VIDEO_OPERATIONS, Operation, operation

__all__ = [
    "DEFAULT_BASE_URL", "FINAL_STATUSES", "MESSAGES", "OPERATIONS", "SERVICE_TZ", "URL_CODES",
    "VIDEO_OPERATIONS", "ClonedVoice", "FileLink", "Model", "Operation", "TaskId", "TaskState",
    "TaskStatus", "TemporaryAccessKey", "TtsResult", "UploadPrivilege", "VideoTask", "Voice",
    "operation",
]
