"""httpcore's async connection pool, assigning requests to connections in linear time.

httpcore 1.0 re-plans its whole pool on every request and every response closed: for each idle
connection it counts all connections again, and it asks every idle connection whether the server
closed it (a ``select`` and a peer-name look-up each). With 100 connections that is thousands of
Python calls per request, more CPU than the whole request costs the service: with many tasks in
flight the client, not the service, became the bottleneck.

:class:`LinearAsyncPool` applies the same rules (close closed, expired and surplus idle
connections; reuse the first available connection, else open one, else replace an idle one) at
the cost of one pass. Whether the server closed an idle connection is asked of the connection
about to be reused, always, and of the others at most every ``SWEEP_SECONDS``, so no request is
ever given a connection known to be dead.
"""

from __future__ import annotations

import time
import urllib.request
from typing import Any

import httpcore
import httpx

SWEEP_SECONDS = 0.5


class LinearAsyncPool(httpcore.AsyncConnectionPool):
    _sweep_at = 0.0

    def _assign_requests_to_connections(self) -> list[Any]:
        closing: list[Any] = []
        connections = self._connections
        now = time.monotonic()
        sweep = now >= self._sweep_at
        if sweep:
            self._sweep_at = now + SWEEP_SECONDS
        for connection in list(connections):
            if connection.is_closed():
                connections.remove(connection)
            elif (sweep and connection.has_expired()) or (
                    connection.is_idle() and len(connections) > self._max_keepalive_connections):
                connections.remove(connection)
                closing.append(connection)
        for pool_request in [r for r in self._requests if r.connection is None]:  # queued
            origin = pool_request.request.url.origin
            chosen = None
            for connection in list(connections):
                if connection.can_handle_request(origin) and connection.is_available():
                    if connection.has_expired():  # never hand out a connection known dead
                        connections.remove(connection)
                        closing.append(connection)
                        continue
                    chosen = connection
                    break
            if chosen is None:
                if len(connections) >= self._max_connections:
                    idle = next((c for c in connections if c.is_idle()), None)
                    if idle is None:
                        continue  # stays queued until a connection frees up
                    connections.remove(idle)
                    closing.append(idle)
                chosen = self.create_connection(origin)
                connections.append(chosen)
            pool_request.assign_to_connection(chosen)
        return closing


def _pool_fits() -> bool:
    """The pool this module replaces is the one it was written against (httpcore 1.x, with the
    hook and the request records it uses): any other httpcore keeps its own pool."""
    version = getattr(httpcore, "__version__", "")
    return (version.startswith("1.")
            and callable(getattr(httpcore.AsyncConnectionPool,
                                 "_assign_requests_to_connections", None)))


def async_transport(limits: httpx.Limits) -> httpx.AsyncHTTPTransport | None:
    """An ``httpx.AsyncHTTPTransport`` whose pool is a :class:`LinearAsyncPool` (the same pool
    object, its class swapped: httpx builds its pool itself and offers no hook), or None where
    httpx's own transport must stay: another httpcore, or proxies set in the environment (httpx
    honours ``HTTPS_PROXY`` and friends only when it builds its transports itself)."""
    if not _pool_fits() or urllib.request.getproxies():
        return None
    transport = httpx.AsyncHTTPTransport(limits=limits)
    if type(transport._pool) is httpcore.AsyncConnectionPool:
        transport._pool.__class__ = LinearAsyncPool
    return transport
