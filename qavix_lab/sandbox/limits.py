"""What a hostile client cannot do to the sandbox: hold connections open, drip or flood bodies,
or fill the disk with log lines.

- :func:`guarded_http` closes a connection whose request head is not complete in time
  (slowloris); uvicorn itself times out only idle keep-alive connections.
- :func:`timed_receive` bounds the wait for each piece of a request body.
- :func:`read_capped` reads a body whole only up to a cap.
- :class:`RateLimiter` answers too many requests per key with 429, and says how many are left.
- :class:`LogRateLimit` lets a burst of log lines through, then a few per period, and says how
  many it dropped.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from typing import Any

import anyio

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
# Loggers a flood of hostile requests writes to, while the sandbox runs.
FLOODED_LOGGERS = ("qavix_lab.sandbox", "qavix_lab.sandbox.s3", "uvicorn.error", "asyncio")


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit} bytes")
        self.limit = limit


def guarded_http(header_timeout: float) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol, closing connections whose request head takes longer than
    ``header_timeout`` seconds (from the connection or the end of the previous answer)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_head_timer()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
            super().connection_lost(exc)

        def _arm_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
            self._head_timer = self.loop.call_later(header_timeout, self._head_timed_out)

        def _head_timed_out(self) -> None:
            self._head_timer = None
            waiting_for_head = self.conn.their_state is h11.IDLE and (
                self.cycle is None or self.cycle.response_complete)
            if waiting_for_head and not self.transport.is_closing():
                self.transport.close()

    return GuardedH11Protocol


def timed_receive(receive: Receive, timeout: float) -> Receive:
    """``receive`` that raises ``TimeoutError`` when a piece of the request body takes longer
    than ``timeout`` seconds. Once the body is complete, waits (for a disconnect) are not timed."""
    body_done = False

    async def receive_in_time() -> dict[str, Any]:
        nonlocal body_done
        if body_done:
            return await receive()
        with anyio.fail_after(timeout):
            message = await receive()
        body_done = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    return receive_in_time


async def read_capped(chunks: Any, limit: int) -> bytes:
    """The whole body from an async iterator of chunks; :class:`BodyTooLarge` past ``limit``."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(limit)
    return bytes(body)


class RateLimiter:
    """A token bucket per API key: ``rate`` requests per second after a burst of ``burst``."""

    def __init__(self, rate: float | None, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> tuple[float | None, dict[str, str]]:
        """``(seconds to wait or None, X-RateLimit-* headers)`` for one request of ``key``."""
        if not self.rate:
            return None, {}
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = None if tokens >= 1 else (1 - tokens) / self.rate
            tokens -= 1 if wait is None else 0
            self._buckets[key] = (tokens, now)
        return wait, {"X-RateLimit-Limit": str(round(self.rate * 60)),
                      "X-RateLimit-Remaining": str(int(tokens))}


def dated(send: Send, clock: Callable[[], float]) -> Send:
    """``send`` that gives every answer a ``Date`` header from the sandbox's own clock (which
    tests shift, and which ``clock_skew`` puts off the real time)."""
    async def send_dated(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            stamp = formatdate(clock(), usegmt=True).encode()
            message = {**message, "headers": [*[(k, v) for k, v in message.get("headers", [])
                                                 if k.lower() != b"date"], (b"date", stamp)]}
        await send(message)

    return send_dated


class LogRateLimit(logging.Filter):
    """Pass ``burst`` records, then ``rate`` per second; the next record after a gap says how many
    were dropped. One instance may guard several loggers."""

    def __init__(self, rate: float = 2.0, burst: int = 50) -> None:
        super().__init__()
        self.rate, self.burst = rate, burst
        self._tokens, self._last, self._dropped = float(burst), time.monotonic(), 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1:
                self._dropped += 1
                return False
            self._tokens -= 1
            dropped, self._dropped = self._dropped, 0
        if dropped:
            record.msg = f"{record.getMessage()} [{dropped} earlier log lines dropped]"
            record.args = ()
        return True

    def install(self, names: tuple[str, ...] = FLOODED_LOGGERS) -> None:
        for name in names:
            logging.getLogger(name).addFilter(self)

    def remove(self, names: tuple[str, ...] = FLOODED_LOGGERS) -> None:
        for name in names:
            logging.getLogger(name).removeFilter(self)
