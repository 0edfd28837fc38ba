"""Hostile clients against the sandbox: slow resolvers, slow or huge requests, secrets in reprs.

Every hostile client here is a tiny loopback socket script, bounded in count and in time.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import httpx
import pytest
from botocore.config import Config

from qavix_lab.sandbox import Sandbox, SandboxConfig
from qavix_lab.spec import OPERATIONS


def post(sb, op: str, body: dict, key: str | None = None, **kw) -> httpx.Response:
    return httpx.post(sb.url + OPERATIONS[op].path, json=body,
                      headers={"Authorization": f"Bearer {key or sb.api_key}"}, **kw)


def test_config_repr_hides_the_api_keys():
    config = SandboxConfig(api_keys=["qvx-secret-key-123456"])
    assert "qvx-secret-key-123456" not in repr(config)
    assert "tts_seconds" in repr(config)


@pytest.fixture
def stuck_dns():
    """A resolver that hangs until the test ends (then every stuck lookup fails)."""
    released = threading.Event()

    def resolve(host: str) -> list[str]:
        released.wait(timeout=30)
        raise OSError("resolver gave up")

    yield resolve
    released.set()


def test_a_hanging_resolver_stalls_neither_the_server_nor_the_request(stuck_dns):
    with Sandbox(resolver=stuck_dns, dns_timeout=0.5) as sb:
        with ThreadPoolExecutor(5) as pool:
            creates = [pool.submit(post, sb, "video.erase",
                                   {"videoUrl": f"https://slow{i}.example.com/a.mp4"},
                                   timeout=20) for i in range(5)]
            # the server keeps answering while the five lookups hang
            health = httpx.get(sb.app.world.origin + "/healthz", timeout=5)
            assert health.json() == {"ok": True}
            answers = [c.result() for c in creates]
    assert [a.status_code for a in answers] == [400] * 5
    assert all(a.json()["code"] == 10025 for a in answers)
    assert "no DNS answer within 0.5 s" in answers[0].json()["message"]


# --- hostile sockets ---------------------------------------------------------------------------
def connect(sb, timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection((sb.host, sb.port), timeout=timeout)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (socket.timeout if it never does)."""
    data = b""
    with sock:
        while chunk := sock.recv(65536):
            data += chunk
    return data


def head(sb, method: str, path: str, **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {sb.host}:{sb.port}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.fixture(scope="module")
def strict():
    with Sandbox(header_timeout=0.5, body_timeout=0.5, max_json_bytes=64 * 1024) as sb:
        yield sb


def test_half_open_connections_are_closed(strict):
    silent = [connect(strict) for _ in range(5)]
    dripping = [connect(strict) for _ in range(15)]
    for sock in dripping:
        sock.sendall(b"POST /qavix/openapi/timbre/list HTTP/1.1\r\nHost: x\r\nX-Slow: a")
    for sock in silent + dripping:
        assert read_all(sock) == b""  # closed by the server, not a socket.timeout
    assert httpx.get(strict.app.world.origin + "/healthz").json() == {"ok": True}


def test_a_kept_alive_connection_must_send_its_next_head_in_time(strict):
    sock = connect(strict)
    sock.sendall(head(strict, "GET", "/healthz"))
    answer = b""
    while not answer.endswith(b'{"ok":true}'):
        answer += sock.recv(65536)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # ...and never the blank line
    assert read_all(sock) == b""


def test_a_body_that_stops_arriving_is_answered_408(strict):
    sock = connect(strict)
    sock.sendall(head(strict, "POST", "/qavix/openapi/timbre/list", Content_Length="100",
                      Authorization=f"Bearer {strict.api_key}") + b'{"a": 1,')
    answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b'"code":4005' in answer and b"did not arrive within 0.5 s" in answer


def test_an_upload_body_that_stops_arriving_is_answered_as_s3_would(strict):
    data = secrets.token_bytes(100)
    grant = post(strict, "files.privilege", {"fileName": "a.bin", "fileSize": 100,
                                             "md5": hashlib.md5(data).hexdigest()}).json()
    cred = grant["result"]["temporaryAccessKey"]
    s3 = boto3.client("s3", endpoint_url=cred["endPoint"], region_name="us-east-1",
                      aws_access_key_id=cred["access"], aws_secret_access_key=cred["secret"],
                      aws_session_token=cred["securitytoken"],
                      config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    result = grant["result"]
    url = s3.generate_presigned_url("put_object", Params={
        "Bucket": result["bucketName"], "Key": f"{result['dirPath']}/{result['randomName']}"})
    sock = connect(strict)
    sock.sendall(head(strict, "PUT", url.split(str(strict.port), 1)[1], Content_Length="100")
                 + data[:10])
    answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 400 ") and b"<Code>RequestTimeout</Code>" in answer
    assert strict.app.store.path(result["bucketName"], f"{result['dirPath']}/"
                                 f"{result['randomName']}") is None


def test_a_huge_declared_body_is_refused_before_it_is_read(strict):
    sock = connect(strict)
    sock.sendall(head(strict, "POST", "/qavix/openapi/timbre/list", Content_Length="500000000",
                      Authorization=f"Bearer {strict.api_key}", Content_Type="application/json")
                 + b"[" * 65536)
    answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 413 ") and b"larger than 65536 bytes" in answer


def test_a_huge_streamed_body_is_refused(strict):
    def chunks():
        for _ in range(64):  # 4 MiB, without a Content-Length
            yield b" " * 65536

    answer = httpx.post(strict.url + OPERATIONS["voices.list"].path, content=chunks(),
                        headers={"Authorization": f"Bearer {strict.api_key}"}, timeout=30)
    assert answer.status_code == 413 and answer.json()["code"] == 4005


def test_an_unauthenticated_body_is_never_read(strict):
    sock = connect(strict)
    sock.sendall(head(strict, "POST", "/qavix/openapi/timbre/list", Content_Length="500000000",
                      Authorization="Bearer wrong"))
    answer = read_all(sock)
    assert b'"code":4001' in answer and b"connection: close" in answer.lower()


def test_a_flood_of_bad_requests_writes_a_bounded_log():
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]
    with Sandbox(log_burst=10, log_rate=0.01) as sb:
        logging.getLogger("uvicorn.error").addHandler(handler)
        try:
            for _ in range(100):
                sock = connect(sb)
                sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
                read_all(sock)
        finally:
            logging.getLogger("uvicorn.error").removeHandler(handler)
    assert 1 <= len(seen) <= 12
    assert all("Invalid HTTP request" in r.getMessage() for r in seen)
