"""The sandbox's answers in either published envelope.

Every API answer is built as a WebResult (:class:`ServiceAnswer`, which keeps its parts); with
``envelope="v2"`` the response boundary re-renders it as ``success/data/usage`` or
``success/error`` with the vocabulary of :mod:`qavix_lab.spec.envelopes`.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from ..spec.envelopes import V2_ERRORS, snake_keys, v2_error_for

_BODY_HEADERS = {"content-length", "content-type"}


class ServiceAnswer(Response):
    """A WebResult answer ``{"code", "message", "result"}`` that remembers its parts; ``wire_code``
    and ``param`` refine an error in the v2 envelope."""

    def __init__(self, code: int, message: str, result: Any = None, status: int = 200,
                 headers: dict[str, str] | None = None, *, wire_code: str | None = None,
                 param: str | None = None) -> None:
        body = orjson.dumps({"code": code, "message": message, "result": result})
        super().__init__(body, status_code=status, media_type="application/json",
                         headers=headers)
        self.code, self.message, self.result = code, message, result
        self.wire_code, self.param = wire_code, param


def render_v2(answer: ServiceAnswer, data: Any, usage: dict[str, int] | None) -> Response:
    """``answer`` in the v2 envelope; ``data`` is its result already shaped for v2."""
    body: dict[str, Any]
    if answer.code == 0:
        body, status = {"success": True, "data": snake_keys(data)}, 200
        if usage is not None:
            body["usage"] = usage
    else:
        name = answer.wire_code or v2_error_for(answer.code)[0]
        meaning = V2_ERRORS[name]
        param = snake_keys({answer.param: None}).popitem()[0] if answer.param else None
        body = {"success": False, "error": {"type": meaning.type, "code": name,
                                            "message": answer.message, "param": param}}
        status = meaning.http_status
    headers = {k: v for k, v in answer.headers.items() if k not in _BODY_HEADERS}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json",
                    headers=headers)
