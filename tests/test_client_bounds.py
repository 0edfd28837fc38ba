"""Hostile answers cost bounded memory and bounded time, and end in typed errors.

Each case is a small loopback server from ``hostile.py``. Peak memory is measured in a child
process (its own ``VmHWM``), so the test process's own allocations do not count.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

import pytest
from hostile import (
    DRIP_IN_BODY,
    DRIP_IN_HEADERS,
    HostileServer,
    bomb_answer,
    endless,
    head,
    send_all,
)

from qavix_lab.client import AsyncClient, Client, RequestOptions
from qavix_lab.errors import (
    AmbiguousCreate,
    MalformedResponse,
    TimeoutError_,
    TransportError,
    ValidationError,
)

KEY = "qvx-hostile-test-key-0001"
CHILD = """
import json, sys
from qavix_lab.client import Client
from qavix_lab.errors import QavixError
client = Client(sys.argv[2], base_url=sys.argv[1], max_retries=0, timeout=30)
try:
    client.voices.list()
    outcome = "no error"
except QavixError as error:
    outcome = type(error).__name__ + ": " + str(error)
# VmHWM, not ru_maxrss: the latter keeps the forked parent's size across exec
peak = next(int(line.split()[1]) for line in open("/proc/self/status")
            if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "peak_mib": peak / 1024}))
"""


def call_in_child(url: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, url, KEY], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("answer", [
    pytest.param(bomb_answer("gzip"), id="gzip bomb of 1 GiB"),
    pytest.param(bomb_answer("deflate"), id="deflate bomb of 1 GiB"),
    pytest.param(endless(), id="1 GiB body"),
])
def test_a_hostile_answer_is_refused_within_200_mib(answer):
    with HostileServer(answer, lifetime=100) as server:
        seen = call_in_child(server.url)
    assert seen["outcome"].startswith("MalformedResponse"), seen
    assert "larger than 16777216 bytes" in seen["outcome"], seen
    assert seen["peak_mib"] < 200, seen


def test_an_encoding_not_asked_for_is_refused_unread():
    answer = send_all([head(Content_Type="application/json", Content_Encoding="br",
                            Content_Length=4), b"\x0b\x02\x80\x00"])
    with HostileServer(answer) as server, Client(KEY, base_url=server.url, max_retries=0) as c:
        with pytest.raises(MalformedResponse, match="'br', which was not asked for") as caught:
            c.voices.list()
    assert caught.value.operation == "voices.list" and caught.value.where == "response body"


@pytest.mark.parametrize(("body", "problem"), [
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03not gzip at all", "corrupt"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\x56", "cut short"),
])
def test_corrupt_compression_is_a_malformed_response(body, problem):
    answer = send_all([head(Content_Type="application/json", Content_Encoding="gzip",
                            Content_Length=len(body)), body])
    with HostileServer(answer) as server, Client(KEY, base_url=server.url, max_retries=0) as c:
        with pytest.raises(MalformedResponse, match=problem) as caught:
            c.voices.list()
    assert caught.value.operation == "voices.list"


def test_the_size_cap_is_the_callers_to_set(sandbox):
    with Client(sandbox.api_key, base_url=sandbox.url, max_retries=0) as client:
        assert client.voices.list()  # the catalog fits the default cap
        with pytest.raises(MalformedResponse, match="larger than 1000 bytes"):
            client.voices.list(options=RequestOptions(max_response_bytes=1000))
    with Client(sandbox.api_key, base_url=sandbox.url, max_retries=0,
                max_response_bytes=2000) as client:
        with pytest.raises(MalformedResponse, match="larger than 2000 bytes"):
            client.voices.list()


@pytest.mark.parametrize("answer", [DRIP_IN_HEADERS, DRIP_IN_BODY], ids=["headers", "body"])
def test_a_drip_ends_at_the_deadline_sync(answer):
    with HostileServer(answer, lifetime=60) as server, \
            Client(KEY, base_url=server.url, max_retries=0, timeout=2) as client:
        started = time.monotonic()
        with pytest.raises(TimeoutError_, match="deadline of 2s"):
            client.voices.list()
        took = time.monotonic() - started
    assert took < 20  # the server drips for 60 s; per-read timeouts alone would wait it out


@pytest.mark.parametrize("answer", [DRIP_IN_HEADERS, DRIP_IN_BODY], ids=["headers", "body"])
def test_a_drip_ends_at_the_deadline_async(answer):
    async def main() -> float:
        async with AsyncClient(KEY, base_url=server.url, max_retries=0) as client:
            started = time.monotonic()
            with pytest.raises(TimeoutError_, match="deadline of 2s"):
                await client.voices.list(options=RequestOptions(timeout=2))
            return time.monotonic() - started

    with HostileServer(answer, lifetime=60) as server:
        assert asyncio.run(main()) < 20


def test_a_redirect_is_never_followed_by_the_api_client():
    answer = send_all([head("302 Found", Location="/openapi/timbre/list", Content_Length=0)])
    with HostileServer(answer) as server, Client(KEY, base_url=server.url, max_retries=0) as c:
        with pytest.raises(MalformedResponse) as caught:
            c.voices.list()
    assert caught.value.http_status == 302 and server.requests == 1


def test_a_redirect_loop_on_a_download_is_a_transport_error(tmp_path):
    answer = send_all([head("302 Found", Location="/files/a.mp4", Content_Length=0)])
    with HostileServer(answer) as server, Client(KEY, base_url=server.url) as client:
        with pytest.raises(TransportError, match="TooManyRedirects") as caught:
            client.files.download(f"{server.url}/files/a.mp4", tmp_path / "a.mp4")
    assert caught.value.where == f"{server.url}/files/a.mp4"
    assert not list(tmp_path.iterdir())


def test_a_clone_answered_with_an_empty_result_may_exist():
    body = b'{"code":0,"result":{}}'
    answer = send_all([head(Content_Type="application/json", Content_Length=len(body)), body])
    with HostileServer(answer) as server, Client(KEY, base_url=server.url, max_retries=0) as c:
        with pytest.raises(MalformedResponse, match="may exist") as caught:
            c.voices.clone("https://cdn.example.com/a.mp3", "mine")
        with pytest.raises(AmbiguousCreate, match="may exist"):
            c.tts.create("hello", "123")
    assert caught.value.where == "result.timbreId" and server.requests == 2


@pytest.mark.parametrize("name", ["a\x00b.wav", "a\r\nb.wav", "../a.wav", " "])
def test_a_bad_upload_name_is_refused_before_sending(client, name):
    with pytest.raises(ValidationError, match="file name") as caught:
        client.files.upload(b"RIFF" + bytes(100), file_name=name)
    assert caught.value.where == "file_name"


def test_a_nul_in_a_download_destination_is_a_validation_error(client, tmp_path):
    with pytest.raises(ValidationError, match="NUL"):
        client.files.download("http://127.0.0.1:9/files/a.mp4", f"{tmp_path}/a\x00.mp4")


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "soon"])
def test_a_download_told_to_retry_after_nonsense_backs_off_and_retries(tmp_path, value):
    from qavix_lab.client.download import save

    answers = iter([head("429 Too Many Requests", Retry_After=value, Content_Length=0),
                    head(Content_Type="audio/mpeg", Content_Length=4) + b"ID3\x03"])
    with HostileServer(lambda conn: conn.sendall(next(answers))) as server:
        saved = save(f"{server.url}/a.mp3", tmp_path)
    assert saved.path.read_bytes() == b"ID3\x03" and server.requests == 2
