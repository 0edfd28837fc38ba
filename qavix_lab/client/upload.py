"""``client.files.upload``: MD5, upload privilege, object storage put, upload complete."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ..errors import ValidationError
from .protocol import Call, Plan

if TYPE_CHECKING:
    from .clients import BaseClient

Source = str | os.PathLike[str] | bytes | bytearray | BinaryIO
REFRESH_MARGIN = timedelta(seconds=60)


@dataclass
class UploadedFile:
    """An uploaded file and its temporary download URL, refreshed when it (nearly) expired.

    ``str(uploaded)`` is a usable URL, so it can go wherever a ``videoUrl`` is expected.
    """

    file_id: str
    url: str
    expires_at: datetime | None
    name: str
    size: int
    md5: str
    instant: bool = False  # the service already had these bytes
    media: Any = None  # qavix_lab.media.MediaInfo when probed
    _client: Any = field(default=None, repr=False, compare=False)

    @property
    def expired(self) -> bool:
        if self.expires_at is None:
            return False
        return datetime.now(UTC) >= self.expires_at - REFRESH_MARGIN

    def fresh_url(self) -> str:
        """The URL, re-issued first if it expired (sync clients)."""
        if self.expired and self._client is not None and not self._client.is_async:
            self._apply(self._client.files.refresh(self.file_id))
        return self.url

    def _apply(self, link: Any) -> None:
        self.url, self.expires_at = link.url, link.expires_at

    def __str__(self) -> str:
        return self.url


def describe_source(source: Source, file_name: str | None) -> tuple[str, int, Any]:
    """(name, size, the thing to read) of a path, bytes or binary file object."""
    if isinstance(source, bytes | bytearray):
        return file_name or "upload.bin", len(source), io.BytesIO(bytes(source))
    if isinstance(source, str | os.PathLike):
        path = Path(source).expanduser()
        if not path.is_file():
            raise ValidationError(f"no such file: {path}", where="upload")
        return file_name or path.name, path.stat().st_size, path
    if hasattr(source, "read") and hasattr(source, "seek"):
        start = source.tell()
        size = source.seek(0, io.SEEK_END) - start
        source.seek(start)
        name = file_name or Path(getattr(source, "name", "upload.bin")).name
        return name, size, source
    raise ValidationError(f"cannot upload a {type(source).__name__}; give a path, bytes or a "
                          "binary file object", where="upload")


def progress_callback(progress: bool | Callable[[int], None] | None, total: int, label: str
                      ) -> tuple[Callable[[int], None] | None, Any]:
    """A bytes-so-far callback, and a tqdm bar to close (``progress=True``) or None."""
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=label)

        def update(done: int) -> None:
            bar.update(done - bar.n)

        return update, bar
    return (progress or None), None


def upload_plan(client: BaseClient, source: Source, *, file_name: str | None = None,
                progress: bool | Callable[[int], None] | None = None,
                storage: Any = None) -> Plan[UploadedFile]:
    from .hashing import md5_of
    from .storage import S3Storage, UploadTarget

    name, size, readable = describe_source(source, file_name)
    if size <= 0:
        raise ValidationError(f"{name} is empty; there is nothing to upload", where="upload")
    md5 = yield Call(lambda: md5_of(readable))
    fields = {"fileName": name, "md5": md5, "fileSize": size}
    privilege = yield from client._call_plan("files.privilege", fields)
    if not privilege.upload_complete:
        def renew() -> Any:
            return UploadTarget.from_privilege(client._blocking_call("files.privilege", fields))

        callback, bar = progress_callback(progress, size, f"upload {name}")
        try:
            yield Call(lambda: (storage or S3Storage()).put(
                readable, size, UploadTarget.from_privilege(privilege), renew=renew,
                progress=callback))
        finally:
            if bar is not None:
                bar.close()
    link = yield from client._call_plan("files.complete", {"fileId": privilege.file_id})
    return UploadedFile(link.file_id, link.url, link.expires_at, name, size, md5,
                        instant=bool(privilege.upload_complete), _client=client)
