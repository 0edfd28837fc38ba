"""One call of the operation table as a plan: the request body, retries, and the answer decoded.

Written once for both clients (see :mod:`.effects`); :mod:`.drivers` only performs the effects.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import orjson

from ..errors import (
    ConnectError,
    GatewayError,
    MalformedResponse,
    QavixError,
    RateLimited,
    TransportError,
    URLRejected,
    ValidationError,
    error_for_code,
)
from ..spec import Operation, operation
from .effects import Plan, RawResponse, Send, send, sleep
from .options import NO_OPTIONS, RequestOptions

log = logging.getLogger("qavix_lab")


# --- retries ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter; ``Retry-After`` honoured up to ``retry_after_cap``."""

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    retry_after_cap: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, attempt: int, error: QavixError) -> float:
        retry_after = error.retry_after if isinstance(error, RateLimited) else None
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap)
        ceiling = min(self.max_delay, self.base_delay * 2.0**attempt)
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def with_retries(self, max_retries: int) -> RetryPolicy:
        return dataclasses.replace(self, max_retries=max_retries)


def is_retryable(op: Operation, error: QavixError) -> bool:
    """Reads retry on transient errors; creates only when the request surely did not land."""
    if isinstance(error, ConnectError | RateLimited):
        return True
    if op.creates_task:
        return False
    # an HTML page or cut-off JSON where a WebResult was due is a gateway's doing: read again
    if isinstance(error, TransportError | MalformedResponse):
        return True
    return error.code in (5000, 5001)


# --- parsing ----------------------------------------------------------------------------------
def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (moment - datetime.now(UTC)).total_seconds())
    return seconds if math.isfinite(seconds) else None  # "nan" or "inf" mean nothing usable


def _snippet(content: bytes) -> str:
    text = content[:300].decode("utf-8", "replace")
    return " ".join(text.split())[:160]


def _webresult(content: bytes) -> dict[str, Any] | None:
    """The decoded body when it has the WebResult shape (an object with an integer code)."""
    try:
        payload = orjson.loads(content) if content else None
    except orjson.JSONDecodeError:
        return None
    if isinstance(payload, dict) and isinstance(payload.get("code"), int):
        return payload
    return None


def decode_webresult(op: Operation, response: RawResponse) -> Any:
    """Return ``result`` of a WebResult, or raise the error it (or the HTTP status) stands for."""
    name, status = op.name, response.status
    payload = _webresult(response.content)
    if status == 429:
        message = payload.get("message") if payload else "HTTP 429 Too Many Requests"
        raise RateLimited(str(message or "rate limited"), code=429, operation=name,
                          http_status=status, retry_after=_retry_after(response.headers))
    if payload is None:
        what = "an HTML page" if b"<html" in response.content[:500].lower() else "no WebResult"
        cls = GatewayError if status >= 500 else MalformedResponse
        raise cls(f"the service answered with {what}", snippet=_snippet(response.content),
                  operation=name, http_status=status)
    code = payload["code"]
    message = str(payload.get("message") or f"error {code}")
    if code == 429:
        raise RateLimited(message, code=code, operation=name, http_status=status,
                          retry_after=_retry_after(response.headers))
    if code != 0:
        raise error_for_code(code)(message, code=code, operation=name, http_status=status)
    if status >= 400:
        raise MalformedResponse("HTTP error status with a success code",
                                snippet=_snippet(response.content), operation=name,
                                http_status=status)
    return payload.get("result")


def parse_result(op: Operation, result: Any) -> Any:
    """Build the operation's result model(s) from the decoded ``result``."""
    if op.result is None:
        return result
    if op.result_is_list:
        if result is None:
            return []
        if not isinstance(result, list):
            raise MalformedResponse(f"expected a list, got {type(result).__name__}",
                                    operation=op.name, where="result")
        return [op.result.from_json(item, where=f"result[{i}]") for i, item in enumerate(result)]
    if result is None:
        raise MalformedResponse("the result is null", operation=op.name, where="result")
    try:
        return op.result.from_json(result)
    except MalformedResponse as exc:
        exc.operation = op.name
        raise


def build_body(op: Operation, fields: Mapping[str, Any],
               extra_body: Mapping[str, Any] | None = None, *,
               own_origin: str | None = None) -> dict[str, Any]:
    """Request JSON: known fields with ``None`` dropped, then ``extra_body`` passed unchanged.

    Every field the library itself sets must be a wire name of the operation's spec row: a typo
    fails here, in the client's own tests, before anything is sent. So does a URL the service's
    SSRF rules refuse (see :func:`check_urls`).
    """
    unknown = sorted(set(fields) - set(op.fields))
    if unknown:
        raise ValidationError(f"{op.name} has no field {', '.join(map(repr, unknown))} in the "
                              f"spec (known: {', '.join(op.fields) or 'none'})", where=op.name)
    body = {k: v for k, v in fields.items() if v is not None}
    if extra_body:
        body.update(extra_body)
    check_urls(op, body, own_origin)
    return body


def check_urls(op: Operation, body: Mapping[str, Any], own_origin: str | None = None) -> None:
    """Raise ``URLRejected`` with the service's own code for a URL field its rules refuse.

    Offline (no DNS) and without the length rule, whose live limit is not published; links of
    ``own_origin`` (the service's own storage, as the sandbox hands out) are accepted as the
    service accepts them.
    """
    from ..spec.urls import check_url

    for name in op.url_fields:
        if name in body:
            verdict = check_url(body[name], max_length=None,
                                own_origins=[own_origin] if own_origin else ())
            if verdict is not None:
                raise URLRejected(f"{name}: {verdict}", code=verdict.code, operation=op.name,
                                  where=name)


def call(name: str, fields: Mapping[str, Any], policy: RetryPolicy,
         options: RequestOptions = NO_OPTIONS, *, raw: bool = False,
         own_origin: str | None = None) -> Plan[Any]:
    """Send one operation with retries; return its parsed result (the decoded JSON if ``raw``).

    A create is retried only when the request surely did not reach the service. ``own_origin``
    is the service's ``scheme://host:port``, whose own links pass the URL pre-check.
    """
    op = operation(name)
    body = build_body(op, fields, options.extra_body, own_origin=own_origin)
    if options.max_retries is not None:
        policy = policy.with_retries(options.max_retries)
    effect = Send(op.name, op.path, body, options.timeout, options.headers(),
                  options.max_response_bytes)
    attempt = 0
    while True:
        try:
            response = yield from send(effect)
            result = decode_webresult(op, response)
            return result if raw else parse_result(op, result)
        except QavixError as error:
            if attempt >= policy.max_retries or not is_retryable(op, error):
                raise
            delay = policy.delay(attempt, error)
            log.info("%s: %s; retry %d/%d in %.2fs", op.name, type(error).__name__,
                     attempt + 1, policy.max_retries, delay)
            attempt += 1
            yield from sleep(delay)
