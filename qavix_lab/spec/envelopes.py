"""The wire vocabulary of the second published envelope ("v2"), shared by the sandbox that speaks it
and the client that decodes it.

- success: ``{"success": true, "data": {...}, "usage": {"credits_used", "credits_remaining"}}``
- failure: ``{"success": false, "error": {"type", "code", "message", "param"}}``
- fields in snake_case, ``status`` as a string, ``task_type`` and ``estimated_credits`` on tasks;
- GET endpoints for the balance and the usage history (paths unpublished: ours are below).

>>> V2_ERRORS["missing_field"].code
4005
>>> STATUS_NAMES["pending"], status_name(1)
(0, 'completed')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import URL_REASONS

__all__ = [
    "ACCOUNT_PATHS", "ENVELOPES", "STATUS_NAMES", "TASK_TYPES", "V2_ERRORS", "V2_TYPES",
    "V2Error", "camel_keys", "snake_keys", "status_name", "v2_error_for",
]

ENVELOPES = ("webresult", "v2")

# status string -> the reference's status code. The first name of each code is the one sent;
# the others are accepted on decode. A string not here is an unknown status.
STATUS_NAMES: dict[str, int] = {
    "processing": 0, "pending": 0, "queued": 0, "running": 0, "in_progress": 0,
    "completed": 1, "succeeded": 1,
    "failed": 2,
    "editing": 3,
    "violation": 10,
    "deleted": -1,
}
_STATUS_SENT = {code: name for name, code in reversed(STATUS_NAMES.items())}


def status_name(status: int, process: int | None = None) -> str:
    """The string a v2 service sends for a status ("pending" before any progress)."""
    if status == 0 and not process:
        return "pending"
    return _STATUS_SENT.get(status, str(status))


# operation name -> ``task_type``
TASK_TYPES: dict[str, str] = {
    "tts.create": "tts", "voices.clone": "voice_clone", "video.translate": "video_translate",
    "video.erase": "video_erase", "video.subtitles": "subtitle_translate",
    "video.lipsync": "lip_sync", "video.faceswap": "face_swap",
}


@dataclass(frozen=True)
class V2Error:
    """What a v2 error code means: the reference's ``code``, the error ``type`` and the HTTP
    status a v2 service answers it with."""

    code: int
    type: str
    http_status: int


# error ``code`` string -> its meaning. Decoding looks the code up here, then the type in
# V2_TYPES; the sandbox sends the first code listed for a reference code.
V2_ERRORS: dict[str, V2Error] = {
    "invalid_field": V2Error(4005, "validation_error", 400),
    "missing_field": V2Error(4005, "validation_error", 400),
    "invalid_parameter": V2Error(4005, "validation_error", 400),
    "request_too_large": V2Error(4005, "validation_error", 413),
    "request_timeout": V2Error(4005, "validation_error", 408),
    "invalid_api_key": V2Error(4001, "authentication_error", 401),
    "unauthorized": V2Error(4001, "authentication_error", 401),
    "feature_disabled": V2Error(4002, "permission_error", 403),
    "limit_reached": V2Error(4003, "limit_error", 403),
    "insufficient_credits": V2Error(4003, "insufficient_credits", 402),
    "not_found": V2Error(4004, "not_found_error", 404),
    "rate_limit_exceeded": V2Error(429, "rate_limit_error", 429),
    "rate_limited": V2Error(429, "rate_limit_error", 429),
    "internal_error": V2Error(5000, "api_error", 500),
    "operation_failed": V2Error(5001, "api_error", 500),
    **{name.lower(): V2Error(code, "invalid_url", 400)
       for code, (name, _) in URL_REASONS.items()},
}
# error ``type`` -> the reference's code, for a code string this table does not know
V2_TYPES: dict[str, int] = {
    "validation_error": 4005, "invalid_request_error": 4005, "invalid_url": 4005,
    "authentication_error": 4001, "permission_error": 4002, "limit_error": 4003,
    "insufficient_credits": 4003, "billing_error": 4003, "not_found_error": 4004,
    "rate_limit_error": 429, "api_error": 5000,
}
_CODE_SENT = {e.code: name for name, e in reversed(V2_ERRORS.items())}


def v2_error_for(code: int) -> tuple[str, V2Error]:
    """The code string and meaning a v2 service sends for one of the reference's codes."""
    name = _CODE_SENT.get(code, "internal_error")
    return name, V2_ERRORS[name]


# the account endpoints (GET; v2 only): our guess, as the public page names no paths
ACCOUNT_PATHS: dict[str, str] = {
    "account.balance": "/openapi/account/balance",
    "account.usage": "/openapi/account/usage",
}

_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")
_SNAKE_JOINT = re.compile(r"_([a-z0-9])")


def snake_keys(value: Any) -> Any:
    """``{"taskId": 1, "temporaryAccessKey": {"endPoint": …}}`` -> snake_case keys, deeply."""
    if isinstance(value, dict):
        return {_CAMEL_HUMP.sub(r"_\1", k).lower(): snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


def camel_keys(value: Any) -> Any:
    """The reverse of :func:`snake_keys` (``dest_file_tmp_url`` -> ``destFileTmpUrl``)."""
    if isinstance(value, dict):
        return {_SNAKE_JOINT.sub(lambda m: m.group(1).upper(), k): camel_keys(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [camel_keys(v) for v in value]
    return value
