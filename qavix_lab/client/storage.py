"""Putting a file into S3-protocol object storage with the upload privilege's temporary credentials.

The privilege's credentials are Huawei OBS-style (``access``, ``secret``, ``securitytoken``);
OBS and Alibaba OSS both speak the S3 protocol, so :class:`S3Storage` puts the bytes with boto3
(its SigV4 signing, its retries). Anything with the :class:`Storage` shape, e.g. a wrapper
around esdk-obs-python or oss2, can replace it.
"""

from __future__ import annotations

import mimetypes
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol
from urllib.parse import urlsplit

from ..errors import UploadError, ValidationError, register_secret

if TYPE_CHECKING:
    from ..spec import UploadPrivilege

MiB = 1024 * 1024
S3_MIN_PART_SIZE = 5 * MiB
S3_MAX_PARTS = 10_000
S3_MAX_PUT = 5 * 1024 * MiB

Source = str | os.PathLike[str] | BinaryIO
Progress = Callable[[int], None]

_EXPIRED = frozenset({"ExpiredToken", "TokenRefreshRequired"})
# These mean "expired" only when the clock or the message says so; otherwise the keys are wrong.
_MAYBE_EXPIRED = frozenset({"InvalidAccessKeyId", "AccessDenied", "InvalidToken"})
_RENEWALS_IN_A_ROW = 3
_HINTS = {
    "InvalidAccessKeyId": "the temporary access key is unknown to the store (wrong or revoked)",
    "SignatureDoesNotMatch": "the secret key does not match the access key",
    "AccessDenied": "these credentials may not write this object",
    "NoSuchBucket": "the bucket named by the upload privilege does not exist at this endpoint",
    "NoSuchUpload": "the store dropped the multipart upload (aborted or expired)",
}
_REGION_IN_HOST = re.compile(
    r"(?:^|\.)(?:obs|s3)[.-]([a-z]{2}-[a-z]+-\d+)\."  # Huawei OBS, AWS
    r"|(?:^|\.)oss-([a-z]{2}-[a-z]+(?:-\d+)?)(?:-internal)?\.aliyuncs\.com")  # Alibaba OSS


@dataclass
class UploadTarget:
    """Where to put one object and the temporary credentials to do it with (kept out of reprs).

    ``UploadTarget.from_privilege(privilege)`` builds one from an ``upload privilege`` answer.
    """

    endpoint: str
    bucket: str
    key: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        for secret in (self.access_key, self.secret_key, self.session_token):
            register_secret(secret)  # scrubbed from every QavixError message from now on
        if "://" not in self.endpoint:
            self.endpoint = f"https://{self.endpoint}"
        if self.expires_at is not None and self.expires_at.tzinfo is None:
            self.expires_at = self.expires_at.replace(tzinfo=UTC)

    @classmethod
    def from_privilege(cls, privilege: UploadPrivilege) -> UploadTarget:
        """The object key is ``dirPath/randomName``; endpoint and bucket prefer the credentials'."""
        keys = privilege.temporary_access_key
        endpoint = (keys and keys.end_point) or privilege.end_point
        bucket = (keys and keys.bucket_name) or privilege.bucket_name
        if keys is None or not (endpoint and bucket and privilege.random_name and keys.access):
            raise UploadError("the upload privilege lacks temporary credentials, an endpoint, a "
                              "bucket or an object name", where="upload privilege")
        return cls(endpoint, bucket, privilege.object_key, keys.access, keys.secret,
                   keys.security_token, keys.expires_at)

    @property
    def location(self) -> str:
        return f"{self.endpoint}/{self.bucket}/{self.key}"

    def seconds_left(self) -> float:
        if self.expires_at is None:
            return float("inf")
        return self.expires_at.timestamp() - time.time()


class Storage(Protocol):
    """Puts ``size`` bytes of ``source`` at ``target``; ``renew()`` gives fresh credentials."""

    def put(self, source: Source, size: int, target: UploadTarget, *,
            renew: Callable[[], UploadTarget], progress: Progress | None = None) -> None: ...


class S3Storage(Storage):
    """Uploads through boto3: one PUT below ``multipart_threshold``, else a multipart upload.

    Parts of ``part_size`` bytes (grown to stay within 10,000 parts) go ``max_concurrency`` at a
    time, read from the file in small blocks while they are sent: memory does not grow with the
    file or the part size. Failed requests are retried by botocore (``max_attempts``); expired
    credentials are renewed and the same multipart upload goes on. ``progress`` is called from
    the upload threads with the bytes sent so far.

    ``S3Storage().put("talk.mp4", size, UploadTarget.from_privilege(p), renew=fresh_target)``
    """

    def __init__(self, *, multipart_threshold: int = 16 * MiB, part_size: int = 8 * MiB,
                 max_concurrency: int = 4, max_attempts: int = 5, renew_margin: float = 60.0,
                 timeout: float = 60.0, addressing_style: str = "path",
                 region: str | None = None) -> None:
        if not S3_MIN_PART_SIZE <= part_size <= S3_MAX_PUT:
            raise ValidationError("part_size must be from 5 MiB (S3's minimum) to 5 GiB",
                                  where="part_size")
        if not 0 < multipart_threshold <= S3_MAX_PUT:
            raise ValidationError("multipart_threshold must be from 1 byte to 5 GiB",
                                  where="multipart_threshold")
        if max_concurrency < 1 or max_attempts < 1:
            raise ValidationError("max_concurrency and max_attempts must be at least 1",
                                  where="S3Storage")
        self.multipart_threshold, self.part_size = multipart_threshold, part_size
        self.max_concurrency, self.max_attempts = max_concurrency, max_attempts
        self.renew_margin, self.timeout = renew_margin, timeout
        self.addressing_style, self.region = addressing_style, region
        self._session: Any = None
        self._session_lock = threading.Lock()

    def put(self, source: Source, size: int, target: UploadTarget, *,
            renew: Callable[[], UploadTarget], progress: Progress | None = None) -> None:
        if not isinstance(size, int) or size < 0:
            raise ValidationError(f"size must be a byte count, got {size!r}", where="size")
        with _opened(source, size) as file:
            transfer = _Transfer(self, file, self.parts_of(size), target, renew, progress)
            if size < self.multipart_threshold:
                transfer.single()
            else:
                with ThreadPoolExecutor(self.max_concurrency, "qavix-upload") as pool:
                    transfer.multipart(pool)

    def parts_of(self, size: int) -> list[tuple[int, int, int]]:
        """``(part number, offset, length)`` of each part, at most 10,000 of them."""
        part = max(self.part_size, -(-size // S3_MAX_PARTS))
        return [(number, offset, min(part, size - offset))
                for number, offset in enumerate(range(0, size, part), start=1)] or [(1, 0, 0)]

    def client_for(self, target: UploadTarget) -> Any:
        """A boto3 S3 client for the target's endpoint and credentials."""
        import boto3
        from botocore.config import Config

        config = Config(
            signature_version="s3v4", s3={"addressing_style": self.addressing_style},
            retries={"mode": "standard", "max_attempts": self.max_attempts},
            # Plain S3-compatible stores (OBS, OSS) reject the newer default checksum trailers.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            max_pool_connections=self.max_concurrency + 2,
            connect_timeout=self.timeout, read_timeout=self.timeout)
        with self._session_lock:  # creating clients from one session is not thread-safe
            if self._session is None:
                self._session = boto3.session.Session()
            client = self._session.client(
                "s3", endpoint_url=target.endpoint, region_name=self.region or _region_of(target),
                aws_access_key_id=target.access_key, aws_secret_access_key=target.secret_key,
                aws_session_token=target.session_token, config=config)
        client.meta.events.register("before-send.s3", _start_counting)
        return client


def _region_of(target: UploadTarget) -> str:
    match = _REGION_IN_HOST.search(urlsplit(target.endpoint).hostname or "")
    return next((group for group in match.groups() if group), "us-east-1") if match else "us-east-1"


# --- one upload ----------------------------------------------------------------------------------
class _Expired(Exception):
    """The credentials ran out (or are about to): renew them and go on."""


@dataclass
class _Multipart:
    upload_id: str
    target: UploadTarget
    done: dict[int, str]  # part number -> ETag


class _Transfer:
    """One put: the current target and client, swapped for fresh ones when credentials expire."""

    def __init__(self, storage: S3Storage, file: _Window, parts: list[tuple[int, int, int]],
                 target: UploadTarget, renew: Callable[[], UploadTarget],
                 progress: Progress | None) -> None:
        self.storage, self.file, self.parts, self.renew_target = storage, file, parts, renew
        self.progress = _Progress(progress)
        self.renewals_in_a_row = 0
        self.use(target)

    def use(self, target: UploadTarget) -> None:
        if not isinstance(target, UploadTarget):
            raise UploadError(f"renew() must return an UploadTarget, not {type(target).__name__}")
        self.target, self.client = target, self.storage.client_for(target)
        # Renew a little before the end; a quarter of the lifetime when credentials are short-lived.
        self.margin = min(self.storage.renew_margin, max(target.seconds_left(), 0) / 4)

    def renew(self) -> None:
        self.renewals_in_a_row += 1
        if self.renewals_in_a_row > _RENEWALS_IN_A_ROW:
            raise UploadError(f"the storage credentials expired {_RENEWALS_IN_A_ROW} times in a "
                              "row without any progress; check the computer's clock",
                              where=self.target.location)
        self.use(self.renew_target())

    def single(self) -> None:
        number, _, size = self.parts[0]
        while True:
            try:
                self.call("put_object", "the upload", Body=self.body(number, 0, size),
                          ContentLength=size, ContentType=_content_type(self.target))
                return self.progress.sent(number, size)
            except _Expired:
                self.renew()

    def multipart(self, pool: Executor) -> None:
        upload: _Multipart | None = None
        renewed = False
        try:
            while True:
                try:
                    if upload is None or upload.target.location != self.target.location:
                        if upload is not None:
                            self.abort_quietly(upload)  # the renewed privilege names a new key
                        upload = self.start()
                    elif renewed:
                        upload.done = self.listed_parts(upload)
                    renewed = False
                    self.send_parts(pool, upload)
                    return self.complete(upload)
                except _Expired:
                    self.renew()
                    renewed = True
        except UploadError:
            if upload is not None:
                self.abort_quietly(upload)
            raise

    def start(self) -> _Multipart:
        answer = self.call("create_multipart_upload", "starting the multipart upload",
                           ContentType=_content_type(self.target))
        return _Multipart(answer["UploadId"], self.target, {})

    def send_parts(self, pool: Executor, upload: _Multipart) -> None:
        stop = threading.Event()  # set on the first failure: parts not yet started wait
        pending = [part for part in self.parts if part[0] not in upload.done]
        futures = [pool.submit(self.send_part, upload, part, stop) for part in pending]
        try:
            wait(futures)
        finally:
            stop.set()
        errors = [f.exception() for f in futures if f.exception() is not None]
        failure = next((e for e in errors if not isinstance(e, _Expired)), None)
        if failure is not None:
            raise failure
        if errors:
            raise _Expired

    def send_part(self, upload: _Multipart, part: tuple[int, int, int],
                  stop: threading.Event) -> None:
        number, offset, length = part
        if stop.is_set():
            return
        try:
            answer = self.call("upload_part", f"part {number} of {len(self.parts)}",
                               UploadId=upload.upload_id, PartNumber=number,
                               Body=self.body(number, offset, length), ContentLength=length)
        except BaseException:
            stop.set()
            raise
        upload.done[number] = answer["ETag"]
        self.progress.sent(number, length)
        self.renewals_in_a_row = 0

    def listed_parts(self, upload: _Multipart) -> dict[int, str]:
        """The parts the store holds (ListParts), so that none is sent twice after a renewal."""
        sizes = {number: length for number, _, length in self.parts}
        listed: dict[int, str] = {}
        marker = 0
        try:
            while True:
                page = self.call("list_parts", "listing the uploaded parts",
                                 UploadId=upload.upload_id, PartNumberMarker=marker)
                listed.update({p["PartNumber"]: p["ETag"] for p in page.get("Parts", [])
                               if p.get("Size") == sizes.get(p["PartNumber"])})
                if not page.get("IsTruncated"):
                    return listed
                marker = page["NextPartNumberMarker"]
        except UploadError:
            return dict(upload.done)  # credentials without the right to list: trust our record

    def complete(self, upload: _Multipart) -> None:
        parts = [{"PartNumber": number, "ETag": upload.done[number]} for number, _, _ in self.parts]
        self.call("complete_multipart_upload", "completing the multipart upload",
                  UploadId=upload.upload_id, MultipartUpload={"Parts": parts})

    def abort_quietly(self, upload: _Multipart) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.abort_multipart_upload(Bucket=upload.target.bucket, Key=upload.target.key,
                                               UploadId=upload.upload_id)
        except (BotoCoreError, ClientError):
            pass  # best effort: the store's lifecycle rules remove forgotten uploads

    def body(self, number: int, offset: int, length: int) -> _PartBody:
        return _PartBody(self.file, offset, length, lambda sent: self.progress.sent(number, sent))

    def call(self, operation: str, what: str, **params: Any) -> Any:
        """One boto3 call on the current target; expiry -> _Expired, failure -> UploadError."""
        from botocore.exceptions import BotoCoreError, ClientError

        target = self.target
        if target.seconds_left() <= self.margin:
            raise _Expired
        try:
            return getattr(self.client, operation)(Bucket=target.bucket, Key=target.key, **params)
        except ClientError as e:
            error = e.response.get("Error", {})
            code, message = str(error.get("Code", "")), str(error.get("Message", ""))
            if code in _EXPIRED or code in _MAYBE_EXPIRED and (
                    target.seconds_left() <= self.margin or "expire" in message.lower()):
                raise _Expired from e
            hint = f" ({_HINTS[code]})" if code in _HINTS else ""
            raise UploadError(f"{what} failed: {code}: {message}{hint}", where=target.location,
                              http_status=e.response.get("ResponseMetadata", {}).get(
                                  "HTTPStatusCode")) from e
        except (BotoCoreError, OSError) as e:
            raise UploadError(f"{what} failed: {e}", where=target.location) from e


def _content_type(target: UploadTarget) -> str:
    return mimetypes.guess_type(target.key)[0] or "application/octet-stream"


# --- reading the file ----------------------------------------------------------------------------
class _Window:
    """Thread-safe positioned reads of ``size`` bytes of an open file from ``start``."""

    def __init__(self, file: BinaryIO, start: int, size: int) -> None:
        self._file, self._start, self.size = file, start, size
        self._lock = threading.Lock()

    def read_at(self, offset: int, count: int) -> bytes:
        with self._lock:
            self._file.seek(self._start + offset)
            data = self._file.read(count)
        if len(data) != count:
            raise OSError(f"the file ended {offset + len(data)} bytes in, before the "
                          f"{self.size} bytes announced: was it changed during the upload?")
        return data


@contextmanager
def _opened(source: Source, size: int) -> Iterator[_Window]:
    if isinstance(source, str | os.PathLike):
        try:
            file = open(source, "rb")  # noqa: SIM115 - closed by the with below
        except OSError as e:
            raise UploadError(f"cannot read the file to upload: {e.strerror or e}",
                              where=os.fspath(source)) from e
        with file:
            yield _checked_window(file, size, os.fspath(source))
    elif hasattr(source, "read") and hasattr(source, "seek"):
        start = source.tell()
        try:
            yield _checked_window(source, size, getattr(source, "name", "the file object"))
        finally:
            source.seek(start)
    else:
        raise ValidationError(f"cannot upload a {type(source).__name__}: give a path or a "
                              "seekable binary file object", where="source")


def _checked_window(file: BinaryIO, size: int, name: str) -> _Window:
    start = file.tell()
    available = file.seek(0, os.SEEK_END) - start
    if available != size:
        raise ValidationError(f"the file has {available} bytes but size says {size}", where=name)
    return _Window(file, start, size)


class _PartBody:
    """A part's bytes, read from the file as botocore sends them.

    Reads count as sent only once botocore is sending (``before-send``): the SHA-256 that SigV4
    computes first also reads the body, and each seek (a retry rewinds) stops the counting again.
    """

    def __init__(self, file: _Window, offset: int, length: int, sent: Progress) -> None:
        self._file, self._offset, self._length, self._sent = file, offset, length, sent
        self._position = 0
        self.sending = False

    def read(self, count: int | None = -1) -> bytes:
        left = self._length - self._position
        count = left if count is None or count < 0 else min(count, left)
        if count == 0:
            return b""
        data = self._file.read_at(self._offset + self._position, count)
        self._position += count
        if self.sending:
            self._sent(self._position)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._length}[whence]
        self._position = min(max(base + offset, 0), self._length)
        self.sending = False
        return self._position

    def tell(self) -> int:
        return self._position

    def __len__(self) -> int:
        return self._length


def _start_counting(request: Any, **_: Any) -> None:
    if isinstance(request.body, _PartBody):
        request.body.sending = True


class _Progress:
    """Bytes sent so far, never going back: a resent part counts only beyond its best attempt."""

    def __init__(self, callback: Progress | None) -> None:
        self._callback = callback
        self._lock = threading.Lock()
        self._best: dict[int, int] = {}
        self._total = 0

    def sent(self, part: int, position: int) -> None:
        if self._callback is None:
            return
        with self._lock:
            gain = position - self._best.get(part, 0)
            if gain > 0:
                self._best[part] = position
                self._total += gain
                self._callback(self._total)
