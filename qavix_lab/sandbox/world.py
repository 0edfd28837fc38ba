"""The sandbox's state: API keys' files, links, upload credentials, tasks and voices.

One lock guards it all; a shiftable clock (``advance``) lets tests expire links and credentials
without sleeping.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .config import SandboxConfig

UPLOAD_BUCKET = "qavix-uploads"
OUTPUT_BUCKET = "qavix-outputs"


class ServiceError(Exception):
    """Answered as a WebResult with a non-zero code. ``wire_code`` and ``param`` refine it in
    the v2 envelope (``"missing_field"``, ``"videoUrl"``)."""

    def __init__(self, code: int, message: str, http_status: int = 200, *,
                 wire_code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.http_status = code, message, http_status
        self.wire_code, self.param = wire_code, param


@dataclass
class FileRecord:
    id: int
    owner: str
    name: str
    bucket: str
    key: str
    md5: str | None = None
    size: int | None = None
    complete: bool = False
    generate: Callable[[], bytes] | None = None  # lazily produced outputs (TTS audio)


@dataclass
class Credential:
    """Temporary upload credentials, good for one file's object only, until it is complete."""

    access: str
    secret: str = field(repr=False)
    token: str = field(repr=False)
    expires: float
    file_id: int


@dataclass
class Link:
    file_id: int
    expires: float


@dataclass
class Task:
    id: int
    owner: str
    kind: str  # an operation name: "tts.create", "video.erase", ...
    fields: dict[str, Any]
    created: float
    duration: float
    status: int = 0
    process: int = 0
    final_status: int = 1  # what the task ends as (scenario markers can change it)
    error: str | None = None
    outputs: dict[str, int] = field(default_factory=dict)  # role -> file id
    info: dict[str, Any] = field(default_factory=dict)  # extra result fields (transcripts...)


class World:
    def __init__(self, config: SandboxConfig, data_dir: Path) -> None:
        self.config = config
        self.data_dir = data_dir
        self.lock = threading.RLock()
        self.offset = 0.0
        self.started = time.time()
        self.files: dict[int, FileRecord] = {}
        self.links: dict[str, Link] = {}
        self.shown: dict[int, tuple[str, float]] = {}  # file id -> link given in task answers
        self.credentials: dict[str, Credential] = {}
        self.tasks: dict[int, Task] = {}
        self.clones: dict[str, list[dict[str, Any]]] = {}
        self._file_ids = itertools.count(6_100_000_000_000_000_001, 7)
        self.origin = ""  # set when the server knows its port

    # -- time --------------------------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the sandbox's clock forward (expire links and credentials, finish TTS tasks)."""
        with self.lock:
            self.offset += seconds

    @staticmethod
    def iso(moment: float) -> str:
        return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    # -- files and links ---------------------------------------------------------------------
    def new_file(self, owner: str, name: str, bucket: str, key: str, **kw: Any) -> FileRecord:
        with self.lock:
            record = FileRecord(next(self._file_ids), owner, name, bucket, key, **kw)
            self.files[record.id] = record
            return record

    def file_of(self, owner: str, file_id: Any) -> FileRecord:
        try:
            record = self.files.get(int(file_id))
        except (TypeError, ValueError):
            raise ServiceError(4005, f"fileId must be an integer, got {file_id!r}") from None
        if record is None or record.owner != owner:
            raise ServiceError(4004, f"file {file_id} not found")
        return record

    def link(self, record: FileRecord) -> dict[str, Any]:
        """A fresh temporary download URL for a file (the ``url``/``tmpUrl`` answer)."""
        token = secrets.token_urlsafe(16)
        expires = self.now() + self.config.link_ttl
        with self.lock:
            self.links[token] = Link(record.id, expires)
        url = f"{self.origin}/files/{token}/{quote(record.name, safe='')}"
        return {"fileId": record.id, "url": url, "expiresAt": self.iso(expires), "tmpUrl": url}

    def current_link(self, record: FileRecord) -> str:
        """The file's unexpired link if it has one, else a new one: task queries polled many
        times then answer with the same URL instead of minting a token per poll."""
        with self.lock:
            url, expires = self.shown.get(record.id, ("", 0.0))
            if expires <= self.now():
                answer = self.link(record)
                url = answer["url"]
                self.shown[record.id] = (url, self.now() + self.config.link_ttl)
            return url

    def resolve_link(self, token: str) -> tuple[FileRecord | None, bool]:
        """(record, expired) for a link token; (None, False) when unknown."""
        link = self.links.get(token)
        if link is None:
            return None, False
        return self.files.get(link.file_id), link.expires <= self.now()

    def local_file(self, url: str, store: Any) -> Path | None:
        """The object behind one of the sandbox's own, unexpired links (None for others)."""
        prefix = f"{self.origin}/files/"
        if not url.startswith(prefix):
            return None
        record, expired = self.resolve_link(url[len(prefix):].split("/", 1)[0])
        if record is None or expired:
            return None
        return store.path(record.bucket, record.key)

    # -- upload credentials ------------------------------------------------------------------
    def issue_credential(self, file_id: int) -> Credential:
        cred = Credential(
            access="QSTS" + secrets.token_hex(8).upper(),
            secret=secrets.token_urlsafe(24),
            token=secrets.token_urlsafe(32),
            expires=self.now() + self.config.credential_ttl,
            file_id=file_id,
        )
        with self.lock:
            self.credentials[cred.access] = cred
        return cred

    def revoke_credentials(self, file_id: int) -> None:
        """Upload credentials end when their file is complete: its bytes are final."""
        with self.lock:
            for cred in self.credentials.values():
                if cred.file_id == file_id:
                    cred.expires = min(cred.expires, self.now())

    def credential_permits(self, access: str, bucket: str, key: str) -> bool:
        """Whether upload credentials reach this object: their own file's, nothing else."""
        with self.lock:
            cred = self.credentials.get(access)
            record = self.files.get(cred.file_id) if cred else None
            return record is not None and (record.bucket, record.key) == (bucket, key)

    def object_key(self, file_name: str) -> tuple[str, str]:
        suffix = Path(file_name).suffix.lower()[:10]
        day = datetime.fromtimestamp(self.now(), UTC).strftime("%Y%m%d")
        return f"openapi/{day}", f"{uuid.uuid4().hex}{suffix}"

    # -- tasks -------------------------------------------------------------------------------
    def new_task(self, owner: str, kind: str, fields: dict[str, Any], duration: float) -> Task:
        """A task with an unpredictable int64 ID (above 2**53, as a float would round it)."""
        with self.lock:
            task_id = _random_id()
            while task_id in self.tasks:
                task_id = _random_id()
            task = Task(task_id, owner, kind, dict(fields), self.now(), duration)
            self.tasks[task.id] = task
            return task

    def task_of(self, owner: str, task_id: Any) -> Task:
        try:
            task = self.tasks.get(int(str(task_id)))
        except ValueError:
            raise ServiceError(4005, f"taskId must be an integer, got {task_id!r}") from None
        if task is None or task.owner != owner:
            raise ServiceError(4004, f"task {task_id} not found")
        return task

    def tasks_of(self, owner: str) -> list[Task]:
        with self.lock:
            return [t for t in self.tasks.values() if t.owner == owner]

    @staticmethod
    def output_key(name: str) -> str:
        """Where a task's output lives: a random folder, so no one can guess (and pre-write) it."""
        return f"{uuid.uuid4().hex}/{name}"


def _random_id() -> int:
    return 8_200_000_000_000_000_000 + secrets.randbelow(10**18)
