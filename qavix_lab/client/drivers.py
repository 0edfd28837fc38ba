"""The two drivers of plans: one over ``httpx.Client``, one over ``httpx.AsyncClient``.

Both only perform effects; the loop that steps, throws into and closes a plan is
:class:`~qavix_lab.client.effects.Stepper`, shared by both. Answers are streamed, capped and
read under a whole-request deadline (see :mod:`.answers`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from ..errors import ConnectError, QavixError, TimeoutError_, TransportError
from .answers import MAX_RESPONSE_BYTES, BodyReader, deadline_at, deadline_of, read_capped
from .effects import (
    Blocking,
    Effect,
    EffectResult,
    Outcome,
    Plan,
    RawResponse,
    Send,
    Sleep,
    Stepper,
)
from .effects import run_with as _run_with

log = logging.getLogger("qavix_lab")
T = TypeVar("T")

# Errors raised before any byte of the request could reach the service: safe to retry a create.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def transport_error(exc: httpx.HTTPError, operation: str | None = None, *,
                    where: str | None = None) -> QavixError:
    """Map an httpx exception to ours, keeping 'surely not sent' apart from 'maybe sent'.

    The one map for API calls and downloads alike.
    """
    what = type(exc).__name__
    if isinstance(exc, _NOT_SENT):
        return ConnectError(f"could not connect ({what}: {exc})", operation=operation, where=where)
    if isinstance(exc, httpx.TimeoutException):
        return TimeoutError_(f"no answer in time ({what}); the request may have been received",
                             operation=operation, where=where)
    return TransportError(f"{what}: {exc}", operation=operation, where=where)


def _request(send: Send) -> dict[str, Any]:
    kw: dict[str, Any] = {"json": send.body} if send.method == "POST" else {
        "params": dict(send.params or {})}
    if send.timeout is not None:
        kw["timeout"] = send.timeout
    if send.headers:
        kw["headers"] = dict(send.headers)
    return kw


def _reader(effect: Send, response: httpx.Response, limit: int) -> BodyReader:
    return BodyReader(response.headers.get("content-encoding", ""), effect.max_bytes or limit,
                      effect.operation)


def _late(effect: Send, seconds: float | None) -> TimeoutError_:
    return TimeoutError_(f"no whole answer within the request's deadline of {seconds:g}s; the "
                         "request may have been received", operation=effect.operation)


class SyncDriver:
    """Runs plans synchronously; never touches an event loop, so it works inside Jupyter.

    Give it an ``httpx.Client`` over :func:`~.answers.deadline_transport` for the deadline to
    hold inside a read too (a drip in the headers); without, it is checked between chunks.
    """

    def __init__(self, http: httpx.Client, max_response_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self.http = http
        self.max_response_bytes = max_response_bytes
        self.sleep: Callable[[float], object] = time.sleep

    def run(self, plan: Plan[T]) -> T:
        return _run_with(self.perform, plan)

    def perform(self, effect: Effect) -> EffectResult:
        if isinstance(effect, Send):
            started = time.monotonic()
            seconds = deadline_of(effect.timeout or self.http.timeout)
            deadline = None if seconds is None else started + seconds
            try:
                with deadline_at(deadline):
                    request = self.http.build_request(effect.method, effect.path.lstrip("/"),
                                                      **_request(effect))
                    response = self.http.send(request, stream=True)
                    try:
                        reader = _reader(effect, response, self.max_response_bytes)
                        content = read_capped(response.iter_raw(), reader, deadline)
                    finally:
                        response.close()
            except httpx.TimeoutException as exc:
                if deadline is not None and time.monotonic() >= deadline - 0.01:
                    raise _late(effect, seconds) from None
                raise transport_error(exc, effect.operation) from None
            except httpx.HTTPError as exc:
                raise transport_error(exc, effect.operation) from None
            log.debug("%s -> HTTP %d in %.3fs", effect.operation, response.status_code,
                      time.monotonic() - started)
            return RawResponse(response.status_code, response.headers, content)
        if isinstance(effect, Sleep):
            self.sleep(effect.seconds)
            return None
        stop = threading.Event()
        try:
            return effect.fn(stop)
        except BaseException:
            stop.set()  # the function's own threads end too
            raise


class AsyncDriver:
    """Runs plans on the running event loop; blocking calls go to a worker thread.

    Requests in flight are capped at the pool size here: httpcore's pool rescans its whole
    queue for every request, so letting thousands of polls queue inside it costs quadratic time.
    """

    def __init__(self, http: httpx.AsyncClient, max_in_flight: int = 100,
                 max_response_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self.http = http
        self.max_response_bytes = max_response_bytes
        self.sleep: Callable[[float], Awaitable[object]] = asyncio.sleep
        self._gate = asyncio.Semaphore(max_in_flight)

    async def run(self, plan: Plan[T]) -> T:
        with Stepper(plan) as steps:  # the same loop as effects.run_with, awaiting each effect
            for effect in steps:
                try:
                    outcome = Outcome(await self.perform(effect))
                except BaseException as exc:  # noqa: BLE001 - thrown into the plan
                    outcome = Outcome(error=exc)
                steps.report(outcome)
        return steps.value

    async def perform(self, effect: Effect) -> EffectResult:
        if isinstance(effect, Send):
            async with self._gate:  # the deadline starts once the request may go
                return await self._send(effect)
        if isinstance(effect, Sleep):
            await self.sleep(effect.seconds)
            return None
        return await run_in_thread(effect)

    async def _send(self, effect: Send) -> RawResponse:
        seconds = deadline_of(effect.timeout or self.http.timeout)
        try:
            async with asyncio.timeout(seconds):
                request = self.http.build_request(effect.method, effect.path.lstrip("/"),
                                                  **_request(effect))
                response = await self.http.send(request, stream=True)
                try:
                    reader = _reader(effect, response, self.max_response_bytes)
                    async for chunk in response.aiter_raw():
                        reader.feed(chunk)
                    content = reader.finish()
                finally:
                    await response.aclose()
        except TimeoutError:
            raise _late(effect, seconds) from None
        except httpx.HTTPError as exc:
            raise transport_error(exc, effect.operation) from None
        log.debug("%s -> HTTP %d", effect.operation, response.status_code)
        return RawResponse(response.status_code, response.headers, content)


async def run_in_thread(effect: Blocking) -> EffectResult:
    """``effect.fn`` in a worker thread; on cancellation its ``stop`` is set, then we re-raise."""
    stop = threading.Event()
    try:
        return await asyncio.to_thread(effect.fn, stop)
    except BaseException:
        stop.set()
        raise
