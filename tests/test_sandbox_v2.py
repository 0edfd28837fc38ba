"""The sandbox in the second published envelope (success/data/usage), with credits, the account
endpoints, and paths other than the spec's."""

from __future__ import annotations

import time

import httpx
import pytest
from support import table_resolver

from qavix_lab.sandbox import Sandbox
from qavix_lab.sandbox.config import SandboxConfig, shuffled_paths
from qavix_lab.spec import OPERATIONS
from qavix_lab.spec.envelopes import (
    ACCOUNT_PATHS,
    STATUS_NAMES,
    V2_ERRORS,
    camel_keys,
    snake_keys,
    status_name,
)
from qavix_lab.spec.models import TaskStatus

ALPHA, BRAVO = "qvx-v2-key-alpha-0001", "qvx-v2-key-bravo-0002"


@pytest.fixture(scope="module")
def v2():
    config = SandboxConfig(api_keys=[ALPHA, BRAVO], envelope="v2", tts_seconds=0.3,
                           video_min_seconds=0.1, resolver=table_resolver, starting_credits=1000)
    with Sandbox(config) as sb:
        yield sb


def post(sb, op: str, body: dict, key: str = ALPHA) -> httpx.Response:
    return httpx.post(sb.url + sb.app.paths[op], json=body,
                      headers={"Authorization": f"Bearer {key}"})


def get(sb, name: str, key: str = ALPHA, **query) -> httpx.Response:
    return httpx.get(sb.url + ACCOUNT_PATHS[name], params=query,
                     headers={"Authorization": f"Bearer {key}"})


def balance(sb, key: str = ALPHA) -> int:
    return get(sb, "account.balance", key).json()["data"]["credits_remaining"]


def error_of(answer: httpx.Response) -> dict:
    body = answer.json()
    assert body["success"] is False and set(body["error"]) == {"type", "code", "message", "param"}
    return body["error"]


def test_success_is_data_and_usage_in_snake_case(v2):
    answer = post(v2, "voices.list", {}).json()
    assert answer["success"] is True
    assert answer["usage"] == {"credits_used": 0, "credits_remaining": balance(v2)}
    voice = answer["data"][0]
    assert {"id", "lang_name", "audition_url", "category_str_list", "update_time"} <= set(voice)
    assert not any(ch.isupper() for ch in "".join(voice))


def test_a_create_takes_snake_case_fields_and_says_what_it_costs(v2):
    voice = post(v2, "voices.list", {}).json()["data"][0]["id"]
    before = balance(v2)
    answer = post(v2, "tts.create", {"text": "Hello", "timbre_id": voice}).json()
    data = answer["data"]
    assert isinstance(data["task_id"], str)
    assert (data["task_type"], data["status"], data["estimated_credits"]) == ("tts", "pending", 10)
    assert answer["usage"] == {"credits_used": 10, "credits_remaining": before - 10}
    v2.advance(1)
    state = post(v2, "tts.result", {"task_id": data["task_id"]}).json()["data"]
    assert (state["status"], state["task_type"], state["process"]) == ("completed", "tts", 100)
    assert state["dest_file_tmp_url"].startswith(v2.app.world.origin)


@pytest.mark.parametrize(("call", "status", "kind", "code", "param"), [
    (lambda sb: post(sb, "tts.create", {"text": "hi"}), 400, "validation_error",
     "missing_field", "timbre_id"),
    (lambda sb: post(sb, "files.privilege", {"file_name": "a", "md5": "x", "file_size": 1}),
     400, "validation_error", "invalid_field", "md5"),
    (lambda sb: post(sb, "voices.list", {}, key="wrong"), 401, "authentication_error",
     "invalid_api_key", None),
    (lambda sb: post(sb, "tasks.query", {"task_id": "8200000000000000001"}), 404,
     "not_found_error", "not_found", None),
    (lambda sb: post(sb, "video.erase", {"video_url": "http://localhost./a.mp4"}), 400,
     "invalid_url", "url_host_blocked", "video_url"),
    (lambda sb: httpx.post(sb.url + "/nowhere", json={}), 404, "not_found_error", "not_found",
     None),
])
def test_failures_are_typed_errors(v2, call, status, kind, code, param):
    answer = call(v2)
    assert answer.status_code == status
    error = error_of(answer)
    assert (error["type"], error["code"], error["param"]) == (kind, code, param)
    assert V2_ERRORS[code].type == kind and V2_ERRORS[code].http_status == status


def test_rate_limits_keep_retry_after(v2):
    v2.faults.inject("code429", operation="voices.list")
    answer = post(v2, "voices.list", {})
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "1"
    assert error_of(answer)["code"] == "rate_limit_exceeded"
    assert V2_ERRORS["rate_limit_exceeded"].code == 429


def test_a_create_beyond_the_balance_is_refused_and_charges_nothing():
    with Sandbox(envelope="v2", starting_credits=15) as sb:
        voice = post(sb, "voices.list", {}, sb.api_key).json()["data"][0]["id"]
        assert post(sb, "tts.create", {"text": "a", "timbre_id": voice}, sb.api_key).json()[
            "success"]
        refused = post(sb, "tts.create", {"text": "b", "timbre_id": voice}, sb.api_key)
        assert refused.status_code == 402
        error = error_of(refused)
        assert (error["type"], error["code"]) == ("insufficient_credits", "insufficient_credits")
        assert "costs 10, the balance is 5" in error["message"]
        assert V2_ERRORS["insufficient_credits"].code == 4003
        assert balance(sb, sb.api_key) == 5 and len(sb.world.tasks) == 1


def test_failed_tasks_are_refunded(v2):
    voice = post(v2, "voices.list", {}, BRAVO).json()["data"][0]["id"]
    before = balance(v2, BRAVO)
    tts = post(v2, "tts.create", {"text": "no [[fail]]", "timbre_id": voice}, BRAVO).json()
    video = post(v2, "video.erase", {"video_url": "https://cdn.example.com/a.mp4"}, BRAVO).json()
    assert (tts["usage"]["credits_used"], video["usage"]["credits_used"]) == (10, 40)
    v2.advance(1)
    assert post(v2, "tts.result", {"task_id": tts["data"]["task_id"]}, BRAVO).json()[
        "data"]["status"] == "failed"
    for _ in range(300):  # the video worker fails to fetch a URL that is not the sandbox's
        state = post(v2, "tasks.query", {"task_id": video["data"]["task_id"]}, BRAVO).json()
        if state["data"]["status"] == "failed":
            break
        time.sleep(0.05)
    assert state["data"]["status"] == "failed" and state["data"]["task_type"] == "video_erase"
    assert balance(v2, BRAVO) == before
    items = get(v2, "account.usage", BRAVO, limit=100).json()["data"]["items"]
    made = {tts["data"]["task_id"]: 10, video["data"]["task_id"]: 40}
    assert {i["task_id"]: i["credits_used"] for i in items if i["type"] == "charge"} == made
    assert {i["task_id"]: -i["credits_used"] for i in items if i["type"] == "refund"} == made


def test_balance_answers_plan_expiry_and_rate_limits():
    with Sandbox(envelope="v2", rate_limit=5.0, starting_credits=300) as sb:
        data = get(sb, "account.balance", sb.api_key).json()["data"]
    assert data["credits_remaining"] == 300 and data["plan"] == "sandbox"
    assert data["expires_at"].endswith("Z")
    assert data["rate_limits"] == {"requests_per_minute": 300, "queries_per_second": 5.0}


def test_usage_history_pages_with_a_cursor():
    with Sandbox(envelope="v2", starting_credits=1000) as sb:
        voice = post(sb, "voices.list", {}, sb.api_key).json()["data"][0]["id"]
        made = [post(sb, "tts.create", {"text": f"n{i}", "timbre_id": voice}, sb.api_key)
                .json()["data"]["task_id"] for i in range(5)]
        pages, cursor = [], None
        while True:
            query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = get(sb, "account.usage", sb.api_key, **query).json()["data"]
            pages.append([item["task_id"] for item in page["items"]])
            cursor = page["next_cursor"]
            assert page["has_more"] is (cursor is not None)
            if cursor is None:
                break
        assert pages == [made[:2], made[2:4], made[4:]]
        last = get(sb, "account.usage", sb.api_key).json()["data"]["items"][-1]
        assert (last["operation"], last["credits_used"], last["credits_remaining"]) == (
            "tts.create", 10, 950)
        assert get(sb, "account.usage", sb.api_key, end="2000-01-01").json()["data"][
            "items"] == []
        assert len(get(sb, "account.usage", sb.api_key, start="2000-01-01T00:00:00Z").json()[
            "data"]["items"]) == 5
        bad = get(sb, "account.usage", sb.api_key, cursor="abc")
        assert bad.status_code == 400 and error_of(bad)["param"] == "cursor"
        assert get(sb, "account.usage", BRAVO).status_code == 401


def test_the_webresult_sandbox_has_no_account_endpoints(sandbox):
    answer = httpx.get(sandbox.url + ACCOUNT_PATHS["account.balance"],
                       headers={"Authorization": f"Bearer {sandbox.api_key}"})
    assert answer.status_code == 404 and answer.json()["code"] == 4004


def test_shuffled_paths_serve_every_operation_elsewhere():
    paths = shuffled_paths(3)
    assert shuffled_paths(3) == paths and shuffled_paths(4) != paths
    assert set(paths) == set(OPERATIONS) | set(ACCOUNT_PATHS)
    assert all(paths[name] != op.path for name, op in OPERATIONS.items())
    with Sandbox(paths=paths) as sb:
        headers = {"Authorization": f"Bearer {sb.api_key}"}
        spec_path = httpx.post(sb.url + OPERATIONS["voices.list"].path, json={}, headers=headers)
        assert spec_path.status_code == 404 and spec_path.json()["code"] == 4004
        moved = httpx.post(sb.url + paths["voices.list"], json={}, headers=headers)
        assert moved.json()["code"] == 0
        doc = httpx.get(sb.app.world.origin + "/openapi.json").json()
    assert {p: v["post"]["operationId"] for p, v in doc["paths"].items()} == {
        paths[name]: name for name in OPERATIONS}


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="envelope must be one of webresult, v2"):
        SandboxConfig(envelope="xml")
    with pytest.raises(ValueError, match="unknown operations"):
        SandboxConfig(paths={"voices.lst": "/x"})


def test_the_runner_takes_envelope_and_paths(tmp_path):
    import argparse

    from qavix_lab.sandbox.__main__ import add_arguments, config_from

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    config = config_from(parser.parse_args(["--envelope", "v2", "--shuffle-paths", "3"]))
    assert config.envelope == "v2" and config.paths == shuffled_paths(3)
    (tmp_path / "paths.json").write_text('{"voices.list": "/v9/voices"}')
    config = config_from(parser.parse_args(["--paths", str(tmp_path / "paths.json"),
                                            "--api-key", "qvx-given-key-000001"]))
    assert config.paths == {"voices.list": "/v9/voices"}
    assert config.api_keys == ["qvx-given-key-000001"]


def test_every_status_has_a_string_that_decodes_back():
    for status in TaskStatus:
        assert STATUS_NAMES[status_name(status, 50)] == status
    assert status_name(0, 0) == "pending" and STATUS_NAMES["pending"] == 0


def test_snake_and_camel_keys_round_trip():
    wire = {"taskId": "1", "temporaryAccessKey": {"endPoint": "e", "securitytoken": "t"},
            "destStrTmpUrl": None, "md5": "x", "voices": [{"langName": "English"}]}
    assert snake_keys(wire)["temporary_access_key"] == {"end_point": "e", "securitytoken": "t"}
    assert camel_keys(snake_keys(wire)) == wire


def test_answers_carry_rate_limit_headers_and_a_date_from_the_sandbox_clock():
    from email.utils import parsedate_to_datetime

    with Sandbox(rate_limit=0.05, rate_burst=3, clock_skew=-600.0) as sb:
        answers = [httpx.post(sb.url + OPERATIONS["voices.list"].path, json={},
                              headers={"Authorization": f"Bearer {sb.api_key}"})
                   for _ in range(2)]
        skew = parsedate_to_datetime(answers[0].headers["date"]).timestamp() - time.time()
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1"]
    assert answers[0].headers["x-ratelimit-limit"] == "3"  # per minute
    assert -660 < skew < -540 and len(answers[0].headers.get_list("date")) == 1
