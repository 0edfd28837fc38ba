"""The fault proxy breaks requests as announced and counts what it did, creates above all."""

from __future__ import annotations

import time

import httpx
import pytest

from qavix_lab.sandbox.faultproxy import KINDS, FaultProxy

CREATE = "openapi/audio/tts/create"
RESULT = "openapi/audio/tts/result"


@pytest.fixture
def proxy(sandbox):
    with FaultProxy(sandbox.url.removesuffix("/qavix"), retry_after=0.1) as p:
        yield p


@pytest.fixture
def http(sandbox, proxy):
    headers = {"Authorization": f"Bearer {sandbox.api_key}"}
    with httpx.Client(base_url=proxy.url + "/qavix/", headers=headers, timeout=10) as h:
        yield h


@pytest.fixture
def voice(http) -> str:
    return http.post("openapi/timbre/list", json={}).json()["result"][0]["id"]


def create(http: httpx.Client, voice: str, text: str, **kw) -> httpx.Response:
    return http.post(CREATE, json={"text": text, "timbreId": voice}, **kw)


def finished_link(http: httpx.Client, task_id: str) -> str:
    for _ in range(100):
        result = http.post(RESULT, json={"taskId": task_id}).json()["result"]
        if result["status"] == 1:
            return result["destFileTmpUrl"]
        time.sleep(0.1)
    raise AssertionError("the task did not finish")


def test_without_faults_everything_passes_and_links_lead_through_the_proxy(http, voice, proxy,
                                                                           sandbox):
    answer = create(http, voice, "plain")
    task_id = answer.json()["result"]["taskId"]
    link = finished_link(http, task_id)
    assert link.startswith(proxy.url + "/files/")
    through = httpx.get(link)
    direct = httpx.get(link.replace(proxy.url, sandbox.url.removesuffix("/qavix")))
    assert through.status_code == 200 and through.content == direct.content
    assert through.headers["content-type"] == "audio/mpeg"
    ranged = httpx.get(link, headers={"Range": "bytes=100-"})
    assert ranged.status_code == 206 and ranged.content == direct.content[100:]
    counts = proxy.counts()
    assert counts.injected == {} and counts.ambiguous_creates == 0
    assert proxy.created_tasks() == [("tts.create", {"text": "plain", "timbreId": voice},
                                      task_id)]


def test_faults_that_never_reach_the_server(http, voice, proxy):
    proxy.inject("http429", operation="tts.create")
    limited = create(http, voice, "a")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "0.1"
    proxy.inject("http5xx", operation="tts.create")
    gateway = create(http, voice, "b")
    assert gateway.status_code in (502, 503, 504) and b"<html>" in gateway.content
    proxy.inject("drop_before", operation="tts.create")
    with pytest.raises(httpx.RemoteProtocolError):
        create(http, voice, "c")
    counts = proxy.counts()
    assert counts.tasks_created == 0
    # a 429 is a clear answer; a gateway page or a dropped connection leaves the client unsure
    assert counts.ambiguous_creates == 2 and counts.lost_creates == 0
    assert counts.injected == {"http429": 1, "http5xx": 1, "drop_before": 1}


def test_faults_after_the_server_did_the_work_are_counted_as_lost_creates(http, voice, proxy):
    proxy.inject("drop_after", operation="tts.create")
    with pytest.raises(httpx.RemoteProtocolError):
        create(http, voice, "d")
    proxy.inject("html200", operation="tts.create")
    page = create(http, voice, "e")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    proxy.inject("truncated", operation="tts.create")
    cut = create(http, voice, "f")
    assert "content-length" not in cut.headers
    with pytest.raises(ValueError):
        cut.json()
    counts = proxy.counts()
    assert counts.tasks_created == 3 and counts.lost_creates == 3 == counts.ambiguous_creates
    assert [body["text"] for _, body, _ in proxy.created_tasks()] == ["d", "e", "f"]


def test_a_slow_answer_is_lost_only_when_the_client_gave_up(http, voice, proxy):
    proxy.slow_seconds = 1.0
    proxy.inject("slow", operation="tts.create")
    with pytest.raises(httpx.ReadTimeout):
        create(http, voice, "g", timeout=0.2)
    proxy.inject("slow", operation="tts.create")
    patient = create(http, voice, "h", timeout=5)
    assert patient.json()["code"] == 0
    for _ in range(50):  # the proxy notices the hang-up while it holds the answer
        if proxy.counts().lost_creates:
            break
        time.sleep(0.05)
    counts = proxy.counts()
    assert counts.injected == {"slow": 2}
    assert counts.lost_creates == 1 == counts.ambiguous_creates and counts.tasks_created == 2


def test_downloads_meet_faults_too(http, voice, proxy):
    link = finished_link(http, create(http, voice, "i").json()["result"]["taskId"])
    whole = httpx.get(link).content
    proxy.inject("truncated", operation="download")
    cut = httpx.get(link)
    assert cut.status_code == 200 and "content-length" not in cut.headers
    assert cut.content == whole[: len(whole) // 2]
    proxy.inject("html200", operation="download")
    page = httpx.get(link)
    assert page.status_code == 200 and page.content.startswith(b"<!DOCTYPE html>")
    assert proxy.counts().by_operation == {"download": {"truncated": 1, "html200": 1}}
    assert proxy.counts().ambiguous_creates == 0


def test_a_rate_faults_about_that_share_of_the_chosen_operations(http, voice, proxy):
    proxy.operations = {"voices.list"}
    proxy.set_rates({"http429": 0.25, "http5xx": 0.25})
    statuses = [http.post("openapi/timbre/list", json={}).status_code for _ in range(200)]
    faulted = sum(s != 200 for s in statuses)
    assert 60 <= faulted <= 140  # binomial(200, 0.5): far outside means the rate is ignored
    assert proxy.counts().injected == {"http429": statuses.count(429),
                                       "http5xx": faulted - statuses.count(429)}
    assert create(http, voice, "never faulted").status_code == 200


def test_the_same_request_creating_two_tasks_is_a_duplicate(http, voice, proxy):
    create(http, voice, "twice")
    create(http, voice, "twice")
    create(http, voice, "once")
    assert proxy.counts().duplicate_tasks == 1 and proxy.counts().tasks_created == 3


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown fault"):
        FaultProxy("http://127.0.0.1:1", rates={"teapot": 0.1})
    assert set(KINDS) >= {"http429", "http5xx", "drop_before", "drop_after", "html200",
                          "truncated", "slow"}


def test_an_unreachable_upstream_is_a_gateway_answer(sandbox):
    from qavix_lab.sandbox import free_port

    with FaultProxy(f"http://127.0.0.1:{free_port()}") as proxy:
        answer = httpx.post(proxy.url + "/qavix/" + CREATE, json={})
    assert answer.status_code == 502 and b"upstream failed" in answer.content


def test_stopping_with_a_connection_still_open_reports_no_error(sandbox, caplog):
    # a keep-alive connection is open when the proxy stops: its handler is cancelled, and
    # Python 3.11's stream callback used to print that as "Exception in callback ..."
    with FaultProxy(sandbox.url.removesuffix("/qavix")) as p, httpx.Client() as h:
        assert h.get(p.url + "/healthz").status_code == 200
        p.stop()
    assert not [r for r in caplog.records if r.name == "asyncio"], caplog.text
