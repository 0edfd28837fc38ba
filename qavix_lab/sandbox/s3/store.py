"""``ObjectStore``: objects as files under a root directory (``root/bucket/key``).

Bodies are streamed to disk, multipart parts are kept as files and concatenated on completion.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .errors import S3Error

MiB = 1024 * 1024
MIN_PART_SIZE = 5 * MiB
MAX_PARTS = 10_000
MAX_OBJECT_SIZE = 5 * 1024 * MiB  # the largest single PUT or part S3 accepts
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    etag: str  # without quotes
    modified: float  # seconds since the epoch
    content_type: str


@dataclass(frozen=True)
class PartInfo:
    number: int
    etag: str
    size: int
    modified: float


@dataclass
class _Upload:
    bucket: str
    key: str
    content_type: str
    directory: Path
    parts: dict[int, PartInfo] = field(default_factory=dict)


class ObjectStore:
    """Objects as files under ``root``; thread-safe.

    ``ObjectStore(tmp_path).put_bytes("qavix-uploads", "openapi/a.mp4", data).etag`` is the MD5.
    """

    def __init__(self, root: str | os.PathLike[str], *, min_part_size: int = MIN_PART_SIZE) -> None:
        self.root = Path(root)
        self.min_part_size = min_part_size
        # Bucket names start with a letter or digit, so these never clash with a bucket.
        self._staging = self.root / ".staging"
        self._uploads_dir = self.root / ".uploads"
        self._staging.mkdir(parents=True, exist_ok=True)
        self._uploads_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._meta: dict[tuple[str, str], tuple[ObjectInfo, int]] = {}  # (info, mtime_ns)
        self._uploads: dict[str, _Upload] = {}

    def object_file(self, bucket: str, key: str) -> Path:
        """Where an object lives (whether or not it exists); S3Error for names S3 refuses."""
        _check_bucket(bucket)
        if not key or len(key.encode()) > 1024 or "\x00" in key:
            raise S3Error("KeyTooLongError" if key else "InvalidArgument",
                          "an object key must be 1 to 1024 bytes")
        if any(part in ("", ".", "..") for part in key.split("/")):
            raise S3Error("InvalidArgument", "the sandbox stores objects as files: a key may not "
                          "have empty, '.' or '..' segments")
        return self.root / bucket / key

    def path(self, bucket: str, key: str) -> Path | None:
        """The file of an existing object, or None."""
        try:
            file = self.object_file(bucket, key)
        except S3Error:
            return None
        return file if file.is_file() else None

    def exists(self, bucket: str, key: str) -> bool:
        return self.path(bucket, key) is not None

    def info(self, bucket: str, key: str) -> ObjectInfo | None:
        """Size, ETag, time and type of an object (a file put there by hand: its MD5 as ETag)."""
        file = self.path(bucket, key)
        if file is None:
            return None
        stat = file.stat()
        with self._lock:
            known = self._meta.get((bucket, key))
        if known and known[0].size == stat.st_size and known[1] == stat.st_mtime_ns:
            return known[0]
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        info = ObjectInfo(stat.st_size, _file_md5(file), stat.st_mtime, content_type)
        with self._lock:
            self._meta[(bucket, key)] = (info, stat.st_mtime_ns)
        return info

    def md5(self, bucket: str, key: str) -> str | None:
        """The hex MD5 of an object's bytes (not its ETag, which differs for multipart objects)."""
        file = self.path(bucket, key)
        return None if file is None else _file_md5(file)

    def put_bytes(self, bucket: str, key: str, data: bytes,
                  content_type: str = "application/octet-stream") -> ObjectInfo:
        staged = self.staging_file()
        staged.write_bytes(data)
        return self.commit(bucket, key, staged, hashlib.md5(data).hexdigest(), content_type)

    def put_file(self, bucket: str, key: str, source: str | os.PathLike[str],
                 content_type: str | None = None) -> ObjectInfo:
        """Copy a local file in as an object (streamed; the source stays where it is)."""
        staged, digest = self.staging_file(), hashlib.md5()
        with open(source, "rb") as src, open(staged, "wb") as out:
            while chunk := src.read(MiB):
                digest.update(chunk)
                out.write(chunk)
        content_type = content_type or mimetypes.guess_type(key)[0] or "application/octet-stream"
        return self.commit(bucket, key, staged, digest.hexdigest(), content_type)

    def delete(self, bucket: str, key: str) -> None:
        file = self.path(bucket, key)
        if file is not None:
            file.unlink(missing_ok=True)
        with self._lock:
            self._meta.pop((bucket, key), None)

    def staging_file(self) -> Path:
        """A fresh path to write a body to before :meth:`commit` or :meth:`save_part` moves it."""
        return self._staging / uuid.uuid4().hex

    def commit(self, bucket: str, key: str, staged: Path, etag: str,
               content_type: str) -> ObjectInfo:
        """Move a staged file into place as an object (atomically replacing an older one)."""
        try:
            file = self.object_file(bucket, key)
            file.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, file)
        except OSError as e:
            raise S3Error("InvalidArgument", f"the sandbox stores objects as files and the key "
                          f"{key!r} collides with another object's path ({e.strerror})") from e
        finally:
            staged.unlink(missing_ok=True)
        stat = file.stat()
        info = ObjectInfo(stat.st_size, etag, stat.st_mtime, content_type)
        with self._lock:
            self._meta[(bucket, key)] = (info, stat.st_mtime_ns)
        return info

    # -- multipart -------------------------------------------------------------------------------
    def create_upload(self, bucket: str, key: str, content_type: str) -> str:
        self.object_file(bucket, key)
        upload_id = uuid.uuid4().hex
        directory = self._uploads_dir / upload_id
        directory.mkdir()
        with self._lock:
            self._uploads[upload_id] = _Upload(bucket, key, content_type, directory)
        return upload_id

    def _upload(self, upload_id: str, bucket: str, key: str) -> _Upload:
        upload = self._uploads.get(upload_id)
        if upload is None or (upload.bucket, upload.key) != (bucket, key):
            raise S3Error("NoSuchUpload", "the upload does not exist: it may have been aborted "
                          "or completed", 404)
        return upload

    def check_upload(self, upload_id: str, bucket: str, key: str) -> None:
        with self._lock:
            self._upload(upload_id, bucket, key)

    def save_part(self, upload_id: str, bucket: str, key: str, number: int, staged: Path,
                  etag: str) -> None:
        with self._lock:
            try:
                upload = self._upload(upload_id, bucket, key)
                size = staged.stat().st_size
                os.replace(staged, upload.directory / str(number))
            finally:
                staged.unlink(missing_ok=True)
            upload.parts[number] = PartInfo(number, etag, size, time.time())

    def parts(self, upload_id: str, bucket: str, key: str) -> list[PartInfo]:
        with self._lock:
            return sorted(self._upload(upload_id, bucket, key).parts.values(),
                          key=lambda p: p.number)

    def abort(self, upload_id: str, bucket: str, key: str) -> None:
        with self._lock:
            upload = self._upload(upload_id, bucket, key)
            del self._uploads[upload_id]
        shutil.rmtree(upload.directory, ignore_errors=True)

    def complete(self, upload_id: str, bucket: str, key: str,
                 chosen: list[tuple[int, str]]) -> ObjectInfo:
        """Concatenate the chosen ``(part number, ETag)`` parts into the object (blocking)."""
        with self._lock:
            upload = self._upload(upload_id, bucket, key)
            parts = [self._chosen_part(upload, number, etag) for number, etag in chosen]
        if not parts:
            raise S3Error("MalformedXML", "the part list is empty")
        if any(a.number >= b.number for a, b in zip(parts, parts[1:], strict=False)):
            raise S3Error("InvalidPartOrder", "the part list must be in ascending order")
        small = [p.number for p in parts[:-1] if p.size < self.min_part_size]
        if small:
            raise S3Error("EntityTooSmall", f"part {small[0]} is smaller than the minimum "
                          f"allowed size ({self.min_part_size} bytes)")
        staged = self.staging_file()
        try:
            with open(staged, "wb") as out:
                for part in parts:
                    with open(upload.directory / str(part.number), "rb") as source:
                        shutil.copyfileobj(source, out, 4 * MiB)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        digests = b"".join(bytes.fromhex(p.etag) for p in parts)
        info = self.commit(bucket, key, staged, f"{hashlib.md5(digests).hexdigest()}-{len(parts)}",
                           upload.content_type)
        self.abort(upload_id, bucket, key)
        return info

    @staticmethod
    def _chosen_part(upload: _Upload, number: int, etag: str) -> PartInfo:
        part = upload.parts.get(number)
        if part is None or part.etag != etag.strip('"'):
            raise S3Error("InvalidPart", f"part {number} was not uploaded, or its ETag differs")
        return part


def _check_bucket(bucket: str) -> None:
    if not _BUCKET_NAME.fullmatch(bucket):
        raise S3Error("InvalidBucketName", f"the bucket name {bucket!r} is not valid")


def _file_md5(file: Path) -> str:
    with open(file, "rb") as f:
        return hashlib.file_digest(f, "md5").hexdigest()
