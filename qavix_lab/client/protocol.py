"""One call of the operation table as a plan: the request body, retries, and the answer decoded.

Written once for both clients (see :mod:`.effects`); :mod:`.drivers` only performs the effects.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import orjson

from ..errors import (
    APIError,
    ConnectError,
    GatewayError,
    MalformedResponse,
    QavixError,
    RateLimited,
    TransportError,
    UnknownServiceError,
    UnknownTaskStatus,
    URLRejected,
    ValidationError,
    error_for_code,
)
from ..spec import Operation, operation
from ..spec.envelopes import STATUS_NAMES, V2_ERRORS, V2_TYPES, camel_keys, snake_keys
from ..spec.routes import Routes
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


def is_retryable(op: Operation | bool, error: QavixError) -> bool:
    """Reads retry on transient errors; creates (``op.creates_task``, or True) only when the
    request surely did not land."""
    if isinstance(error, ConnectError | RateLimited):
        return True
    creates = op if isinstance(op, bool) else op.creates_task
    if creates:
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


def _json(content: bytes) -> Any:
    try:
        return orjson.loads(content) if content else None
    except orjson.JSONDecodeError:
        return None


def _webresult(content: bytes) -> dict[str, Any] | None:
    """The decoded body when it has the WebResult shape (an object with an integer code)."""
    payload = _json(content)
    if isinstance(payload, dict) and isinstance(payload.get("code"), int):
        return payload
    return None


def envelope_of(payload: Any) -> str | None:
    """Which published envelope a decoded body is in: ``"webresult"``, ``"v2"`` or None."""
    if isinstance(payload, dict):
        if isinstance(payload.get("success"), bool):
            return "v2"
        if isinstance(payload.get("code"), int) and not isinstance(payload.get("code"), bool):
            return "webresult"
    return None


@dataclass(frozen=True)
class Usage:
    """The credits one answer reports (v2 ``usage``): spent by this call, and left."""

    credits_used: float | None
    credits_remaining: float | None

    @staticmethod
    def of(value: Any) -> Usage | None:
        if not isinstance(value, Mapping):
            return None
        return Usage(_number(value.get("credits_used")), _number(value.get("credits_remaining")))

    def as_dict(self) -> dict[str, float | None]:
        return {"credits_used": self.credits_used, "credits_remaining": self.credits_remaining}


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Answer:
    """A decoded answer: the result (in the contract's camelCase), its envelope and usage."""

    result: Any
    envelope: str
    usage: Usage | None = None
    unknown_status: str | None = None  # a v2 status string this library does not know


def decode(name: str, response: RawResponse, envelope: str = "auto") -> Answer:
    """Decode an answer in either envelope (``envelope`` forces one; ``"auto"`` reads it)."""
    status = response.status
    payload = _json(response.content)
    spoken = envelope_of(payload)
    if envelope != "auto" and spoken is not None and spoken != envelope:
        spoken = None  # the routes say the other envelope: this answer is not one of ours
    if status == 429:
        message: Any = "HTTP 429 Too Many Requests"
        if spoken == "webresult":
            message = payload.get("message")
        elif spoken == "v2":
            message = (payload.get("error") or {}).get("message") if isinstance(
                payload.get("error"), Mapping) else None
        raise RateLimited(str(message or "rate limited"), code=429, operation=name,
                          http_status=status, retry_after=_retry_after(response.headers))
    if spoken is None:
        what = "an HTML page" if b"<html" in response.content[:500].lower() else (
            "no WebResult" if envelope != "v2" else "no success/data/error answer")
        cls = GatewayError if status >= 500 else MalformedResponse
        raise cls(f"the service answered with {what}", snippet=_snippet(response.content),
                  operation=name, http_status=status)
    if spoken == "v2":
        return _decode_v2(name, response, payload)
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
    return Answer(payload.get("result"), "webresult", Usage.of(payload.get("usage")))


def _decode_v2(name: str, response: RawResponse, payload: dict[str, Any]) -> Answer:
    status = response.status
    if not payload["success"]:
        raise v2_error(name, payload.get("error"), status, response.headers)
    if status >= 400:
        raise MalformedResponse("HTTP error status with success: true",
                                snippet=_snippet(response.content), operation=name,
                                http_status=status)
    data, unknown = v2_data(payload.get("data"))
    return Answer(data, "v2", Usage.of(payload.get("usage")), unknown)


def v2_error(name: str, error: Any, status: int, headers: Mapping[str, str]) -> APIError:
    """The typed exception for a v2 ``error`` object: the same classes as the WebResult codes;
    a code and type this library does not know give ``UnknownServiceError`` keeping both."""
    error = error if isinstance(error, Mapping) else {}
    raw_code = str(error.get("code") or "") or None
    kind = str(error.get("type") or "") or None
    param = error.get("param")
    meaning = V2_ERRORS.get(raw_code or "")
    code = meaning.code if meaning else V2_TYPES.get(kind or "")
    message = str(error.get("message") or raw_code or kind or "error")
    detail: dict[str, Any] = {"operation": name, "http_status": status, "raw_code": raw_code,
                              "error_type": kind, "param": None if param is None else str(param)}
    if code is None:
        return UnknownServiceError(f"{raw_code or '?'} ({kind or 'no type'}): {message}",
                                   **detail)
    if code == 429:
        return RateLimited(message, code=429, retry_after=_retry_after(headers), **detail)
    return error_for_code(code)(message, code=code, **detail)


def v2_data(data: Any) -> tuple[Any, str | None]:
    """v2 ``data`` in the contract's shape: camelCase keys, status strings as the seed's codes
    (a string of digits as its number). An unknown status string is returned beside the data
    (whose status becomes None) for the caller to raise ``UnknownTaskStatus`` with the task."""
    data = camel_keys(data)
    if isinstance(data, dict) and isinstance(data.get("status"), str):
        text = data["status"].strip()
        code = STATUS_NAMES.get(text.lower())
        if code is None and text.lstrip("-").isdigit():
            code = int(text)
        data["status"] = code
        if code is None:
            return data, text
    return data, None


def decode_webresult(op: Operation, response: RawResponse, envelope: str = "auto") -> Any:
    """Return the result of an answer in either envelope (``WebResult.result`` or v2 ``data``
    in camelCase), or raise the error it (or the HTTP status) stands for."""
    return decode(op.name, response, envelope).result


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


UsageSink = Callable[[str, Mapping[str, Any], Answer], None]


@dataclass(frozen=True)
class Wire:
    """How calls go on the wire for one client: its routes (paths, field names, envelope) and
    where each answer's credits are reported (``record(operation, request, answer)``)."""

    routes: Routes = field(default_factory=Routes)
    record: UsageSink | None = None

    def body(self, op: Operation, body: Mapping[str, Any]) -> dict[str, Any]:
        """The request body as the service wants it: renamed fields, snake_case for v2."""
        wire = self.routes.to_wire(op.name, body)
        if self.routes.envelope != "v2":
            return wire
        renamed = set(self.routes.fields.get(op.name, {}).values())
        return {k if k in renamed else snake_keys({k: None}).popitem()[0]:
                v if k in renamed else snake_keys(v) for k, v in wire.items()}

    def send(self, op: Operation, body: Mapping[str, Any], options: RequestOptions) -> Send:
        return Send(op.name, self.routes.path(op.name), self.body(op, body), options.timeout,
                    options.headers(), max_bytes=options.max_response_bytes)

    def decode(self, name: str, response: RawResponse, request: Mapping[str, Any]) -> Answer:
        answer = decode(name, response, self.routes.envelope)
        if self.record is not None and answer.usage is not None:
            self.record(name, request, answer)
        return answer


DEFAULT_WIRE = Wire()


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
         wire: Wire = DEFAULT_WIRE, own_origin: str | None = None) -> Plan[Any]:
    """Send one operation with retries; return its parsed result (the decoded JSON if ``raw``).

    A create is retried only when the request surely did not reach the service, in either
    envelope. ``wire`` gives the client's routes and takes each answer's credits; a result
    model gets the answer's ``usage`` in its ``extra``. ``own_origin`` is the service's
    ``scheme://host:port``, whose own links pass the URL pre-check.
    """
    op = operation(name)
    body = build_body(op, fields, options.extra_body, own_origin=own_origin)
    return (yield from send_body(op, body, policy, options, raw=raw, wire=wire))


def send_body(op: Operation, body: dict[str, Any], policy: RetryPolicy,
              options: RequestOptions = NO_OPTIONS, *, raw: bool = False,
              wire: Wire = DEFAULT_WIRE) -> Plan[Any]:
    """:func:`call` with the body already built (and checked) by :func:`build_body`."""
    if options.max_retries is not None:
        policy = policy.with_retries(options.max_retries)
    effect = wire.send(op, body, options)
    attempt = 0
    while True:
        try:
            response = yield from send(effect)
            answer = wire.decode(op.name, response, body)
            result = answer.result
            if not raw and answer.usage is not None and isinstance(result, dict):
                result = {**result, "usage": answer.usage.as_dict()}
            parsed = result if raw else parse_result(op, result)
            if answer.unknown_status is not None:
                raise UnknownTaskStatus(
                    f"task {_task_label(result)} has status {answer.unknown_status!r}, unknown "
                    f"to qavix_lab (known: {', '.join(STATUS_NAMES)})", operation=op.name,
                    task=parsed)
            return parsed
        except QavixError as error:
            if attempt >= policy.max_retries or not is_retryable(op.creates_task, error):
                raise
            delay = policy.delay(attempt, error)
            log.info("%s: %s; retry %d/%d in %.2fs", op.name, type(error).__name__,
                     attempt + 1, policy.max_retries, delay)
            attempt += 1
            yield from sleep(delay)


def _task_label(result: Any) -> str:
    return str(result.get("taskId", "?")) if isinstance(result, dict) else "?"


def get(name: str, path: str, params: Mapping[str, str], policy: RetryPolicy,
        wire: Wire = DEFAULT_WIRE) -> Plan[Answer]:
    """GET an account endpoint (``name`` is ``"balance"`` or ``"usage"``) with read retries."""
    effect = Send(f"account.{name}", path, {}, method="GET", params=dict(params))
    attempt = 0
    while True:
        try:
            response = yield from send(effect)
            return wire.decode(effect.operation, response, params)
        except QavixError as error:
            if attempt >= policy.max_retries or not is_retryable(False, error):
                raise
            attempt += 1
            yield from sleep(policy.delay(attempt - 1, error))
