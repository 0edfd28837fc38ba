"""Hostile HTTP servers for the client's tests: one small loopback socket server per case.

``HostileServer(answer)`` accepts connections on 127.0.0.1, reads each request and lets
``answer(sock)`` write whatever it likes: a compression bomb, an endless body, a drip. Every
server is bounded in time (``lifetime``) and stops with its ``with`` block; a client that hangs
up ends its answer (the write fails).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator

MiB = 1024 * 1024
GiB = 1024 * MiB
Answer = Callable[[socket.socket], None]


class HostileServer:
    def __init__(self, answer: Answer, lifetime: float = 30.0) -> None:
        self.answer, self.lifetime = answer, lifetime
        self.requests = 0
        self._stop = threading.Event()

    def __enter__(self) -> HostileServer:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._ends = time.monotonic() + self.lifetime
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    def alive(self) -> bool:
        return not self._stop.is_set() and time.monotonic() < self._ends

    def _serve(self) -> None:
        while self.alive():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(max(self._ends - time.monotonic(), 0.1))
            try:
                _read_request(conn)
                self.requests += 1
                self.answer(conn)
            except OSError:  # the client hung up: that is the point of most cases
                pass


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionResetError
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += conn.recv(65536)


def head(status: str = "200 OK", **headers: str | int) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Connection: close"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def bomb(size: int = GiB, wbits: int = 31) -> Iterator[bytes]:
    """A valid gzip (``wbits=31``) or zlib deflate (``wbits=15``) stream of ``size`` zero bytes,
    about 1000 times smaller, built from one compressed MiB repeated (cheap to serve)."""
    z, maker = bytes(MiB), zlib.compressobj(9, zlib.DEFLATED, wbits)
    yield maker.compress(z) + maker.flush(zlib.Z_FULL_FLUSH)
    block = maker.compress(z) + maker.flush(zlib.Z_FULL_FLUSH)  # after a full flush: repeatable
    for _ in range(size // MiB - 1):
        yield block
    end = maker.flush()
    if wbits == 31:
        crc = 0
        for _ in range(size // MiB):
            crc = zlib.crc32(z, crc)
        yield end[:-8] + struct.pack("<II", crc, size & 0xFFFFFFFF)
    else:
        adler = 1
        for _ in range(size // MiB):
            adler = zlib.adler32(z, adler)
        yield end[:-4] + struct.pack(">I", adler)


def send_all(parts: Iterator[bytes] | list[bytes]) -> Answer:
    def answer(conn: socket.socket) -> None:
        for part in parts if isinstance(parts, list) else list(parts):
            conn.sendall(part)
    return answer


def bomb_answer(encoding: str, size: int = GiB) -> Answer:
    def answer(conn: socket.socket) -> None:
        conn.sendall(head(Content_Type="application/json", Content_Encoding=encoding))
        for part in bomb(size, 31 if encoding == "gzip" else 15):
            conn.sendall(part)
    return answer


def endless(size: int = GiB) -> Answer:
    """A plain JSON-typed body of ``size`` bytes (a string that never ends)."""
    def answer(conn: socket.socket) -> None:
        conn.sendall(head(Content_Type="application/json", Content_Length=size))
        conn.sendall(b'{"code":0,"result":"')
        chunk = b"x" * MiB
        for _ in range(size // MiB):
            conn.sendall(chunk)
    return answer


def drip(prefix: bytes, every: float = 0.5) -> Answer:
    """``prefix`` at once, then one byte every ``every`` seconds until the server's end."""
    def answer(conn: socket.socket) -> None:
        conn.sendall(prefix)
        while True:
            time.sleep(every)
            conn.sendall(b"x")
    return answer


DRIP_IN_HEADERS = drip(b"HTTP/1.1 200 OK\r\nX-Slow: ")
DRIP_IN_BODY = drip(head(Content_Type="application/json", Content_Length=10_000) + b'{"code"')
