"""Reading an API answer within bounds: a size cap on the bytes decoded, and a deadline.

An API answer is a small JSON document, so the drivers stream it and stop at
``max_response_bytes`` (counted after decompression, which is done here, in steps that never
produce more than the cap: a gzip bomb costs the cap, not gigabytes). Only ``gzip`` and
``deflate`` are asked for; an answer in another encoding is refused.

The whole request also has a deadline beside httpx's per-read timeouts, so a server that drips
a byte every half second cannot hold a call for minutes. The async driver wraps the request in
``asyncio.timeout``. The sync driver cannot interrupt a blocking read from outside, so every
socket read, write and connect of the API's connections is given at most the time left before
the deadline (:class:`DeadlineBackend`, an httpcore network backend): a drip in the headers ends
with ``ReadTimeout`` at the deadline, no watchdog thread, no connection closed under another
request's feet.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
import zlib
from collections.abc import Iterator
from typing import Any

import httpcore
import httpx

from ..errors import MalformedResponse

MiB = 1024 * 1024
MAX_RESPONSE_BYTES = 16 * MiB  # the voice catalog is well under 1 MiB
ACCEPT_ENCODING = "gzip, deflate"

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("qavix_deadline",
                                                                         default=None)


def deadline_of(timeout: float | httpx.Timeout | None) -> float | None:
    """Seconds a whole request may take: a number's own value, else the longest of an
    ``httpx.Timeout``'s parts (None when it has none)."""
    if timeout is None:
        return None
    if isinstance(timeout, int | float):
        return float(timeout)
    parts = [t for t in (timeout.connect, timeout.read, timeout.write, timeout.pool)
             if t is not None]
    return max(parts) if parts else None


class BodyReader:
    """Decodes an answer's raw chunks (``Content-Encoding`` applied in reverse order) and keeps
    at most ``limit`` bytes; more, or a broken encoding, is a :class:`MalformedResponse`."""

    def __init__(self, encoding: str, limit: int, operation: str | None) -> None:
        self.limit, self.operation = limit, operation
        names = [e.strip().lower() for e in encoding.split(",") if e.strip()]
        self._stages: list[Any] = []
        for name in reversed([n for n in names if n != "identity"]):
            if name in ("gzip", "x-gzip"):
                self._stages.append(zlib.decompressobj(zlib.MAX_WBITS | 16))
            elif name == "deflate":
                self._stages.append(None)  # zlib-wrapped or raw: told by the first bytes
            else:
                raise self._error(f"the answer is encoded as {name!r}, which was not asked for "
                                  f"(only {ACCEPT_ENCODING})")
        self._parts: list[bytes] = []
        self.size = 0

    def _error(self, message: str) -> MalformedResponse:
        return MalformedResponse(message, operation=self.operation, where="response body")

    def feed(self, chunk: bytes) -> None:
        for index in range(len(self._stages)):
            chunk = self._inflate(index, chunk)
        self._keep(chunk)

    def _inflate(self, index: int, data: bytes) -> bytes:
        stage = self._stages[index]
        if stage is None:  # deflate: RFC 9110 says zlib-wrapped; some servers send it raw
            raw = len(data) > 0 and (data[0] & 0x0F) != 8
            stage = self._stages[index] = zlib.decompressobj(-zlib.MAX_WBITS if raw else
                                                             zlib.MAX_WBITS)
        try:
            out = stage.decompress(data, self.limit + 1)  # never more than the cap, then stop
        except zlib.error as exc:
            raise self._error(f"the answer's compression is corrupt ({exc})") from None
        if len(out) > self.limit or stage.unconsumed_tail:
            raise self._too_big()
        return bytes(out)

    def _keep(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise self._too_big()
        self._parts.append(chunk)

    def _too_big(self) -> MalformedResponse:
        return self._error(f"the answer is larger than {self.limit} bytes (max_response_bytes): "
                           "refused before reading further")

    def finish(self) -> bytes:
        if any(stage is not None and not stage.eof for stage in self._stages):
            raise self._error("the answer's compressed stream is cut short")
        return b"".join(self._parts)


def read_capped(chunks: Iterator[bytes], reader: BodyReader, deadline: float | None) -> bytes:
    """Feed ``chunks`` to ``reader``, checking the deadline between them (sync driver)."""
    for chunk in chunks:
        if deadline is not None and time.monotonic() > deadline:
            raise httpx.ReadTimeout("the request's deadline passed while reading the answer")
        reader.feed(chunk)
    return reader.finish()


@contextlib.contextmanager
def deadline_at(moment: float | None) -> Iterator[None]:
    """Within the block, every socket operation of this thread ends by ``moment`` (monotonic)."""
    token = _deadline.set(moment)
    try:
        yield
    finally:
        _deadline.reset(token)


def _clamp(timeout: float | None) -> float | None:
    moment = _deadline.get()
    if moment is None:
        return timeout
    left = max(moment - time.monotonic(), 0.001)  # 0 would make the socket non-blocking
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                     _clamp(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend with every timeout cut to the time left before the deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_tcp(host, port, _clamp(timeout),
                                                       local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(path, _clamp(timeout),
                                                               socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    """An ``httpx.HTTPTransport`` whose connections honour :func:`deadline_at`.

    httpx does not take a network backend, so the one of its httpcore pool is wrapped in place
    (checked by a test: a drip in the headers ends at the deadline).
    """
    transport = httpx.HTTPTransport(limits=limits)
    pool = transport._pool
    pool._network_backend = DeadlineBackend(pool._network_backend)
    return transport
