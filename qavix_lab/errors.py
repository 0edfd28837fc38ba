"""The exception hierarchy. Everything qavix_lab raises on purpose is a ``QavixError``.

Service errors carry the WebResult ``code`` and ``message``, the operation name and the HTTP
status; local errors (media, audio, transcripts, validation) carry ``where`` they happened.
Messages never contain an API key: :func:`redact` scrubs any text before it lands in an error.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from .spec.codes import SERVICE_CODES, URL_RULES

_HINTS = {c.error: c.hint for c in SERVICE_CODES}

__all__ = [
    "QavixError", "APIError", "NotLoggedIn", "FeatureDisabled", "LimitReached", "NotFound",
    "ParameterRequired", "RateLimited", "SystemError_", "OperationFailed", "UnknownServiceError",
    "URLRejected", "TransportError", "ConnectError", "TimeoutError_", "MalformedResponse",
    "GatewayError", "AmbiguousCreate", "NoEndpoint", "CreditLimitExceeded",
    "ValidationError", "TaskError", "TaskFailed", "TaskViolation", "TaskDeleted", "WaitTimeout",
    "UnknownTaskStatus", "MediaError", "AudioError", "TranscriptFormatError", "UploadError",
    "LinkExpired", "error_for_code", "redact",
]

_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)((?:api[_-]?key|secret|securitytoken|security_token|access|token|x-amz-security-token|signature|credential)[\"']?\s*[=:]\s*[\"']?)[^\s\"'&,}]+"),
]
_registered_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret (API key, temporary credential) so that :func:`redact` always hides it."""
    if value and len(value) >= 6:
        _registered_secrets.add(value)


_URL = re.compile(r"(?i)\bhttps?://[^\s'\"<>]+")
# A path segment that looks like a link token: URL-safe, long, with letters and either digits
# or both cases (a random token has no digit one time in fifty; a lower-case word never looks so)
_TOKEN_SEGMENT = re.compile(r"(?<=/)(?=[\w-]*[A-Za-z])"
                            r"(?=[\w-]*\d|[\w-]*[a-z][\w-]*[A-Z]|[\w-]*[A-Z][\w-]*[a-z])"
                            r"[\w-]{20,}(?=[/?#]|$)", re.ASCII)


def _redact_url(match: re.Match[str]) -> str:
    """A URL with every query value and token-like path segment hidden (presigned links)."""
    url, _, fragment = match.group().partition("#")
    path, mark, query = url.partition("?")
    path = _TOKEN_SEGMENT.sub("***", path)
    if mark:
        query = re.sub(r"=[^&;]*", "=***", query)
    return path + mark + query + ("#" + fragment if fragment else "")


def redact(text: str) -> str:
    """Hide API keys, bearer tokens, credentials and link tokens in ``text`` (errors, logs, reprs).

    >>> redact("GET https://cdn.example.com/f/Ab3dEf9hIjKlMn0pQrStUv/a.mp4?X-Amz-Signature=1")
    'GET https://cdn.example.com/f/***/a.mp4?X-Amz-Signature=***'
    """
    for secret in sorted(_registered_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***", text)
    return _URL.sub(_redact_url, text)


# Loggers whose records may carry secrets: ours, the HTTP stack's (URLs with link tokens) and
# boto's (botocore at DEBUG logs the temporary access key, session token and signatures).
REDACTED_LOGGERS = ("qavix_lab", "httpx", "httpcore", "botocore", "boto3", "urllib3", "s3transfer")
_factory_lock = threading.Lock()
_installed = False


def redact_log_records() -> None:
    """From now on, every log record of :data:`REDACTED_LOGGERS` (and their children) is
    redacted when it is made, whatever handler or filter later sees it. Idempotent."""
    global _installed
    with _factory_lock:
        if _installed:
            return
        make = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make(*args, **kwargs)
            if record.name.split(".", 1)[0] in REDACTED_LOGGERS:
                _redact_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a record whose args do not fit its format
        message = f"{record.msg!s} {record.args!r}"
    record.msg, record.args = redact(message), ()
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))


class QavixError(Exception):
    """Root of every error qavix_lab raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        operation: str | None = None,
        http_status: int | None = None,
        where: str | None = None,
    ) -> None:
        self.message = redact(str(message))
        self.code = code
        self.operation = operation
        self.http_status = http_status
        self.where = where if where is None else redact(str(where))
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = []
        if self.operation:
            parts.append(f"[{self.operation}]")
        if self.code is not None:
            parts.append(f"code {self.code}:")
        parts.append(self.message)
        if self.where:
            parts.append(f"(at {self.where})")
        if self.http_status is not None and self.http_status != 200:
            parts.append(f"(HTTP {self.http_status})")
        return redact(" ".join(parts))  # fields set after __init__, secrets registered since

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ValidationError(QavixError, ValueError):
    """An argument was rejected: locally before anything was sent, or by the service
    (:class:`ParameterRequired`, whose ``param`` names the field when the service says it)."""


# --- errors the service reports (WebResult.code != 0, or v2 success: false) ---------------------
class APIError(QavixError):
    """The service answered with an error: a non-zero WebResult code, or a v2 ``error`` whose
    ``raw_code``/``error_type`` strings are kept as sent, and ``param`` the field it names."""

    hint = ""

    def __init__(self, message: str, *, raw_code: str | None = None,
                 error_type: str | None = None, param: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.raw_code, self.error_type, self.param = raw_code, error_type, param

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} — {self.hint}" if self.hint else text


class NotLoggedIn(APIError):
    hint = _HINTS["NotLoggedIn"]


class FeatureDisabled(APIError):
    hint = _HINTS["FeatureDisabled"]


class LimitReached(APIError):
    hint = _HINTS["LimitReached"]


class NotFound(APIError):
    hint = _HINTS["NotFound"]


class ParameterRequired(APIError, ValidationError):
    hint = _HINTS["ParameterRequired"]


class RateLimited(APIError):
    """Too many requests (code 429 or HTTP 429). ``retry_after`` is in seconds when known."""

    hint = _HINTS["RateLimited"]

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class SystemError_(APIError):
    hint = _HINTS["SystemError_"]


class OperationFailed(APIError):
    hint = _HINTS["OperationFailed"]


class UnknownServiceError(APIError):
    """A non-zero code this library does not know."""


URL_REASONS: dict[int, tuple[str, str]] = {r.code: (r.reason, r.explanation) for r in URL_RULES}


class URLRejected(APIError):
    """The service's URL safety check (SSRF protection) refused a URL: codes 10020..10028."""

    def __init__(self, message: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.reason, self.explanation = URL_REASONS.get(self.code or 0, ("URL_REJECTED", ""))

    @property
    def hint(self) -> str:  # type: ignore[override]
        return f"{self.reason}: {self.explanation}. Upload local files with client.files.upload()"


_CODE_CLASSES: dict[int, type[APIError]] = {c.code: globals()[c.error] for c in SERVICE_CODES}


def error_for_code(code: int) -> type[APIError]:
    """The exception class for a WebResult code (``URLRejected`` for 10020..10028)."""
    if code in URL_REASONS:
        return URLRejected
    return _CODE_CLASSES.get(code, UnknownServiceError)


class NoEndpoint(QavixError):
    """The service has no endpoint at a configured path (404, 405 or code 4004 on it): the
    routes need correcting (see ``qavix-lab doctor``)."""


class CreditLimitExceeded(QavixError):
    """A batch's estimated credits are above the ``max_credits`` the caller set, and nobody
    confirmed going on (non-interactive use). Nothing more was created."""


# --- errors on the way to the service ---------------------------------------------------------
class TransportError(QavixError):
    """The request did not get a complete answer (connection refused, reset, timed out)."""


class ConnectError(TransportError):
    """The connection could not be made: the request surely did not reach the service."""


class TimeoutError_(TransportError):
    """No answer in time. The request may or may not have reached the service."""


class AmbiguousCreate(TransportError):
    """A create may have reached the service, but no task ID came back: the task may exist and
    be charged. It is never sent again by itself; ``job_key`` names it in the ledger."""

    def __init__(self, message: str, *, job_key: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.job_key = job_key


class MalformedResponse(QavixError):
    """The answer is not a WebResult: HTML from a gateway, truncated JSON, wrong shape."""

    def __init__(self, message: str, *, snippet: str = "", **kw: Any) -> None:
        self.snippet = redact(snippet)
        if snippet:
            message = f"{message}; body starts: {self.snippet!r}"
        super().__init__(message, **kw)


class GatewayError(MalformedResponse):
    """A 5xx answer that is not a WebResult (a gateway's HTML error page): retried for reads."""


class UploadError(QavixError):
    """Putting a file into object storage failed."""


class LinkExpired(QavixError):
    """A temporary download URL has expired and could not be refreshed."""


# --- task outcomes ------------------------------------------------------------------------------
class TaskError(QavixError):
    """A task ended badly. ``task`` is the last state seen."""

    def __init__(self, message: str, *, task: Any = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.task = task


class TaskFailed(TaskError):
    """Status 2: the task failed."""


class TaskViolation(TaskError):
    """Status 10: the content was rejected by moderation."""


class TaskDeleted(TaskError):
    """Status -1: the task was deleted."""


class UnknownTaskStatus(TaskError):
    """The service reported a status this library does not know; never mistaken for success."""


class WaitTimeout(TaskError, TimeoutError):
    """``wait()`` reached its deadline; ``task`` holds the last state seen."""


# --- local analysis errors ----------------------------------------------------------------------
class MediaError(QavixError, ValueError):
    """A media file is missing, corrupt, or not audio/video."""


class AudioError(MediaError):
    """Audio that cannot be analysed: corrupt, silent, or too short."""


class TranscriptFormatError(QavixError, ValueError):
    """A transcript matches no known shape, or breaks inside one; ``where`` names the place."""
