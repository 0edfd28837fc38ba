"""Result models: every response field of the vendor reference, in snake_case.

IDs are ``str`` (int64 values never pass through a float), ``updateTime``/``createTime`` become
tz-aware datetimes in Asia/Shanghai, ``expiresAt`` a UTC datetime. Fields the service adds tomorrow
are kept in ``extra`` instead of being dropped.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

from .. import errors  # as a module: errors itself imports this package's code table

SERVICE_TZ = ZoneInfo("Asia/Shanghai")
SERVICE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

M = TypeVar("M", bound="Model")


class TaskStatus(enum.IntEnum):
    """Task status codes of the reference."""

    DELETED = -1
    PROCESSING = 0
    COMPLETED = 1
    FAILED = 2
    EDITING = 3
    VIOLATION = 10

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset(
    {TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.VIOLATION, TaskStatus.DELETED}
)


def parse_service_time(value: Any) -> datetime | None:
    """``yyyy-MM-dd HH:mm:ss`` in the service's local time (Asia/Shanghai) -> aware datetime."""
    if value in (None, ""):
        return None
    return datetime.strptime(str(value), SERVICE_TIME_FORMAT).replace(tzinfo=SERVICE_TZ)


def parse_utc_time(value: Any) -> datetime | None:
    """UTC ISO-8601 (``Z`` or an offset, or naive meaning UTC) -> aware datetime in UTC."""
    if value in (None, ""):
        return None
    text = str(value).strip().replace("Z", "+00:00").replace("z", "+00:00")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _as_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"an ID must be an integer or a string, not {type(value).__name__}")
    return str(value)


def _as_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("expected an integer, got a boolean")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("expected an integer, got a fraction")
    return int(value)


def _as_status(value: Any) -> TaskStatus | int | None:
    number = _as_int(value)
    if number is None:
        return None
    try:
        return TaskStatus(number)
    except ValueError:
        return number  # an unknown status stays a plain int and is reported as such


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "id": _as_id,
    "int": _as_int,
    "status": _as_status,
    "str": lambda v: None if v is None else str(v),
    "bool": lambda v: None if v is None else bool(v),
    "service_time": parse_service_time,
    "utc_time": parse_utc_time,
    "raw": lambda v: v,
    "int_list": lambda v: [int(x) for x in v] if v is not None else [],
    "str_list": lambda v: [str(x) for x in v] if v is not None else [],
}


def wire(name: str, kind: str = "str", *, secret: bool = False) -> Any:
    """Declare a model field read from JSON key ``name`` with a converter ``kind``."""
    return field(default=None, repr=not secret, metadata={"wire": name, "kind": kind})


@dataclass(frozen=True)
class Model:
    """Base of the result models: built from the service's JSON with :meth:`from_json`."""

    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, kw_only=True)
    nested: ClassVar[dict[str, type[Model]]] = {}

    @classmethod
    def from_json(cls: type[M], data: Any, *, where: str = "result") -> M:
        if not isinstance(data, dict):
            raise errors.MalformedResponse(
                f"expected an object for {cls.__name__}, got {type(data).__name__}", where=where
            )
        values: dict[str, Any] = {}
        known = set()
        for f in dataclasses.fields(cls):
            wire_name = f.metadata.get("wire")
            if wire_name is None:
                continue
            known.add(wire_name)
            raw = data.get(wire_name)
            try:
                if wire_name in cls.nested:
                    values[f.name] = (
                        None if raw is None
                        else cls.nested[wire_name].from_json(raw, where=f"{where}.{wire_name}")
                    )
                else:
                    values[f.name] = _CONVERTERS[f.metadata["kind"]](raw)
            except (TypeError, ValueError) as exc:
                raise errors.MalformedResponse(
                    f"field {wire_name!r} has an unexpected value {raw!r}: {exc}",
                    where=f"{where}.{wire_name}",
                ) from None
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(**values, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        """Plain snake_case dict (extras included under their wire names)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class Voice(Model):
    """One entry of the voice catalog (``TimbreInfoDto``)."""

    id: str = wire("id", "id")
    name: str = wire("name")
    lang: str = wire("lang")
    lang_name: str = wire("langName")
    gender: int = wire("gender", "int")
    gender_str: str = wire("genderStr")
    accent: int = wire("accent", "int")
    accent_str: str = wire("accentStr")
    age_range: int = wire("ageRange", "int")
    age_range_str: str = wire("ageRangeStr")
    emotion: int = wire("emotion", "int")
    emotion_str: str = wire("emotionStr")
    category_list: list[int] = wire("categoryList", "int_list")
    category_str_list: list[str] = wire("categoryStrList", "str_list")
    remark: str = wire("remark")
    source: int = wire("source", "int")
    type: int = wire("type", "int")
    audition_url: str = wire("auditionUrl")
    status: int = wire("status", "int")
    update_time: datetime = wire("updateTime", "service_time")
    create_time: datetime = wire("createTime", "service_time")
    hot_count: int = wire("hotCount", "int")
    use_count: int = wire("useCount", "int")
    collect_count: int = wire("collectCount", "int")


@dataclass(frozen=True)
class ClonedVoice(Model):
    timbre_id: str = wire("timbreId", "id")


@dataclass(frozen=True)
class TemporaryAccessKey(Model):
    """Temporary object-storage credentials; the secrets never show in a repr."""

    expires_at: datetime = wire("expiresAt", "utc_time")
    access: str = wire("access", secret=True)
    secret: str = wire("secret", secret=True)
    security_token: str = wire("securitytoken", secret=True)
    end_point: str = wire("endPoint")
    bucket_name: str = wire("bucketName")


@dataclass(frozen=True)
class UploadPrivilege(Model):
    nested: ClassVar[dict[str, type[Model]]] = {"temporaryAccessKey": TemporaryAccessKey}

    file_id: str = wire("fileId", "id")
    bucket_name: str = wire("bucketName")
    end_point: str = wire("endPoint")
    dir_path: str = wire("dirPath")
    random_name: str = wire("randomName")
    original_name: str = wire("originalName")
    upload_complete: bool = wire("uploadComplete", "bool")
    temporary_access_key: TemporaryAccessKey | None = wire("temporaryAccessKey", "raw")

    @property
    def object_key(self) -> str:
        """``dirPath/randomName``, or ``randomName`` when ``dirPath`` is empty."""
        directory = (self.dir_path or "").strip("/")
        return f"{directory}/{self.random_name}" if directory else str(self.random_name)


@dataclass(frozen=True)
class FileLink(Model):
    """A temporary download URL of an uploaded or produced file."""

    file_id: str = wire("fileId", "id")
    url: str = wire("url")
    expires_at: datetime = wire("expiresAt", "utc_time")
    tmp_url: str = wire("tmpUrl")


@dataclass(frozen=True)
class TaskId(Model):
    task_id: str = wire("taskId", "id")


@dataclass(frozen=True)
class TaskState(Model):
    """What the state of every task has: its ID, status, progress and output file."""

    task_id: str = wire("taskId", "id")
    status: TaskStatus | int = wire("status", "status")
    progress: int = wire("process", "int")  # 0..100; the service calls it "process"
    dest_file_id: str = wire("destFileId", "id")
    dest_file_tmp_url: str = wire("destFileTmpUrl")

    @property
    def process(self) -> int | None:
        """The progress under its wire name (``process``); prefer :attr:`progress`."""
        return self.progress


@dataclass(frozen=True)
class TtsResult(TaskState):
    """State of a TTS task (``tts result``)."""

    lang: str = wire("lang")
    timbre: str = wire("timbre", "id")
    timbre_name: str = wire("timbreName")


@dataclass(frozen=True)
class VideoTask(TaskState):
    """State of a video task (``task query``); transcripts are kept raw."""

    name: str = wire("name")
    format: str = wire("format")
    cover_url: str = wire("coverUrl")
    original_lang: str = wire("originalLang")
    dest_lang: str = wire("destLang")
    timbre: str = wire("timbre")
    sound_clone_id: str = wire("soundCloneId")
    dest_srt_file_id: str = wire("destSrtFileId", "id")
    dest_str_tmp_url: str = wire("destStrTmpUrl")
    original_rtasr_info: Any = wire("originalRtasrInfo", "raw")
    dest_rtasr_info: Any = wire("destRtasrInfo", "raw")

    @property
    def dest_srt_tmp_url(self) -> str | None:
        """The subtitle URL under its intended name (the service spells it ``destStrTmpUrl``)."""
        return self.dest_str_tmp_url
