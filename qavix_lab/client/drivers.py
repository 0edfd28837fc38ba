"""The two executors of plans: one over ``httpx.Client``, one over ``httpx.AsyncClient``."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Generator
from typing import Any

import httpx

from ..errors import ConnectError, QavixError, TimeoutError_, TransportError
from .protocol import Call, RawResponse, Send, Sleep

log = logging.getLogger("qavix_lab")

# Errors raised before any byte of the request could reach the service: safe to retry a create.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def transport_error(exc: httpx.HTTPError, operation: str) -> QavixError:
    """Map an httpx exception to ours, keeping 'surely not sent' apart from 'maybe sent'."""
    what = type(exc).__name__
    if isinstance(exc, _NOT_SENT):
        return ConnectError(f"could not connect ({what}: {exc})", operation=operation)
    if isinstance(exc, httpx.TimeoutException):
        return TimeoutError_(f"no answer in time ({what}); the request may have been received",
                             operation=operation)
    return TransportError(f"{what}: {exc}", operation=operation)


def _request(send: Send) -> dict[str, Any]:
    kw: dict[str, Any] = {"json": send.body}
    if send.timeout is not None:
        kw["timeout"] = send.timeout
    return kw


def _raw(response: httpx.Response) -> RawResponse:
    return RawResponse(response.status_code, response.headers, response.content)


class SyncDriver:
    """Runs plans synchronously; never touches an event loop, so it works inside Jupyter."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.sleep = time.sleep

    def run(self, plan: Generator[Any, Any, Any]) -> Any:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                effect = plan.throw(error) if error is not None else plan.send(value)
            except StopIteration as stop:
                return stop.value
            value, error = None, None
            try:
                value = self._perform(effect)
            except QavixError as exc:
                error = exc

    def _perform(self, effect: Any) -> Any:
        if isinstance(effect, Send):
            started = time.monotonic()
            try:
                response = self.http.post(effect.path.lstrip("/"), **_request(effect))
            except httpx.HTTPError as exc:
                raise transport_error(exc, effect.operation) from None
            log.debug("%s -> HTTP %d in %.3fs", effect.operation, response.status_code,
                      time.monotonic() - started)
            return _raw(response)
        if isinstance(effect, Sleep):
            self.sleep(effect.seconds)
            return None
        if isinstance(effect, Call):
            return effect.fn()
        raise TypeError(f"unknown effect {effect!r}")


class AsyncDriver:
    """Runs plans on the running event loop; blocking calls go to a worker thread.

    Requests in flight are capped at the pool size here: httpcore's pool rescans its whole
    queue for every request, so letting thousands of polls queue inside it costs quadratic time.
    """

    def __init__(self, http: httpx.AsyncClient, max_in_flight: int = 100) -> None:
        self.http = http
        self.sleep = asyncio.sleep
        self._gate = asyncio.Semaphore(max_in_flight)

    async def run(self, plan: Generator[Any, Any, Any]) -> Any:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                effect = plan.throw(error) if error is not None else plan.send(value)
            except StopIteration as stop:
                return stop.value
            value, error = None, None
            try:
                value = await self._perform(effect)
            except QavixError as exc:
                error = exc

    async def _perform(self, effect: Any) -> Any:
        if isinstance(effect, Send):
            try:
                async with self._gate:
                    response = await self.http.post(effect.path.lstrip("/"), **_request(effect))
            except httpx.HTTPError as exc:
                raise transport_error(exc, effect.operation) from None
            log.debug("%s -> HTTP %d", effect.operation, response.status_code)
            return _raw(response)
        if isinstance(effect, Sleep):
            await self.sleep(effect.seconds)
            return None
        if isinstance(effect, Call):
            return await asyncio.to_thread(effect.fn)
        raise TypeError(f"unknown effect {effect!r}")
