"""How requests prove who sends them: a pluggable :class:`httpx.Auth`.

The public developer page says ``Authorization: Bearer <key>``, the default here. The seed's
conventions table mentions an "OpenAPI Signature"; a signing scheme is an ``httpx.Auth`` given to
the client (``Client(auth=MySigner(...))``), with no change to the client itself. An auth object
must never show its secret in its repr.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx

from ..errors import register_secret


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <key>`` on every request; the key never shows in a repr."""

    def __init__(self, api_key: str) -> None:
        register_secret(api_key)
        self._key = api_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(api_key='***')"
