"""Downloads and polls recover from a faulty network, and never save a page or half a file."""

from __future__ import annotations

import hashlib
import os

import httpx
import pytest
from support import FAST_POLL, make_client

from qavix_lab.client import Client
from qavix_lab.client.download import save
from qavix_lab.errors import MalformedResponse, QavixError
from qavix_lab.sandbox.faultproxy import FaultProxy


@pytest.fixture(scope="module")
def finished(sandbox):
    """A finished TTS task's file: (sandbox URL, SHA-256 of its bytes)."""
    with make_client(sandbox) as client:
        voice = client.voices.list()[0].id
        state = client.tts.create("A file to fetch.", voice).wait()
    url = state.dest_file_tmp_url
    return url, hashlib.sha256(httpx.get(url).content).hexdigest()


@pytest.fixture
def proxy(sandbox):
    with FaultProxy(sandbox.url.removesuffix("/qavix"), retry_after=0.05) as p:
        yield p


def through(proxy, sandbox, url: str) -> str:
    return url.replace(sandbox.url.removesuffix("/qavix"), proxy.url)


def parts(folder) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


def proxied_client(sandbox, proxy, *, max_retries: int, poll_schedule=FAST_POLL) -> Client:
    """A client whose every request goes through the fault proxy."""
    return Client(sandbox.api_key, base_url=proxy.url + "/qavix", max_retries=max_retries,
                  poll_schedule=poll_schedule)


@pytest.fixture(scope="module")
def voice(sandbox) -> str:
    with make_client(sandbox) as direct:
        return direct.voices.list()[0].id


@pytest.mark.parametrize("fault", ["truncated", "html200", "drop_before", "drop_after",
                                   "http5xx", "http429"])
def test_a_faulty_download_is_retried_into_the_exact_file(sandbox, proxy, finished, tmp_path,
                                                          fault):
    url, digest = finished
    proxy.inject(fault, operation="download")
    saved = save(through(proxy, sandbox, url), tmp_path / "clip.mp3")
    assert saved.sha256 == digest == hashlib.sha256(saved.path.read_bytes()).hexdigest()
    assert parts(tmp_path) == []
    assert proxy.counts().injected == {fault: 1}


def test_a_download_outlasts_a_run_of_failures_a_fifth_of_requests_would_bring(
        sandbox, proxy, finished, tmp_path):
    # a file the service made is a paid result: at 20% faults, 5 failures in a row come once
    # in 3,000 downloads, so a 500-job batch would lose one file in six runs; 8 retries keep it
    url, digest = finished
    proxy.inject("http429", count=6, operation="download")
    saved = save(through(proxy, sandbox, url), tmp_path / "clip.mp3")
    assert saved.sha256 == digest
    assert proxy.counts().injected == {"http429": 6}


def test_a_body_cut_without_a_length_is_resumed_with_a_range(sandbox, proxy, finished, tmp_path):
    url, digest = finished
    proxy.inject("truncated", operation="download")
    seen: list[str | None] = []
    with httpx.Client(event_hooks={"request": [lambda r: seen.append(r.headers.get("range"))]}
                      ) as http:
        saved = save(through(proxy, sandbox, url), tmp_path / "clip.mp3", http=http)
    assert saved.sha256 == digest
    # the whole file asked once, then what follows the half that came (its 206 tells the size)
    assert seen == [None, f"bytes={saved.size // 2}-"]


def test_a_body_without_a_length_is_confirmed_whole_before_it_is_kept(tmp_path):
    audio = b"ID3" + bytes(range(256)) * 8
    asked: list[str | None] = []

    def server(request: httpx.Request) -> httpx.Response:
        asked.append(request.headers.get("range"))
        if request.headers.get("range"):
            return httpx.Response(416)
        return httpx.Response(200, stream=httpx.ByteStream(audio),  # no Content-Length
                              headers={"content-type": "audio/mpeg"})

    with httpx.Client(transport=httpx.MockTransport(server)) as http:
        saved = save("http://files.test/a.mp3", tmp_path / "a.mp3", http=http)
    assert saved.path.read_bytes() == audio
    assert asked == [None, f"bytes={len(audio)}-"]


def test_a_page_is_never_saved_as_media(sandbox, proxy, finished, tmp_path):
    url, _ = finished
    proxy.inject("html200", count=10, operation="download")
    with pytest.raises(MalformedResponse, match="text/html") as caught:
        save(through(proxy, sandbox, url), tmp_path / "clip.mp3", retries=2)
    assert "clip.mp3" in str(caught.value) or "files/" in str(caught.value)
    assert list(tmp_path.iterdir()) == []  # neither the file nor a .part


def test_parts_left_by_a_dead_process_are_removed(sandbox, finished, tmp_path):
    url, _ = finished
    dead = tmp_path / ".clip.mp3.999999999-abcdef12.part"
    alive = tmp_path / f".clip.mp3.{os.getppid()}-abcdef12.part"
    dead.write_bytes(b"half")
    alive.write_bytes(b"another process is writing this one")
    save(url, tmp_path / "clip.mp3")
    assert not dead.exists() and alive.exists()


def test_the_stop_event_ends_the_retries(sandbox, proxy, finished, tmp_path):
    import threading

    url, _ = finished
    stop = threading.Event()
    stop.set()
    proxy.inject("http5xx", count=10, operation="download")
    with pytest.raises(QavixError, match="stopped"):
        save(through(proxy, sandbox, url), tmp_path / "clip.mp3", stop=stop)
    assert parts(tmp_path) == []


def test_a_task_waits_and_downloads_through_a_faulty_network(sandbox, proxy, voice, tmp_path):
    with proxied_client(sandbox, proxy, max_retries=4) as client:
        task = client.tts.create("Through the storm.", voice)
        proxy.inject("html200", operation="tts.result")
        proxy.inject("truncated", operation="tts.result")
        proxy.inject("html200", operation="download")
        state = task.wait()
        path = task.download(tmp_path / "storm.mp3")
    assert state.status == 1 and path.read_bytes()[:3] in (b"ID3", b"\xff\xfb\x90"[:3])
    injected = proxy.counts().by_operation
    assert injected["tts.result"] == {"html200": 1, "truncated": 1}
    assert injected["download"] == {"html200": 1}


def test_a_wait_rides_out_polls_that_fail_after_their_retries(sandbox, proxy, voice, caplog):
    # the network is down for a while: each poll fails even after the client's own retries,
    # the task goes on at the service, and the wait goes on polling until it is back
    with proxied_client(sandbox, proxy, max_retries=0) as client:
        task = client.tts.create("Through a longer storm.", voice)
        proxy.inject("drop_before", count=2, operation="tts.result")
        proxy.inject("http5xx", count=2, operation="tts.result")
        proxy.inject("html200", operation="tts.result")
        state = task.wait(timeout=60)
    assert state.status == 1
    assert sum(proxy.counts().by_operation["tts.result"].values()) == 5
    assert "a poll failed" in caplog.text and "the task goes on at the service" in caplog.text


def test_a_wait_gives_up_when_the_outage_outlasts_its_grace(sandbox, proxy, voice):
    from dataclasses import replace

    from qavix_lab.errors import GatewayError

    with proxied_client(sandbox, proxy, max_retries=0,
                        poll_schedule=replace(FAST_POLL, outage=0.5)) as client:
        task = client.tts.create("Into a storm that does not end.", voice)
        proxy.inject("http5xx", count=1000, operation="tts.result")
        with pytest.raises(GatewayError):
            task.wait(timeout=60)
    assert 2 <= proxy.counts().by_operation["tts.result"]["http5xx"] < 1000


def test_a_poll_that_polling_again_cannot_mend_ends_the_wait_at_once(sandbox, proxy):
    from qavix_lab.errors import APIError

    with proxied_client(sandbox, proxy, max_retries=0) as client:
        task = client.tts.task("987654321987")  # no such task
        with pytest.raises(APIError):
            task.wait(timeout=60)
    assert proxy.counts().requests == 1
