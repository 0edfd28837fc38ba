"""SigV4 credentials of a request: where they are, when they were signed, and their check."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import S3Denied, S3Error


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
