"""What the sandbox does for each operation of the table. Each handler returns ``result``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..spec import OPERATIONS
from .world import UPLOAD_BUCKET, ServiceError, Task

if TYPE_CHECKING:
    from .server import SandboxApp

Handler = Callable[["SandboxApp", str, dict[str, Any]], Any]
HANDLERS: dict[str, Handler] = {}

# Scenario markers in a TTS text or a video task name make a task end as that status.
MARKERS = {"[[fail]]": 2, "[[violation]]": 10, "[[editing]]": 3, "[[delete]]": -1}
_UNKNOWN_STATUS = re.compile(r"\[\[status:(-?\d+)\]\]")
_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")


def handles(name: str) -> Callable[[Handler], Handler]:
    assert name in OPERATIONS, name

    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


def scenario_status(text: str | None) -> int:
    text = text or ""
    for marker, status in MARKERS.items():
        if marker in text:
            return status
    match = _UNKNOWN_STATUS.search(text)
    return int(match.group(1)) if match else 1


def require_int(body: dict[str, Any], name: str, *, minimum: int | None = None) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip(
            "-").isdigit():
        raise ServiceError(4005, f"{name} must be an integer, got {value!r}", param=name)
    if minimum is not None and int(value) < minimum:
        raise ServiceError(4005, f"{name} must be at least {minimum}", param=name)
    return int(value)


def require_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ServiceError(4005, f"{name} must be a string, got {type(value).__name__}",
                           param=name)
    return value


# --- voices ------------------------------------------------------------------------------------
@handles("voices.list")
def voice_list(app: SandboxApp, owner: str, body: dict[str, Any]) -> Any:
    return app.voices_of(owner) or None


@handles("voices.clone")
def voice_clone(app: SandboxApp, owner: str, body: dict[str, Any]) -> Any:
    name = require_str(body, "name")
    if app.world.local_file(body["audioUrl"], app.store) is None:
        raise ServiceError(5001, "could not download audioUrl: the sandbox fetches only its own "
                                 "unexpired storage links")
    return {"timbreId": app.add_clone(owner, str(name), require_str(body, "format") or "mp3")}


# --- files -------------------------------------------------------------------------------------
@handles("files.privilege")
def upload_privilege(app: SandboxApp, owner: str, body: dict[str, Any]) -> Any:
    file_name, md5 = require_str(body, "fileName"), require_str(body, "md5")
    size = require_int(body, "fileSize", minimum=1)
    if not md5 or not _MD5.match(md5):
        raise ServiceError(4005, "md5 must be 32 hexadecimal characters", param="md5")
    md5 = md5.lower()
    world = app.world
    with world.lock:
        # Instant upload reuses only the key's own bytes: from an MD5 and a size alone, another
        # tenant's private file must never be handed out.
        done = next((f for f in world.files.values() if f.complete and f.owner == owner
                     and f.md5 == md5 and f.size == size and app.store.path(f.bucket, f.key)),
                    None)
        pending = next((f for f in world.files.values() if not f.complete and f.owner == owner
                        and f.md5 == md5 and f.size == size), None)
        if done is not None:  # instant upload: the service already holds these bytes
            record = world.new_file(owner, str(file_name), done.bucket, done.key, md5=md5,
                                    size=size, complete=True)
        elif pending is not None:  # the same upload again: same object key, fresh credentials
            record = pending
        else:
            directory, random_name = world.object_key(str(file_name))
            record = world.new_file(owner, str(file_name), UPLOAD_BUCKET,
                                    f"{directory}/{random_name}", md5=md5, size=size)
    directory, _, random_name = record.key.rpartition("/")
    answer: dict[str, Any] = {
        "fileId": record.id, "bucketName": record.bucket, "endPoint": world.origin,
        "dirPath": directory, "randomName": random_name, "originalName": file_name,
        "uploadComplete": record.complete, "temporaryAccessKey": None,
    }
    if not record.complete:
        cred = world.issue_credential(record.id)
        answer["temporaryAccessKey"] = {
            "expiresAt": world.iso(cred.expires), "access": cred.access, "secret": cred.secret,
            "securitytoken": cred.token, "endPoint": world.origin, "bucketName": record.bucket,
        }
    return answer


@handles("files.complete")
def upload_complete(app: SandboxApp, owner: str, body: dict[str, Any]) -> Any:
    record = app.world.file_of(owner, body["fileId"])
    if not record.complete:
        path = app.store.path(record.bucket, record.key)
        if path is None:
            raise ServiceError(5001, f"nothing was uploaded for file {record.id} "
                                     f"(expected object {record.bucket}/{record.key})")
        size = path.stat().st_size
        if size != record.size:
            raise ServiceError(5001, f"uploaded {size} bytes, upload privilege said {record.size}")
        if app.store.md5(record.bucket, record.key) != record.md5:
            raise ServiceError(5001, "the uploaded object's MD5 differs from the one announced")
        record.complete = True
        app.world.revoke_credentials(record.id)
    return app.world.link(record)


@handles("files.refresh")
def url_refresh(app: SandboxApp, owner: str, body: dict[str, Any]) -> Any:
    record = app.world.file_of(owner, body["fileId"])
    if not record.complete:
        raise ServiceError(5001, f"file {record.id} is not complete yet; call upload complete")
    return app.world.link(record)


# --- TTS ---------------------------------------------------------------------------------------
@handles("tts.create")
def tts_create(app: SandboxApp, owner: str, body: dict[str, Any]) -> Any:
    text, lang = require_str(body, "text") or "", require_str(body, "lang")
    if len(text) > app.config.max_text_length:
        raise ServiceError(4003, f"text has {len(text)} characters; the limit is "
                                 f"{app.config.max_text_length}")
    voice = app.voice(owner, body["timbreId"])
    task = app.world.new_task(owner, "tts.create", {**body, "voice": voice},
                              app.config.tts_seconds)
    task.final_status = scenario_status(text)
    task.fields["lang"] = lang or voice.get("lang")
    return {"taskId": str(task.id)}


@handles("tts.result")
def tts_result(app: SandboxApp, owner: str, body: dict[str, Any]) -> Any:
    task = app.world.task_of(owner, body["taskId"])
    if task.kind != "tts.create":
        raise ServiceError(4004, f"task {task.id} is not a TTS task; use task query")
    app.advance_tts(task)
    voice = task.fields["voice"]
    dest = task.outputs.get("dest")
    link = app.link_of(dest) if dest else None
    return {"taskId": task.id, "lang": task.fields.get("lang"), "destFileId": dest,
            "destFileTmpUrl": link, "timbre": voice["id"], "timbreName": voice["name"],
            "status": task.status, "process": task.process}


# --- video -------------------------------------------------------------------------------------
def _video_create(name: str) -> Handler:
    def create(app: SandboxApp, owner: str, body: dict[str, Any]) -> Any:
        for field in ("fileSize", "width", "height"):
            require_int(body, field, minimum=0)
        if body.get("duration") is not None and not isinstance(body["duration"], int | float):
            raise ServiceError(4005, f"duration must be a number, got {body['duration']!r}")
        task = app.start_video_task(owner, name, body)
        return {"taskId": str(task.id)}

    create.__name__ = name.replace(".", "_")
    return create


for _name in ("video.translate", "video.subtitles", "video.lipsync", "video.faceswap",
              "video.erase"):
    HANDLERS[_name] = _video_create(_name)


@handles("tasks.query")
def task_query(app: SandboxApp, owner: str, body: dict[str, Any]) -> Any:
    task = app.world.task_of(owner, body["taskId"])
    if task.kind == "tts.create":
        app.advance_tts(task)
    return app.describe_task(task)


def describe(task: Task, link_of: Callable[[int | None], str | None]) -> dict[str, Any]:
    """The task query answer (numbers for IDs, as the reference says)."""
    fields = task.fields
    answer = {
        "taskId": task.id, "name": fields.get("name"), "format": fields.get("format"),
        "coverUrl": link_of(task.outputs.get("cover")),
        "originalLang": fields.get("originalLang"), "destLang": fields.get("destLang"),
        "destFileId": task.outputs.get("dest"), "destFileTmpUrl": link_of(task.outputs.get("dest")),
        "timbre": fields.get("timbre"), "soundCloneId": task.info.get("soundCloneId"),
        "destSrtFileId": str(task.outputs["srt"]) if "srt" in task.outputs else None,
        "destStrTmpUrl": link_of(task.outputs.get("srt")),
        "originalRtasrInfo": task.info.get("originalRtasrInfo"),
        "destRtasrInfo": task.info.get("destRtasrInfo"),
        "status": task.status, "process": task.process,
    }
    if task.error:
        answer["errorMessage"] = task.error
    return answer
