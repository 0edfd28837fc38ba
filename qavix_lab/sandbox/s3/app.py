"""The ASGI app serving an ``ObjectStore`` over the S3 protocol, one method per operation."""

from __future__ import annotations

import hashlib
import inspect
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse

from .auth import _signature_matches, _signed_at, _signed_by
from .bodies import _aws_chunked, _check_body, _parse_part_list
from .calls import S3Call, _call_of
from .errors import S3Denied, S3Error
from .responses import _byte_range, _error, _file_chunks, _iso, _object_headers, _xml
from .store import MAX_OBJECT_SIZE, MAX_PARTS, MiB, ObjectInfo, ObjectStore, _check_bucket

log = logging.getLogger("qavix_lab.sandbox.s3")

Authorize = Callable[[str, str | None], str | None]
Permits = Callable[[str, str, str], bool]
FaultHook = Callable[[S3Call], "S3Error | None | Awaitable[S3Error | None]"]


def make_s3_app(store: ObjectStore, authorize: Authorize, *, faults: FaultHook | None = None,
                clock: Callable[[], float] = time.time, permits: Permits | None = None) -> S3App:
    """An ASGI app serving ``store`` over the S3 protocol (path-style: ``/bucket/key``).

    ``authorize(access_key, session_token)`` raises :class:`S3Denied` to refuse a request, or
    returns the secret key to verify the signature with (None: not verified). ``faults(call)`` sees
    every accepted request before it is carried out and may return an :class:`S3Error` to answer
    with instead (``S3Error("InternalError", "injected", 500)`` proves retries). ``clock`` decides
    when presigned URLs expire. ``permits(access_key, bucket, key)`` scopes credentials: when it
    says no (``key`` is ``""`` for a bucket-level request such as a listing), the request is
    refused with ``AccessDenied`` 403, as a store refuses what a policy does not grant. Mount it
    at the root: it reads the bucket from the full path.
    """
    return S3App(store, authorize, faults, clock, permits)


class S3App:
    """The ASGI app :func:`make_s3_app` builds."""

    def __init__(self, store: ObjectStore, authorize: Authorize, faults: FaultHook | None,
                 clock: Callable[[], float], permits: Permits | None = None) -> None:
        self.store, self.authorize, self.faults, self.clock = store, authorize, faults, clock
        self.permits = permits

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
            access_key = self._check_credentials(request)
            if self.permits is not None and not self.permits(access_key, bucket, key):
                raise S3Denied("AccessDenied", "Access Denied", 403)
            call = _call_of(request, bucket, key)
            call = S3Call(call.operation, bucket, key, access_key, call.part_number,
                          call.upload_id)
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
        except TimeoutError:  # a body piece took too long (the server's receive is timed)
            response = _error(S3Error("RequestTimeout", "Your socket connection to the server was "
                                      "not read from or written to within the timeout period.",
                                      400), request, request_id)
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
