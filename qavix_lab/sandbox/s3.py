"""Object storage for the sandbox, speaking enough of the S3 protocol for boto3's uploads.

``ObjectStore`` keeps objects as files under a root directory (``root/bucket/key``); bodies are
streamed to disk, multipart parts are kept as files and concatenated on completion.
``make_s3_app`` serves it as an ASGI app for path-style requests (``/bucket/key``): PutObject,
GetObject (with Range), HeadObject, DeleteObject, CreateMultipartUpload, UploadPart, ListParts,
CompleteMultipartUpload and AbortMultipartUpload, with S3's XML answers and errors.

Credentials: the access key comes from the SigV4 ``Authorization`` header or a presigned URL's
query, the session token from ``x-amz-security-token``. ``authorize(access_key, token)`` raises
:class:`S3Denied` to refuse them; when it returns the secret key, the signature is recomputed
with botocore's own SigV4 signer and must match (``None`` skips that check). Chunk signatures of
``aws-chunked`` bodies and ``x-amz-checksum-*`` trailers are not verified; ``Content-MD5`` and a
hex ``x-amz-content-sha256`` are.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import logging
import mimetypes
import os
import re
import shutil
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path
from typing import Any

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse

log = logging.getLogger("qavix_lab.sandbox.s3")

MiB = 1024 * 1024
MIN_PART_SIZE = 5 * MiB
MAX_PARTS = 10_000
MAX_OBJECT_SIZE = 5 * 1024 * MiB  # the largest single PUT or part S3 accepts
S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class S3Error(Exception):
    """An S3 error answer: ``code`` (e.g. ``NoSuchKey``), message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


class S3Denied(S3Error):
    """Credentials refused: ``ExpiredToken`` 400, ``InvalidAccessKeyId`` or ``AccessDenied`` 403."""


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


@dataclass(frozen=True)
class S3Call:
    """One request, as the fault hook sees it (after its credentials were accepted)."""

    operation: str
    bucket: str
    key: str
    access_key: str | None = None
    part_number: int | None = None
    upload_id: str | None = None


@dataclass
class _Upload:
    bucket: str
    key: str
    content_type: str
    directory: Path
    parts: dict[int, PartInfo] = field(default_factory=dict)


# --- the store ----------------------------------------------------------------------------------
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


# --- credentials ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Signed:
    access_key: str
    token: str | None
    region: str
    timestamp: str
    signed_headers: list[str]
    signature: str
    expires: int | None  # presigned URLs only


def _signed_by(headers: Any, query: Any) -> _Signed:
    """The credential, scope and signature of a request (header or presigned-URL SigV4)."""
    if "X-Amz-Credential" in query:
        credential, signed, signature = (query.get(f"X-Amz-{name}", "") for name in
                                         ("Credential", "SignedHeaders", "Signature"))
        token, timestamp = query.get("X-Amz-Security-Token"), query.get("X-Amz-Date", "")
        expires: str | None = query.get("X-Amz-Expires", "")
    else:
        header = headers.get("authorization", "")
        if not header and "AWSAccessKeyId" not in query:
            raise S3Denied("AccessDenied", "anonymous requests are not allowed", 403)
        scheme, _, rest = header.partition(" ")
        if scheme != "AWS4-HMAC-SHA256":  # SigV2, header or presigned
            raise S3Error("InvalidRequest", "The authorization mechanism you have provided is "
                          "not supported. Please use AWS4-HMAC-SHA256.")
        fields = dict(part.strip().partition("=")[::2] for part in rest.split(","))
        credential, signed, signature = (fields.get(name, "") for name in
                                         ("Credential", "SignedHeaders", "Signature"))
        token, timestamp = headers.get("x-amz-security-token"), headers.get("x-amz-date", "")
        expires = None
    scope = credential.split("/")
    if (len(scope) != 5 or scope[3:] != ["s3", "aws4_request"] or not (signed and signature
            and timestamp) or (expires is not None and not expires.isdigit())):
        raise S3Error("AuthorizationHeaderMalformed", "the SigV4 credential, signed headers, "
                      "signature or date is missing or malformed")
    return _Signed(scope[0], token, scope[2], timestamp, signed.split(";"), signature,
                   None if expires is None else int(expires))


def _signed_at(signed: _Signed) -> float:
    try:
        moment = datetime.strptime(signed.timestamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise S3Error("AuthorizationQueryParametersError", "X-Amz-Date is malformed") from None
    return moment.timestamp()


def _signature_matches(scope: Any, headers: Any, signed: _Signed, secret: str) -> bool:
    """Recompute the request's SigV4 signature with botocore's signer (never a hand-made HMAC)."""
    from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    query = "&".join(pair for pair in scope["query_string"].decode("latin-1").split("&")
                     if pair and not pair.startswith("X-Amz-Signature="))
    url = f"http://{headers.get('host', '')}{scope['raw_path'].decode('latin-1')}"
    request = AWSRequest(method=scope["method"], url=f"{url}?{query}" if query else url,
                         headers={n: ",".join(headers.getlist(n)) for n in signed.signed_headers})
    request.context["timestamp"] = signed.timestamp
    signer_type = S3SigV4Auth if signed.expires is None else S3SigV4QueryAuth
    signer = signer_type(Credentials(signed.access_key, secret, signed.token), "s3", signed.region)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)),
                                request)
    return hmac.compare_digest(expected, signed.signature)


# --- the app -------------------------------------------------------------------------------------
Authorize = Callable[[str, str | None], str | None]
FaultHook = Callable[[S3Call], "S3Error | None | Awaitable[S3Error | None]"]


def make_s3_app(store: ObjectStore, authorize: Authorize, *, faults: FaultHook | None = None,
                clock: Callable[[], float] = time.time) -> S3App:
    """An ASGI app serving ``store`` over the S3 protocol (path-style: ``/bucket/key``).

    ``authorize(access_key, session_token)`` raises :class:`S3Denied` to refuse a request, or
    returns the secret key to verify the signature with (None: not verified). ``faults(call)`` sees
    every accepted request before it is carried out and may return an :class:`S3Error` to answer
    with instead (``S3Error("InternalError", "injected", 500)`` proves retries). ``clock`` decides
    when presigned URLs expire. Mount it at the root: it reads the bucket from the full path.
    """
    return S3App(store, authorize, faults, clock)


class S3App:
    """The ASGI app :func:`make_s3_app` builds."""

    def __init__(self, store: ObjectStore, authorize: Authorize, faults: FaultHook | None,
                 clock: Callable[[], float]) -> None:
        self.store, self.authorize, self.faults, self.clock = store, authorize, faults, clock

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        try:
            response = await self._respond(request)
        except ClientDisconnect:
            return
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> Response:
        request_id = uuid.uuid4().hex[:16].upper()
        bucket, _, key = request.scope["path"].lstrip("/").partition("/")
        try:
            call = _call_of(request, bucket, key)
            call = S3Call(call.operation, bucket, key, self._check_credentials(request),
                          call.part_number, call.upload_id)
            fault = self.faults(call) if self.faults else None
            if inspect.isawaitable(fault):
                fault = await fault
            if fault is not None:
                raise fault
            response = await getattr(self, f"_{call.operation}")(request, call)
        except S3Error as e:
            response = _error(e, request, request_id)
        except ClientDisconnect:
            raise
        except Exception:
            log.exception("S3 sandbox: %s %s failed", request.method, request.scope["path"])
            response = _error(S3Error("InternalError", "the sandbox failed", 500), request,
                              request_id)
        response.headers["x-amz-request-id"] = request_id
        return response

    def _check_credentials(self, request: Request) -> str:
        signed = _signed_by(request.headers, request.query_params)
        secret = self.authorize(signed.access_key, signed.token)
        if secret is not None and not _signature_matches(request.scope, request.headers, signed,
                                                         secret):
            raise S3Denied("SignatureDoesNotMatch", "The request signature we calculated does "
                           "not match the signature you provided. Check your key and signing "
                           "method.", 403)
        if signed.expires is not None and _signed_at(signed) + signed.expires < self.clock():
            raise S3Denied("AccessDenied", "Request has expired", 403)
        return signed.access_key

    # -- operations ------------------------------------------------------------------------------
    async def _HeadBucket(self, request: Request, call: S3Call) -> Response:
        _check_bucket(call.bucket)
        return Response(status_code=200)

    async def _PutObject(self, request: Request, call: S3Call) -> Response:
        if "x-amz-copy-source" in request.headers:
            raise S3Error("NotImplemented", "CopyObject is not supported by the sandbox", 501)
        self.store.object_file(call.bucket, call.key)
        staged, etag = await self._receive(request)
        content_type = request.headers.get("content-type", "application/octet-stream")
        info = self.store.commit(call.bucket, call.key, staged, etag, content_type)
        return Response(status_code=200, headers={"ETag": f'"{info.etag}"'})

    async def _UploadPart(self, request: Request, call: S3Call) -> Response:
        number = call.part_number
        if number is None or not 1 <= number <= MAX_PARTS:
            raise S3Error("InvalidArgument", f"partNumber must be an integer from 1 to {MAX_PARTS}")
        self.store.check_upload(call.upload_id or "", call.bucket, call.key)
        staged, etag = await self._receive(request)
        self.store.save_part(call.upload_id or "", call.bucket, call.key, number, staged, etag)
        return Response(status_code=200, headers={"ETag": f'"{etag}"'})

    async def _CreateMultipartUpload(self, request: Request, call: S3Call) -> Response:
        content_type = request.headers.get("content-type", "application/octet-stream")
        upload_id = self.store.create_upload(call.bucket, call.key, content_type)
        return _xml("InitiateMultipartUploadResult",
                    [("Bucket", call.bucket), ("Key", call.key), ("UploadId", upload_id)])

    async def _ListParts(self, request: Request, call: S3Call) -> Response:
        query = request.query_params
        try:
            limit = min(int(query.get("max-parts", 1000)), 1000)
            marker = int(query.get("part-number-marker", 0))
        except ValueError:
            raise S3Error("InvalidArgument", "max-parts and part-number-marker must be integers"
                          ) from None
        remaining = [p for p in self.store.parts(call.upload_id or "", call.bucket, call.key)
                     if p.number > marker]
        page = remaining[:max(limit, 0)]
        fields: list[tuple[str, Any]] = [
            ("Bucket", call.bucket), ("Key", call.key), ("UploadId", call.upload_id),
            ("PartNumberMarker", marker), ("NextPartNumberMarker", page[-1].number if page else 0),
            ("MaxParts", limit), ("IsTruncated", len(remaining) > len(page)),
            ("StorageClass", "STANDARD")]
        fields += [("Part", [("PartNumber", p.number), ("LastModified", _iso(p.modified)),
                             ("ETag", f'"{p.etag}"'), ("Size", p.size)]) for p in page]
        return _xml("ListPartsResult", fields)

    async def _CompleteMultipartUpload(self, request: Request, call: S3Call) -> Response:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > 4 * MiB:
                raise S3Error("MalformedXML", "the part list is too large")
        chosen = _parse_part_list(bytes(body))
        info = await anyio.to_thread.run_sync(
            self.store.complete, call.upload_id or "", call.bucket, call.key, chosen)
        location = f"{request.base_url}{call.bucket}/{call.key}"
        return _xml("CompleteMultipartUploadResult", [
            ("Location", location), ("Bucket", call.bucket), ("Key", call.key),
            ("ETag", f'"{info.etag}"')])

    async def _AbortMultipartUpload(self, request: Request, call: S3Call) -> Response:
        self.store.abort(call.upload_id or "", call.bucket, call.key)
        return Response(status_code=204)

    async def _DeleteObject(self, request: Request, call: S3Call) -> Response:
        self.store.delete(call.bucket, call.key)
        return Response(status_code=204)

    async def _HeadObject(self, request: Request, call: S3Call) -> Response:
        info = self._info(call)
        return Response(status_code=200, headers=_object_headers(info, info.size))

    async def _GetObject(self, request: Request, call: S3Call) -> Response:
        info = self._info(call)
        start, end = _byte_range(request.headers.get("range"), info.size)
        headers = _object_headers(info, end - start)
        if (start, end) != (0, info.size):
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{info.size}"
        try:
            file = open(self.store.object_file(call.bucket, call.key), "rb")
        except FileNotFoundError:
            raise S3Error("NoSuchKey", "The specified key does not exist.", 404) from None
        file.seek(start)
        return StreamingResponse(_file_chunks(file, end - start), headers=headers,
                                 status_code=200 if "Content-Range" not in headers else 206)

    def _info(self, call: S3Call) -> ObjectInfo:
        info = self.store.info(call.bucket, call.key)
        if info is None:
            raise S3Error("NoSuchKey", "The specified key does not exist.", 404)
        return info

    async def _receive(self, request: Request) -> tuple[Path, str]:
        """Stream the body to a staging file, checking its length and digests: (file, md5 hex)."""
        headers = request.headers
        chunked = ("aws-chunked" in headers.get("content-encoding", "")
                   or headers.get("x-amz-content-sha256", "").startswith("STREAMING-"))
        declared = headers.get("x-amz-decoded-content-length" if chunked else "content-length")
        if declared is not None and not declared.isdigit():
            raise S3Error("InvalidArgument", f"the declared body length {declared!r} is not valid")
        if declared is not None and int(declared) > MAX_OBJECT_SIZE:
            raise S3Error("EntityTooLarge", "a single PUT or part may not exceed 5 GiB")
        claimed_sha = headers.get("x-amz-content-sha256", "")
        sha = hashlib.sha256() if re.fullmatch(r"[0-9a-f]{64}", claimed_sha) else None
        md5, size = hashlib.md5(), 0
        staged = self.store.staging_file()
        try:
            with open(staged, "wb") as out:
                chunks = request.stream()
                async for chunk in _aws_chunked(chunks) if chunked else chunks:
                    out.write(chunk)
                    md5.update(chunk)
                    if sha:
                        sha.update(chunk)
                    size += len(chunk)
            _check_body(declared, size, sha, claimed_sha, headers.get("content-md5"), md5)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        return staged, md5.hexdigest()


def _call_of(request: Request, bucket: str, key: str) -> S3Call:
    """Which S3 operation a request is, from its method, key and query flags."""
    method, query = request.method, request.query_params
    upload_id = query.get("uploadId")
    operation: str | None
    if not key:
        operation = "HeadBucket" if method == "HEAD" else None
    elif upload_id is not None:
        operation = {"PUT": "UploadPart", "POST": "CompleteMultipartUpload", "GET": "ListParts",
                     "DELETE": "AbortMultipartUpload"}.get(method)
    elif method == "POST":
        operation = "CreateMultipartUpload" if "uploads" in query else None
    else:
        operation = {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject",
                     "DELETE": "DeleteObject"}.get(method)
    if operation is None:
        raise S3Error("NotImplemented", f"the sandbox does not implement {method} "
                      f"{'/' + bucket + ('/…' if key else '')} with these parameters", 501)
    number = query.get("partNumber")
    part_number = int(number) if number and number.isdigit() else None
    return S3Call(operation, bucket, key, part_number=part_number, upload_id=upload_id)


def _check_body(declared: str | None, size: int, sha: Any, claimed_sha: str,
                content_md5: str | None, md5: Any) -> None:
    if declared is not None and int(declared) != size:
        raise S3Error("IncompleteBody", f"received {size} bytes of the declared {declared}")
    if sha is not None and sha.hexdigest() != claimed_sha:
        raise S3Error("XAmzContentSHA256Mismatch", "the body's SHA-256 differs from "
                      "x-amz-content-sha256")
    if content_md5 is not None:
        try:
            expected = base64.b64decode(content_md5, validate=True)
        except ValueError:
            raise S3Error("InvalidDigest", "Content-MD5 is not valid base64") from None
        if expected != md5.digest():
            raise S3Error("BadDigest", "the body's MD5 differs from Content-MD5")


async def _aws_chunked(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Decode an ``aws-chunked`` body: ``<hex size>[;chunk-signature=…]\\r\\n<data>\\r\\n``
    chunks up to a zero-size one, then trailers (checksums; read and ignored)."""
    buffer = bytearray()

    async def fill(needed: int) -> None:
        while len(buffer) < needed:
            chunk = await anext(stream, None)
            if chunk is None:
                raise S3Error("IncompleteBody", "the aws-chunked body ended early")
            buffer.extend(chunk)

    while True:
        while (end := buffer.find(b"\r\n")) < 0:
            if len(buffer) > 4096:
                raise S3Error("InvalidRequest", "an aws-chunked chunk header is too long")
            await fill(len(buffer) + 1)
        try:
            size = int(buffer[:end].split(b";", 1)[0], 16)
        except ValueError:
            raise S3Error("InvalidRequest", "an aws-chunked chunk size is not hex") from None
        del buffer[:end + 2]
        if size == 0:
            async for _trailers in stream:  # drain, so the connection can be reused
                pass
            return
        while size:
            await fill(1)
            piece = bytes(buffer[:size])
            del buffer[:len(piece)]
            size -= len(piece)
            yield piece
        await fill(2)
        if buffer[:2] != b"\r\n":
            raise S3Error("InvalidRequest", "an aws-chunked chunk is longer than its size says")
        del buffer[:2]


def _parse_part_list(body: bytes) -> list[tuple[int, str]]:
    try:
        root = ET.fromstring(body)
        parts = [el for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "Part"]
        return [(int(_child_text(p, "PartNumber")), _child_text(p, "ETag")) for p in parts]
    except (ET.ParseError, ValueError) as e:
        raise S3Error("MalformedXML", f"the part list is not valid XML: {e}") from None


def _child_text(element: ET.Element, name: str) -> str:
    for child in element:
        if child.tag.rsplit("}", 1)[-1] == name and child.text:
            return child.text.strip()
    raise ValueError(f"a Part has no {name}")


def _byte_range(header: str | None, size: int) -> tuple[int, int]:
    """``(start, end)`` (end exclusive) for a ``Range: bytes=…`` header; malformed -> all."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", (header or "").strip())
    if not match or match.groups() == ("", ""):
        return 0, size
    first, last = match.groups()
    if not first:
        return max(size - int(last), 0), size
    start, end = int(first), min(int(last) + 1 if last else size, size)
    if start >= size or end <= start:
        raise S3Error("InvalidRange", "The requested range is not satisfiable", 416)
    return start, end


def _file_chunks(file: Any, length: int) -> Any:
    # A sync generator: Starlette reads it in its thread pool, off the event loop.
    with file:
        while length > 0:
            chunk = file.read(min(length, MiB))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


def _object_headers(info: ObjectInfo, length: int) -> dict[str, str]:
    return {"Content-Length": str(length), "ETag": f'"{info.etag}"', "Accept-Ranges": "bytes",
            "Last-Modified": formatdate(info.modified, usegmt=True),
            "Content-Type": info.content_type}


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _xml(tag: str, fields: list[tuple[str, Any]], status: int = 200,
         namespace: bool = True) -> Response:
    root = ET.Element(tag, {"xmlns": S3_NAMESPACE} if namespace else {})
    _fill(root, fields)
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root)
    return Response(body, status_code=status, media_type="application/xml")


def _fill(parent: ET.Element, fields: list[tuple[str, Any]]) -> None:
    for name, value in fields:
        child = ET.SubElement(parent, name)
        if isinstance(value, list):
            _fill(child, value)
        else:
            child.text = str(value).lower() if isinstance(value, bool) else str(value)


def _error(error: S3Error, request: Request, request_id: str) -> Response:
    if request.method == "HEAD":  # a HEAD answer has no body: boto3 reads the status alone
        response = Response(status_code=error.status)
    else:
        response = _xml("Error", [("Code", error.code), ("Message", error.message),
                                  ("Resource", request.scope["path"]), ("RequestId", request_id)],
                        status=error.status, namespace=False)
    if request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers:
        # The body may be unread (an answer before "100 Continue"): the connection cannot be
        # reused, or the client's next request would be taken for the rest of this body.
        response.headers["Connection"] = "close"
    return response
