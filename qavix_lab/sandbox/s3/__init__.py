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

from .app import Authorize, FaultHook, Permits, S3App, make_s3_app
from .calls import S3Call
from .errors import S3Denied, S3Error
from .responses import S3_NAMESPACE
from .store import MAX_OBJECT_SIZE, MAX_PARTS, MIN_PART_SIZE, MiB, ObjectInfo, ObjectStore, PartInfo

__all__ = [
    "MAX_OBJECT_SIZE", "MAX_PARTS", "MIN_PART_SIZE", "S3_NAMESPACE", "Authorize", "FaultHook",
    "MiB", "ObjectInfo", "ObjectStore", "PartInfo", "Permits", "S3App", "S3Call", "S3Denied",
    "S3Error", "make_s3_app",
]
