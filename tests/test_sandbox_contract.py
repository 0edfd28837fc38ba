"""The sandbox answers raw HTTP exactly as the contract says."""

from __future__ import annotations

import httpx
import pytest

from qavix_lab.errors import URL_REASONS
from qavix_lab.spec import OPERATIONS


def post(sandbox, op: str, body: dict | None = None, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key or sandbox.api_key}"}
    return httpx.post(sandbox.url + OPERATIONS[op].path, json=body or {}, headers=headers)


def test_every_operation_is_routed_and_requires_its_fields(sandbox):
    for op in OPERATIONS.values():
        answer = post(sandbox, op.name, {}).json()
        if op.required:
            assert answer["code"] == 4005, op.name
            assert all(name in answer["message"] for name in op.required)
        else:
            assert answer["code"] == 0, op.name


def test_missing_or_wrong_key_is_4001(sandbox):
    assert httpx.post(sandbox.url + "/openapi/timbre/list", json={}).json()["code"] == 4001
    assert post(sandbox, "voices.list", key="nope").json() == {
        "code": 4001, "message": "User not logged in", "result": None}


def test_voice_catalog_shape(sandbox):
    voices = post(sandbox, "voices.list").json()["result"]
    assert len(voices) >= 60 and len({v["lang"] for v in voices}) >= 8
    fields = {"id", "name", "lang", "langName", "gender", "genderStr", "accent", "accentStr",
              "ageRange", "ageRangeStr", "emotion", "emotionStr", "categoryList",
              "categoryStrList", "remark", "source", "type", "auditionUrl", "status",
              "updateTime", "createTime", "hotCount", "useCount", "collectCount"}
    assert all(fields <= set(v) for v in voices)
    assert all(isinstance(v["id"], int) for v in voices)
    audition = httpx.get(voices[0]["auditionUrl"])
    assert audition.status_code == 200 and len(audition.content) > 2000


def test_task_ids_are_strings_on_create_and_numbers_on_query(sandbox):
    voice = post(sandbox, "voices.list").json()["result"][0]
    # an editing task stays in progress until its (shared sandbox's) duration is over
    created = post(sandbox, "tts.create", {"text": "Hi [[editing]]", "timbreId": voice["id"]})
    assert created.json()["code"] == 0 and isinstance(created.json()["result"]["taskId"], str)
    task_id = created.json()["result"]["taskId"]
    queried = post(sandbox, "tts.result", {"taskId": task_id}).json()["result"]
    assert queried["taskId"] == int(task_id) and queried["status"] in (0, 3)
    assert 0 <= queried["process"] < 100
    also = post(sandbox, "tasks.query", {"taskId": task_id}).json()["result"]
    assert also["taskId"] == int(task_id)


def test_openapi_document_lists_every_operation(sandbox):
    doc = httpx.get(sandbox.app.world.origin + "/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert {p for p in doc["paths"]} == {op.path for op in OPERATIONS.values()}
    tts = doc["paths"]["/openapi/audio/tts/create"]["post"]
    assert tts["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "text", "timbreId"]


HOSTILE = [
    ("not a url at all", 10021),
    ("ftp://cdn.example.com/a.mp4", 10021),
    ("cdn.example.com/a.mp4", 10021),
    ("http://user:pass@cdn.example.com/a.mp4", 10022),
    ("http:///a.mp4", 10023),
    ("http://bad_host!/a.mp4", 10023),
    ("http://localhost/a.mp4", 10024),
    ("http://printer.local/a.mp4", 10024),
    ("http://metadata.google.internal/computeMetadata/v1/", 10024),
    ("http://nowhere.example.com/a.mp4", 10025),
    ("http://internal.example.com/a.mp4", 10026),
    ("http://sneaky.example.com/a.mp4", 10026),
    ("http://v6local.example.com/a.mp4", 10026),
    ("http://meta.example.com/latest/", 10026),
    ("http://127.0.0.1:8080/a.mp4", 10026),
    ("http://[::1]/a.mp4", 10026),
    ("http://169.254.169.254/latest/meta-data/", 10026),
    ("http://10.0.0.7/a.mp4", 10026),
    ("http://cdn.example.com:99999/a.mp4", 10020),
    ("http://cdn.example.com/" + "a" * 3000, 10028),
    # IPv4 inside IPv6: mapped, translated, compatible, NAT64, 6to4, Teredo
    ("http://[::ffff:127.0.0.1]/a.mp4", 10026),
    ("http://[::ffff:0:7f00:1]/a.mp4", 10026),
    ("http://[::127.0.0.1]/a.mp4", 10026),
    ("http://[64:ff9b::7f00:1]/a.mp4", 10026),
    ("http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", 10026),
    ("http://[2002:7f00:1::]/a.mp4", 10026),
    ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/a.mp4", 10026),
    # IPv4 in the legacy forms a fetcher still accepts
    ("http://2130706433/a.mp4", 10026),
    ("http://0x7f.1/a.mp4", 10026),
    ("http://127.1/a.mp4", 10026),
    ("http://1.2.3.999/a.mp4", 10023),
    # control characters (header injection) and trailing dots
    ("http://cdn.example.com/a.mp4\r\nX-Injected: 1", 10020),
    ("http://cdn.example.com/a\x00.mp4", 10020),
    ("http://cdn.example.com\t/a.mp4", 10020),
    ("http://localhost./a.mp4", 10024),
    ("http://metadata.google.internal./computeMetadata/v1/", 10024),
    ("http://printer.local./a.mp4", 10024),
    ("http://cdn.example.com../a.mp4", 10023),
]


@pytest.mark.parametrize(("url", "code"), HOSTILE)
def test_hostile_urls_are_rejected_with_http_400(sandbox, url, code):
    answer = post(sandbox, "video.erase", {"videoUrl": url})
    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert URL_REASONS[code][0] in answer.json()["message"]


def test_hostile_url_maps_to_url_rejected_in_the_client(client):
    from qavix_lab.errors import URLRejected

    with pytest.raises(URLRejected) as info:
        client.video.translate("http://localhost/x.mp4", "en", "fr")
    assert info.value.code == 10024 and info.value.reason == "URL_HOST_BLOCKED"
    assert info.value.http_status is None  # refused offline by the same rules, nothing sent


def test_allow_list_rejects_other_hosts_but_never_unblocks_private_ones():
    from support import table_resolver

    from qavix_lab.spec.urls import check_url

    allow = ("example.com",)
    assert check_url("http://other.org/a.mp4", allow_hosts=allow,
                     resolve=table_resolver).code == 10027
    assert check_url("http://internal.example.com/a", allow_hosts=allow,
                     resolve=table_resolver).code == 10026
    assert check_url("https://cdn.example.com/a.mp4", allow_hosts=allow,
                     resolve=table_resolver) is None


def test_public_url_is_accepted_but_never_fetched(sandbox, client):
    from qavix_lab.errors import TaskFailed

    task = client.video.translate("https://cdn.example.com/clip.mp4", "en", "fr")
    with pytest.raises(TaskFailed) as info:
        task.wait(timeout=30)
    assert "own" in info.value.task.extra["errorMessage"]


def test_rate_limit_answers_429_with_retry_after():
    from qavix_lab.sandbox import Sandbox

    with Sandbox(rate_limit=0.5, rate_burst=2) as sb:
        answers = [post(sb, "voices.list") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["Retry-After"]) >= 1
    assert answers[2].json()["code"] == 429
