"""``S3Call``: which S3 operation a request is, as the fault hook sees it."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from .errors import S3Error


@dataclass(frozen=True)
class S3Call:
    """One request, as the fault hook sees it (after its credentials were accepted)."""

    operation: str
    bucket: str
    key: str
    access_key: str | None = None
    part_number: int | None = None
    upload_id: str | None = None


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
