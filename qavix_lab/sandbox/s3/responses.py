"""S3's answers: object headers and byte ranges, XML results and XML errors."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .errors import S3Error
from .store import MiB, ObjectInfo

S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"


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
