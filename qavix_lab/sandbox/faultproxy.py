"""A fault-injecting HTTP proxy on loopback, between a client and the sandbox (or any server).

It forwards HTTP/1.1 requests and, at a configurable rate, breaks them the ways networks and
gateways do: 429 with ``Retry-After``, 5xx HTML pages, connections dropped before or *after* the
request was forwarded, HTML pages with status 200, answers cut in half, answers held back past the
client's timeout. It counts every fault it injects, and in particular the *ambiguous creates*: task
creations whose answer the client could not use, and of those the ones the server carried out (a
task exists, and is charged, whose ID never reached the client). Download links in JSON answers
are rewritten to pass through the proxy too, so downloads meet the same faults.

It is written on ``asyncio`` streams (a raw socket is needed to drop a connection at a chosen
moment) and forwards with ``httpx``; it knows the API only through ``qavix_lab.spec``.

>>> with Sandbox() as sb, FaultProxy(sb.url.removesuffix("/qavix"), rate=0.2) as proxy:
...     client = Client(sb.api_key, base_url=proxy.url + "/qavix")
...     ...
...     proxy.report()
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ..spec import OPERATIONS

__all__ = ["FaultProxy", "KINDS", "FORWARDED", "ProxyCounts"]

API_PREFIX = "/qavix"
KINDS: dict[str, str] = {
    "http429": "HTTP 429 with Retry-After and no JSON body; not forwarded",
    "http5xx": "HTTP 502, 503 or 504 with a gateway's HTML page; not forwarded",
    "drop_before": "the connection is closed before the request is forwarded",
    "drop_after": "the request is forwarded (the server does the work), then the connection "
                  "is closed without an answer",
    "html200": "forwarded, then answered by an HTML login page with status 200",
    "truncated": "forwarded, then half the answer is sent, without a length, and the "
                 "connection closed",
    "slow": "forwarded, then the answer is held back `slow_seconds` (past the client's timeout)",
}
FORWARDED = frozenset({"drop_after", "html200", "truncated", "slow"})
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
               "te", "trailer", "content-length", "content-encoding", "expect"}
_REASONS = {200: "OK", 206: "Partial Content", 429: "Too Many Requests", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout"}
_GATEWAY_PAGE = ("<html><head><title>{status} {reason}</title></head><body><center><h1>{status} "
                 "{reason}</h1></center><hr><center>fault-proxy</center></body></html>")
_LOGIN_PAGE = ("<!DOCTYPE html><html><head><title>Sign in</title></head><body><form "
               "action='/login'><input name='user'><input type='password'></form></body></html>")


def _operation_names(prefix: str) -> dict[str, tuple[str, bool]]:
    """Request path -> (operation name, whether it creates a paid task)."""
    return {prefix + op.path: (op.name, op.creates_task) for op in OPERATIONS.values()}


@dataclass
class _Forced:
    kind: str
    operation: str | None


@dataclass
class ProxyCounts:
    """What the proxy did, for a test or a benchmark's table."""

    requests: int
    injected: dict[str, int]  # fault kind -> how many
    by_operation: dict[str, dict[str, int]]  # operation -> fault kind -> how many
    ambiguous_creates: int  # creates whose answer the client could not use (not a plain 429)
    lost_creates: int  # ... of which the server created a task: its ID never reached the client
    tasks_created: int  # every task the server created through the proxy
    duplicate_tasks: int  # tasks created for a request body that had already created one


class FaultProxy:
    """Forward to ``upstream`` (an origin such as ``http://127.0.0.1:8765``), breaking requests.

    ``rate`` is the share of requests to fault, spread evenly over ``kinds`` (all by default);
    ``rates`` sets a rate per kind instead. ``operations`` limits faults to some operations
    (``"tts.create"``, ``"tts.result"``, ``"download"``...; all by default). ``inject`` forces
    the next faults. ``seed`` makes a run repeatable.
    """

    def __init__(self, upstream: str, *, rate: float = 0.0,
                 rates: Mapping[str, float] | None = None, kinds: Iterable[str] | None = None,
                 operations: Iterable[str] | None = None,
                 seed: int | None = 0, retry_after: float = 0.2, slow_seconds: float = 5.0,
                 host: str = "127.0.0.1", port: int = 0, rewrite_links: bool = True,
                 api_prefix: str = API_PREFIX) -> None:
        chosen = list(kinds) if kinds is not None else list(KINDS)
        self.rates = dict(rates) if rates is not None else {k: rate / len(chosen) for k in chosen}
        unknown = set(self.rates) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
        self.upstream = upstream.rstrip("/")
        self.operations = set(operations) if operations is not None else None
        self.retry_after = retry_after
        self.slow_seconds = slow_seconds
        self.host, self.port = host, port
        self.rewrite_links = rewrite_links
        self._ops = _operation_names(api_prefix)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._forced: deque[_Forced] = deque()
        self._requests = 0
        self._injected: Counter[str] = Counter()
        self._by_operation: dict[str, Counter[str]] = {}
        self._ambiguous = 0
        self._lost = 0
        self._created: list[tuple[str, str, str]] = []  # (operation, canonical body, task ID)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._http: httpx.AsyncClient | None = None

    # -- control -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The proxy's origin: give the client ``proxy.url + "/qavix"`` as its base URL."""
        return f"http://{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"<FaultProxy {self.url} -> {self.upstream} rates={self.rates}>"

    def inject(self, kind: str, *, count: int = 1, operation: str | None = None) -> None:
        """Make the next ``count`` requests (to ``operation``, or any) fail with ``kind``."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(KINDS)}")
        with self._lock:
            self._forced.extend(_Forced(kind, operation) for _ in range(count))

    def set_rates(self, rates: Mapping[str, float]) -> None:
        unknown = set(rates) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}")
        with self._lock:
            self.rates = dict(rates)

    def counts(self) -> ProxyCounts:
        with self._lock:
            seen: Counter[str] = Counter(body for _, body, _ in self._created)
            return ProxyCounts(
                requests=self._requests, injected=dict(self._injected),
                by_operation={op: dict(c) for op, c in self._by_operation.items()},
                ambiguous_creates=self._ambiguous, lost_creates=self._lost,
                tasks_created=len(self._created),
                duplicate_tasks=sum(n - 1 for n in seen.values()))

    def created_tasks(self) -> list[tuple[str, dict[str, Any], str]]:
        """Every task the server created through the proxy: (operation, request body, task ID)."""
        with self._lock:
            return [(op, json.loads(body), task) for op, body, task in self._created]

    def start(self) -> FaultProxy:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._open())
            except BaseException as exc:  # reported to start()
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shut())
            loop.close()

        self._thread = threading.Thread(target=run, name="fault-proxy", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure:
            raise RuntimeError(f"the fault proxy could not start: {failure[0]}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _open(self) -> None:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        self._http = httpx.AsyncClient(limits=limits, timeout=120, follow_redirects=False)
        self._server = await asyncio.start_server(self._connection, self.host, self.port,
                                                  limit=1 << 20)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shut(self) -> None:
        if self._server is not None:
            self._server.close()
        open_connections = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in open_connections:
            task.cancel()
        await asyncio.gather(*open_connections, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()

    # -- deciding ------------------------------------------------------------------------------
    def _name(self, method: str, path: str) -> tuple[str, bool]:
        if path in self._ops:
            return self._ops[path]
        return ("download" if method in ("GET", "HEAD") else f"{method} {path}"), False

    def _choose(self, operation: str) -> str | None:
        with self._lock:
            self._requests += 1
            for forced in self._forced:
                if forced.operation in (None, operation):
                    self._forced.remove(forced)
                    return forced.kind
            if self.operations is not None and operation not in self.operations:
                return None
            draw = self._rng.random()
            for kind, rate in self.rates.items():
                if draw < rate:
                    return kind
                draw -= rate
        return None

    def _count(self, operation: str, kind: str) -> None:
        with self._lock:
            self._injected[kind] += 1
            self._by_operation.setdefault(operation, Counter())[kind] += 1

    # -- serving -------------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError,
                ValueError):
            pass
        except asyncio.CancelledError:  # the proxy stops: end quietly (Python 3.11's stream
            pass  # callback reports a cancelled handler as "Exception in callback")
        finally:
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False when the connection is to be closed."""
        head = await reader.readuntil(b"\r\n\r\n")
        line, *lines = head.decode("latin-1").split("\r\n")
        method, target, _version = line.split(" ", 2)
        headers = [(name.strip(), value.strip())
                   for name, _, value in (h.partition(":") for h in lines if ":" in h)]
        lower = {name.lower(): value for name, value in headers}
        if lower.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = await _read_body(reader, lower)
        operation, creates = self._name(method, target.split("?", 1)[0])
        kind = self._choose(operation)
        if kind is not None:
            self._count(operation, kind)
        if kind == "http429":
            await _answer(writer, 429, [("Retry-After", f"{self.retry_after:g}"),
                                        ("Content-Type", "text/plain")], b"Too Many Requests")
            return True
        if kind == "http5xx":
            status = self._rng.choice((502, 503, 504))
            page = _GATEWAY_PAGE.format(status=status, reason=_REASONS[status]).encode()
            self._ambiguous_create(creates, None)
            await _answer(writer, status, [("Content-Type", "text/html")], page)
            return True
        if kind == "drop_before":
            self._ambiguous_create(creates, None)
            writer.transport.abort()
            return False
        forwarded = [(n, v) for n, v in headers if n.lower() not in _HOP_BY_HOP]
        try:
            upstream = await self._http_client().request(method, self.upstream + target,
                                                         headers=forwarded, content=body)
        except httpx.HTTPError as exc:
            await _answer(writer, 502, [("Content-Type", "text/plain")],
                          f"fault proxy: the upstream failed: {exc!r}".encode())
            return True
        content = upstream.content
        task_id = self._record_created(operation, creates, body, upstream.status_code, content)
        if self.rewrite_links and b"json" in upstream.headers.get("content-type", "").encode():
            content = content.replace(self.upstream.encode(), self.url.encode())
        reply = [(n, v) for n, v in upstream.headers.multi_items() if n.lower() not in _HOP_BY_HOP]
        if kind == "drop_after":
            self._ambiguous_create(creates, task_id)
            writer.transport.abort()
            return False
        if kind == "html200":
            self._ambiguous_create(creates, task_id)
            await _answer(writer, 200, [("Content-Type", "text/html; charset=utf-8")],
                          _LOGIN_PAGE.encode())
            return True
        if kind == "truncated":
            self._ambiguous_create(creates, task_id)
            cut = content[: len(content) // 2] if method != "HEAD" else b""
            await _answer(writer, upstream.status_code, reply, cut, length=False)
            return False
        if kind == "slow" and await _client_gone(reader, self.slow_seconds):
            self._ambiguous_create(creates, task_id)
            return False
        if method == "HEAD":
            await _answer(writer, upstream.status_code, reply, b"",
                          length=upstream.headers.get("content-length", "0"))
        else:
            await _answer(writer, upstream.status_code, reply, content)
        return True

    def _http_client(self) -> httpx.AsyncClient:
        assert self._http is not None, "the proxy is not started"
        return self._http

    def _ambiguous_create(self, creates: bool, task_id: str | None) -> None:
        if creates:
            with self._lock:
                self._ambiguous += 1
                self._lost += task_id is not None

    def _record_created(self, operation: str, creates: bool, body: bytes, status: int,
                        content: bytes) -> str | None:
        """The ID of the task the server created for this request, if it did (and say so)."""
        if not creates or status != 200:
            return None
        try:
            answer = json.loads(content)
            request = json.loads(body or b"{}")
        except ValueError:
            return None
        if not isinstance(answer, dict):
            return None
        ok = answer.get("code") == 0 or answer.get("success") is True  # WebResult or v2
        result = answer.get("result", answer.get("data"))
        if not isinstance(result, dict) or not ok:
            return None
        task_id = next((result[k] for k in ("taskId", "timbreId", "task_id", "timbre_id")
                        if result.get(k) is not None), None)
        if task_id is None:
            return None
        canonical = json.dumps(request, sort_keys=True, separators=(",", ":"))
        with self._lock:
            self._created.append((operation, canonical, str(task_id)))
        return str(task_id)


async def _read_body(reader: asyncio.StreamReader, headers: Mapping[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() != "chunked":
        length = int(headers.get("content-length", "0") or 0)
        return await reader.readexactly(length) if length else b""
    parts = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16):
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
    while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
        pass
    return b"".join(parts)


async def _answer(writer: asyncio.StreamWriter, status: int, headers: list[tuple[str, str]],
                  body: bytes, *, length: bool | str | None = True) -> None:
    """Write a response; ``length=False`` sends none (the body ends when the connection does)."""
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if length is False:
        lines.append("Connection: close")
    else:
        lines.append(f"Content-Length: {length if isinstance(length, str) else len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()


async def _client_gone(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Hold the answer up to ``seconds``; True if the client hung up meanwhile (it timed out)."""
    try:
        data = await asyncio.wait_for(reader.read(1), seconds)
    except TimeoutError:
        return False
    return data == b""


def serve(upstream: str, *, port: int = 8766, **settings: Any) -> None:
    """Run a proxy in the foreground until interrupted, printing its counts every 10 seconds."""
    with FaultProxy(upstream, port=port, **settings) as proxy:
        print(f"fault proxy {proxy.url} -> {upstream}; base URL {proxy.url}{API_PREFIX}")
        try:
            while True:
                time.sleep(10)
                print(proxy.counts())
        except KeyboardInterrupt:
            pass


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("upstream", help="the server's origin, e.g. http://127.0.0.1:8765")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--rate", type=float, default=0.2, help="share of requests to fault")
    parser.add_argument("--slow-seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    serve(args.upstream, port=args.port, rate=args.rate, slow_seconds=args.slow_seconds,
        seed=args.seed)


if __name__ == "__main__":
    main()
