"""One put through boto3: a single PUT or a multipart upload, renewing expired credentials.

:class:`Transfer` is the machinery behind :meth:`S3Storage.put <.storage.S3Storage.put>`.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Callable
from concurrent.futures import Executor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import UploadError
from .partfiles import PartBody, Window
from .storage import UploadTarget

if TYPE_CHECKING:
    from .storage import Progress, S3Storage

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


class _Expired(Exception):
    """The credentials ran out (or are about to): renew them and go on."""


@dataclass
class _Multipart:
    upload_id: str
    target: UploadTarget
    done: dict[int, str]  # part number -> ETag


class Transfer:
    """One put: the current target and client, swapped for fresh ones when credentials expire."""

    def __init__(self, storage: S3Storage, file: Window, parts: list[tuple[int, int, int]],
                 target: UploadTarget, renew: Callable[[], UploadTarget],
                 progress: Progress | None, cancel: threading.Event) -> None:
        self.storage, self.file, self.parts, self.renew_target = storage, file, parts, renew
        self.cancel = cancel  # set when the caller stops: parts in flight break off
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
        except BaseException:  # a failure, or the caller stopped: drop the parts stored
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
        except BaseException:  # the stop button, in the thread that waits
            self.cancel.set()
            raise
        finally:
            stop.set()
        errors = [f.exception() for f in futures if f.exception() is not None]
        if self.cancel.is_set():
            raise UploadError("the upload was stopped", where=self.target.location)
        failure = next((e for e in errors if not isinstance(e, _Expired)), None)
        if failure is not None:
            raise failure
        if errors:
            raise _Expired

    def send_part(self, upload: _Multipart, part: tuple[int, int, int],
                  stop: threading.Event) -> None:
        number, offset, length = part
        if stop.is_set() or self.cancel.is_set():
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

    def body(self, number: int, offset: int, length: int) -> PartBody:
        return PartBody(self.file, offset, length, lambda sent: self.progress.sent(number, sent),
                        self.cancel)

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
