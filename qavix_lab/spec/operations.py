"""The operation table: the one place that knows a path or a request field name.

A correction to a path or a field is a one-line change here; the client, the sandbox and the
OpenAPI document all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import (
    ClonedVoice,
    FileLink,
    Model,
    TaskId,
    TtsResult,
    UploadPrivilege,
    VideoTask,
    Voice,
)

DEFAULT_BASE_URL = "https://qavixi.com/qavix"


@dataclass(frozen=True)
class Operation:
    """One POST endpoint of the Qavix OpenAPI."""

    name: str
    path: str
    summary: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    result: type[Model] | None = None
    result_is_list: bool = False
    creates_task: bool = False  # not idempotent: retried only when surely not received
    url_fields: tuple[str, ...] = ()  # checked by the service's SSRF rules
    defaults: dict[str, Any] = field(default_factory=dict)

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional

    def missing(self, body: dict[str, Any]) -> list[str]:
        """Required fields absent (or null/empty) in ``body``."""
        return [name for name in self.required if body.get(name) in (None, "")]


_VIDEO_COMMON = ("name", "format", "fileSize")

OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation("voices.list", "/openapi/timbre/list", "Voice catalog",
                  result=Voice, result_is_list=True),
        Operation("voices.clone", "/openapi/timbre/clone", "Clone a voice from audio",
                  ("audioUrl", "name"), ("format",), ClonedVoice, creates_task=True,
                  url_fields=("audioUrl",), defaults={"format": "mp3"}),
        Operation("files.privilege", "/openapi/file/upload/privilege", "Upload credentials",
                  ("fileName", "md5", "fileSize"), ("source", "format"), UploadPrivilege,
                  defaults={"source": "openapi"}),
        Operation("files.complete", "/openapi/file/upload/complete", "Finish an upload",
                  ("fileId",), (), FileLink),
        Operation("files.refresh", "/openapi/file/url/refresh", "Re-issue a download URL",
                  ("fileId",), (), FileLink),
        Operation("tts.create", "/openapi/audio/tts/create", "Create a TTS task",
                  ("text", "timbreId"), ("lang",), TaskId, creates_task=True),
        Operation("tts.result", "/openapi/audio/tts/result", "TTS task state",
                  ("taskId",), (), TtsResult),
        Operation("video.translate", "/openapi/video/translate/create", "Translate and dub",
                  ("videoUrl", "originalLang", "destLang"),
                  ("timbre", "name", "format", "modelType", "fileSize", "duration"),
                  TaskId, creates_task=True, url_fields=("videoUrl",)),
        Operation("video.erase", "/openapi/video/erase/create", "Erase subtitles/watermarks",
                  ("videoUrl",),
                  ("name", "area", "areas", "format", "fileSize", "duration", "modelType",
                   "eraseMode", "eraseType"),
                  TaskId, creates_task=True, url_fields=("videoUrl",)),
        Operation("video.subtitles", "/openapi/video/subtitle/create", "Translate subtitles",
                  ("videoUrl", "originalLang", "destLang"),
                  ("name", "width", "height", "format", "fileSize", "duration", "burnSubtitle"),
                  TaskId, creates_task=True, url_fields=("videoUrl",),
                  defaults={"burnSubtitle": True}),
        Operation("video.lipsync", "/openapi/video/lipsync/create", "Lip sync",
                  ("videoUrl", "audioUrl"), _VIDEO_COMMON, TaskId, creates_task=True,
                  url_fields=("videoUrl", "audioUrl")),
        Operation("video.faceswap", "/openapi/video/faceswap/create", "Face swap",
                  ("videoUrl", "imageUrl"), _VIDEO_COMMON, TaskId, creates_task=True,
                  url_fields=("videoUrl", "imageUrl")),
        Operation("tasks.query", "/openapi/task/query", "Video task state",
                  ("taskId",), (), VideoTask),
    ]
}

VIDEO_OPERATIONS = tuple(name for name in OPERATIONS if name.startswith("video."))


def operation(name: str) -> Operation:
    """Look an operation up by name (``"tts.create"``)."""
    try:
        return OPERATIONS[name]
    except KeyError:
        raise KeyError(f"unknown operation {name!r}; known: {', '.join(OPERATIONS)}") from None
