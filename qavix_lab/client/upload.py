"""``client.files.upload``: MD5, upload privilege, object storage put, upload complete."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ..errors import ValidationError
from .effects import Plan, blocking
from .options import NO_OPTIONS
from .protocol import call

if TYPE_CHECKING:
    from ..spec import FileLink
    from .clients import BaseClient
    from .storage import Storage

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

    @property
    def expired(self) -> bool:
        if self.expires_at is None:
            return False
        return datetime.now(UTC) >= self.expires_at - REFRESH_MARGIN

    def apply(self, link: FileLink) -> None:
        """Take the URL of a ``url refresh`` answer (``client.files.refresh(file_id)``)."""
        self.url, self.expires_at = link.url, link.expires_at

    def __str__(self) -> str:
        return self.url


def describe_source(source: Source, file_name: str | None) -> tuple[str, int, Any]:
    """(name, size, the thing to read) of a path, bytes or binary file object."""
    if file_name is not None:
        check_file_name(file_name)
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


def check_file_name(name: str) -> None:
    """Refuse a file name the service would store badly: empty, a path, a control character."""
    bad = next((i for i, c in enumerate(name) if c in "/\\" or ord(c) < 32 or ord(c) == 127),
               None)
    if not name.strip() or bad is not None:
        what = "is empty" if bad is None else f"has {name[bad]!r} at position {bad + 1}"
        raise ValidationError(f"the file name {what}; give a plain name such as 'clip.mp4'",
                              where="file_name")


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


def upload_plan(client: BaseClient[Any], source: Source, *, file_name: str | None = None,
                progress: bool | Callable[[int], None] | None = None,
                storage: Storage | None = None) -> Plan[UploadedFile]:
    """MD5, upload privilege, the bytes into object storage (skipped on instant upload), upload
    complete. Stopping it (stop button, cancellation) stops every part being sent."""
    from .hashing import md5_of
    from .storage import S3Storage, UploadTarget

    name, size, readable = describe_source(source, file_name)
    if size <= 0:
        raise ValidationError(f"{name} is empty; there is nothing to upload", where="upload")
    md5 = yield from blocking(lambda stop: md5_of(readable))
    fields = {"fileName": name, "md5": md5, "fileSize": size}
    policy = client.retry_policy
    privilege = yield from call("files.privilege", fields, policy, wire=client.wire)
    if not privilege.upload_complete:
        def renew() -> UploadTarget:  # called from an upload thread when credentials expire
            return UploadTarget.from_privilege(client._run_from_thread(
                call("files.privilege", fields, policy, NO_OPTIONS, wire=client.wire)))

        callback, bar = progress_callback(progress, size, f"upload {name}")
        try:
            yield from blocking(lambda stop: (storage or S3Storage()).put(
                readable, size, UploadTarget.from_privilege(privilege), renew=renew,
                progress=callback, stop=stop))
        finally:
            if bar is not None:
                bar.close()
    link = yield from call("files.complete", {"fileId": privilege.file_id}, policy,
                                 wire=client.wire)
    return UploadedFile(link.file_id, link.url, link.expires_at, name, size, md5,
                        instant=bool(privilege.upload_complete))
