"""Putting a file into S3-protocol object storage with the upload privilege's temporary credentials.

The privilege's credentials are Huawei OBS-style (``access``, ``secret``, ``securitytoken``);
OBS and Alibaba OSS both speak the S3 protocol, so :class:`S3Storage` puts the bytes with boto3
(its SigV4 signing, its retries). Anything with the :class:`Storage` shape, e.g. a wrapper
around esdk-obs-python or oss2, can replace it.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol
from urllib.parse import urlsplit

from ..errors import UploadError, ValidationError, register_secret
from .partfiles import opened, start_counting

if TYPE_CHECKING:
    from ..spec import UploadPrivilege

MiB = 1024 * 1024
S3_MIN_PART_SIZE = 5 * MiB
S3_MAX_PARTS = 10_000
S3_MAX_PUT = 5 * 1024 * MiB

Source = str | os.PathLike[str] | BinaryIO
Progress = Callable[[int], None]

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
            renew: Callable[[], UploadTarget], progress: Progress | None = None,
            stop: threading.Event | None = None) -> None: ...


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
            renew: Callable[[], UploadTarget], progress: Progress | None = None,
            stop: threading.Event | None = None) -> None:
        """Put the bytes; when ``stop`` is set, every part being sent breaks off at once."""
        from .multipart import Transfer  # imported here: it needs UploadTarget from this module

        if not isinstance(size, int) or size < 0:
            raise ValidationError(f"size must be a byte count, got {size!r}", where="size")
        with opened(source, size) as file:
            transfer = Transfer(self, file, self.parts_of(size), target, renew, progress,
                                stop or threading.Event())
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
        client.meta.events.register("before-send.s3", start_counting)
        return client


def _region_of(target: UploadTarget) -> str:
    match = _REGION_IN_HOST.search(urlsplit(target.endpoint).hostname or "")
    return next((group for group in match.groups() if group), "us-east-1") if match else "us-east-1"
