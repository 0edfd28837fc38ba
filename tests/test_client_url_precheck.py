"""The client refuses, offline and before anything is sent, a URL the service's rules refuse."""

from __future__ import annotations

import pytest
from support import make_client

from qavix_lab.errors import URLRejected

REFUSED = [
    ("http://localhost./a.mp4", 10024),
    ("http://[::ffff:0:7f00:1]/a.mp4", 10026),
    ("http://169.254.169.254/latest/meta-data/", 10026),
    ("ftp://cdn.example.com/a.mp4", 10021),
    ("http://user:pass@cdn.example.com/a.mp4", 10022),
    ("https://cdn.example.com/a.mp4\r\nHost: evil", 10020),
]


@pytest.fixture
def counted(sandbox):
    sent: list[str] = []
    with make_client(sandbox) as client:
        client._http.event_hooks["request"].append(lambda request: sent.append(request.url.path))
        yield client, sent


@pytest.mark.parametrize(("url", "code"), REFUSED)
def test_a_refused_url_never_reaches_the_service(counted, voice_id, url, code):
    client, sent = counted
    with pytest.raises(URLRejected) as caught:
        if url.startswith("http"):
            client.video.translate(url, "en", "de", timbre=voice_id)
        else:  # not http(s): the resource would read it as a local path
            client.call("video.translate", {"videoUrl": url, "originalLang": "en",
                                            "destLang": "de"})
    assert caught.value.code == code and caught.value.where == "videoUrl"
    assert caught.value.operation == "video.translate"
    with pytest.raises(URLRejected, match="audioUrl"):
        client.voices.clone(url, "mine")
    with pytest.raises(URLRejected):
        client.call("video.lipsync", {"videoUrl": "https://cdn.example.com/v.mp4",
                                      "audioUrl": url})
    assert sent == []


def test_the_precheck_gives_the_services_answer(sandbox):
    """Sent anyway (extra_body bypasses nothing: the sandbox is asked directly), same code."""
    import httpx

    url, code = REFUSED[1]
    answer = httpx.post(sandbox.url + "/openapi/timbre/clone",
                        json={"audioUrl": url, "name": "x"},
                        headers={"Authorization": f"Bearer {sandbox.api_key}"}).json()
    assert answer["code"] == code


def test_the_services_own_links_and_public_urls_pass(client, tmp_path):
    import wave

    audio = tmp_path / "voice.wav"
    with wave.open(str(audio), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(16000)
        out.writeframes(b"\x00\x01" * 16000)
    uploaded = client.files.upload(audio)
    assert uploaded.url.startswith(client.settings.origin + "/")  # a loopback link of its own
    assert client.voices.clone(uploaded.url, "mine").timbre_id
