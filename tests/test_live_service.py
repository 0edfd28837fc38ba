"""Ready for the live service: both envelopes, credits, routes you can correct, the doctor, and
a pluggable auth step. Tests that take ``sandbox`` run against webresult and v2 (conftest)."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from support import make_client, table_resolver

from qavix_lab import cli, errors
from qavix_lab.client import Client
from qavix_lab.client.auth import BearerAuth
from qavix_lab.client.effects import RawResponse
from qavix_lab.client.protocol import Wire, decode, decode_webresult
from qavix_lab.doctor import diagnose
from qavix_lab.sandbox import Sandbox, SandboxConfig
from qavix_lab.sandbox.config import shuffled_paths
from qavix_lab.spec import OPERATIONS, TaskStatus, operation
from qavix_lab.spec.routes import load_routes

V2_OK = {"success": True, "data": {"task_id": "42", "task_type": "tts", "status": "pending",
                                   "estimated_credits": 10},
         "usage": {"credits_used": 10, "credits_remaining": 990}}


def _raw(body: object, status: int = 200, headers: dict[str, str] | None = None) -> RawResponse:
    return RawResponse(status, headers or {}, json.dumps(body).encode())


def _v2_error(code: str | None, kind: str | None, param: str | None = None) -> dict:
    return {"success": False, "error": {"type": kind, "code": code, "message": "nope",
                                        "param": param}}


# --- decoding, with no service ----------------------------------------------------------------
def test_v2_data_becomes_the_same_model_with_its_usage():
    answer = decode("tts.create", _raw(V2_OK))
    assert answer.envelope == "v2" and answer.usage.credits_used == 10
    created = operation("tts.create").result.from_json(answer.result)
    assert created.task_id == "42" and created.extra["estimatedCredits"] == 10
    state = decode_webresult(operation("tasks.query"), _raw(
        {"success": True, "data": {"task_id": "7", "status": "completed", "process": 100}}))
    assert state["status"] == TaskStatus.COMPLETED and state["taskId"] == "7"


@pytest.mark.parametrize(("code", "kind", "cls", "number"), [
    ("missing_field", "validation_error", errors.ParameterRequired, 4005),
    ("some_new_check", "validation_error", errors.ParameterRequired, 4005),
    ("invalid_api_key", "authentication_error", errors.NotLoggedIn, 4001),
    ("insufficient_credits", "insufficient_credits", errors.LimitReached, 4003),
    ("not_found", "not_found_error", errors.NotFound, 4004),
    ("url_address_blocked", "invalid_url", errors.URLRejected, None),
])
def test_v2_error_strings_map_onto_the_webresult_classes(code, kind, cls, number):
    with pytest.raises(cls) as info:
        decode("tts.create", _raw(_v2_error(code, kind, "video_url"), 400))
    err = info.value
    assert err.raw_code == code and err.error_type == kind and err.param == "video_url"
    if number is not None:
        assert err.code == number
    if cls is errors.ParameterRequired:  # the service's validation is a ValidationError too
        assert isinstance(err, errors.ValidationError)


def test_an_unknown_v2_error_keeps_its_raw_code():
    with pytest.raises(errors.UnknownServiceError) as info:
        decode("tts.create", _raw(_v2_error("quota_melted", "cosmic_error"), 418))
    assert info.value.raw_code == "quota_melted" and "quota_melted" in str(info.value)


def test_a_v2_rate_limit_carries_retry_after():
    with pytest.raises(errors.RateLimited) as info:
        decode("tts.result", _raw(_v2_error("rate_limit_exceeded", "rate_limit_error"), 429,
                                  {"retry-after": "3"}))
    assert info.value.retry_after == 3.0


def test_an_unknown_status_string_raises_unknown_task_status_with_the_task():
    from qavix_lab.client.protocol import RetryPolicy, call

    plan = call("tts.result", {"taskId": "5"}, RetryPolicy(max_retries=0))
    next(plan)
    with pytest.raises(errors.UnknownTaskStatus) as info:
        plan.send(_raw({"success": True, "data": {"task_id": "5", "status": "melting"}}))
    assert info.value.task.task_id == "5" and "melting" in str(info.value)


def test_a_forced_envelope_refuses_the_other_one():
    v2 = load_routes({"envelope": "v2"})
    with pytest.raises(errors.MalformedResponse):
        decode("voices.list", _raw({"code": 0, "message": "ok", "result": []}), v2.envelope)


def test_routes_rename_fields_and_v2_sends_snake_case():
    op = operation("tts.create")
    wire = Wire(load_routes({"envelope": "v2", "fields": {"tts.create": {"timbreId": "voice"}}}))
    send = wire.send(op, {"text": "hi", "timbreId": "3", "lang": "en"}, _options())
    assert send.body == {"text": "hi", "voice": "3", "lang": "en"}
    moved = Wire(load_routes({"paths": {"tts.create": "/v1/speech"}}))
    assert moved.send(op, {"timbreId": "3"}, _options()).path == "/v1/speech"


def _options():
    from qavix_lab.client import RequestOptions

    return RequestOptions()


# --- credits against the sandbox --------------------------------------------------------------
def test_usage_is_recorded_per_answer_and_in_the_ledger(sandbox, envelope, voice_id, tmp_path):
    with make_client(sandbox, ledger=tmp_path / "ledger") as client:
        task = client.tts.create("What did that cost?", voice_id)
        task.wait(timeout=30)
        usage = client.usage
        assert list(usage.columns) == ["operation", "task_id", "credits_used",
                                       "credits_remaining", "time"]
        job = client.ledger.find_task(task.id)
        if envelope == "webresult":  # the reference reports no credits
            assert usage.empty and job.credits is None
            return
        create = usage[usage.operation == "tts.create"].iloc[0]
        price = sandbox.config.prices["tts.create"]
        assert create.task_id == task.id and create.credits_used == price
        assert (usage[usage.operation != "tts.create"].credits_used == 0).all()
        assert usage.credits_remaining.iloc[-1] == client.account.balance()["credits_remaining"]
        assert job.credits == price


def test_balance_and_usage_history_or_a_clear_error(sandbox, envelope, voice_id):
    with make_client(sandbox, key="qvx-test-key-bravo-0002") as client:
        if envelope == "webresult":
            with pytest.raises(errors.NoEndpoint) as info:
                client.account.balance()
            assert "/openapi/account/balance" in str(info.value) and "[account]" in str(
                info.value)
            return
        before = client.account.balance()
        assert {"credits_remaining", "plan", "expires_at", "rate_limits"} <= set(before)
        ids = [client.tts.create(f"Paid line {i}", voice_id).id for i in range(3)]
        history = client.account.usage("2000-01-01", "2100-01-01", page_size=1)
        assert set(ids) <= set(history.task_id)
        assert client.account.balance()["credits_remaining"] == before["credits_remaining"] - \
            3 * sandbox.config.prices["tts.create"]


def test_max_credits_asks_before_a_batch_goes_over(sandbox, envelope, voice_id, tmp_path):
    asked: list[str] = []
    with make_client(sandbox) as client:
        frame = client.tts.batch(["One.", "Two.", "Three."], voice_id, out_dir=tmp_path,
                                 ledger=tmp_path / "book", max_credits=15,
                                 confirm=lambda q: asked.append(q) or False)
    if envelope == "webresult":  # no estimate: no limit
        assert asked == [] and frame.error.isna().all()
        return
    assert len(asked) == 1 and "30 credits" in asked[0]
    refused = frame[frame.error_type == "CreditLimitExceeded"]
    assert len(refused) == 2 and frame.task_id.notna().sum() == 1
    assert (refused.ledger_state == "rejected").all()  # never sent: nothing may be charged


# --- the doctor and the routes it suggests ----------------------------------------------------
@pytest.fixture(scope="module", params=["webresult", "v2"])
def shuffled(request):
    config = SandboxConfig(api_keys=["qvx-test-key-shuffled-0003"], tts_seconds=0.3,
                           resolver=table_resolver, envelope=request.param,
                           paths=shuffled_paths(7))
    with Sandbox(config) as sb:
        yield sb


def test_doctor_finds_shuffled_paths_and_its_fix_makes_the_client_work(shuffled, tmp_path):
    report = diagnose(shuffled.url, shuffled.api_key)
    assert not report.ok and report.envelope == shuffled.config.envelope
    moved = shuffled_paths(7)
    assert report.suggested["paths"] == {name: moved[name] for name in OPERATIONS}
    assert "Save this as routes.toml" in report.text()
    fixed = tmp_path / "routes.toml"
    fixed.write_text(report.suggested_toml)
    assert diagnose(shuffled.url, shuffled.api_key, str(fixed)).ok

    with make_client(shuffled, routes=fixed) as client:  # the "done when"
        voice = next(v.id for v in client.voices.list() if v.lang == "en" and v.status == 0)
        speech = client.tts.synthesize("Found the right paths.", voice, tmp_path / "a.mp3")
        assert speech.path.stat().st_size > 0
        assert (not client.usage.empty) == (shuffled.config.envelope == "v2")


def test_doctor_command_prints_the_fix_and_exits_1(shuffled, monkeypatch, capsys):
    monkeypatch.setenv("QAVIX_API_KEY", shuffled.api_key)
    assert cli.main(["doctor", "--base-url", shuffled.url, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["envelope"] == shuffled.config.envelope and out["suggested_routes"]["paths"]
    assert shuffled.api_key not in json.dumps(out)


def test_doctor_command_on_a_healthy_sandbox(sandbox, monkeypatch, capsys):
    monkeypatch.setenv("QAVIX_API_KEY", sandbox.api_key)
    assert cli.main(["doctor", "--base-url", sandbox.url]) == 0
    text = capsys.readouterr().out
    assert "verdict: ready" in text and sandbox.api_key not in text


def test_config_shows_a_routes_file_and_where_it_came_from(tmp_path, monkeypatch, capsys):
    routes = tmp_path / "routes.toml"
    routes.write_text('envelope = "v2"\n[paths]\n"tts.create" = "/v1/tts"\n')
    monkeypatch.setenv("QAVIX_ROUTES", str(routes))
    assert cli.main(["config", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["source"] == str(routes) and out["changes"]["paths"] == {"tts.create": "/v1/tts"}
    assert cli.main(["config"]) == 0
    text = capsys.readouterr().out
    assert "QAVIX_ROUTES" in text and "* tts.create" in text and "/v1/tts" in text
    assert Client("qvx-some-key-123456").routes.path("tts.create") == "/v1/tts"
    routes.write_text('[paths]\n"tts.craete" = "/v1/tts"\n')
    assert cli.main(["config"]) == 1
    assert "did you mean 'tts.create'" in capsys.readouterr().err


# --- auth -------------------------------------------------------------------------------------
class HeaderSigner(httpx.Auth):
    """A stand-in signing scheme: the key goes in a header of its own."""

    def __init__(self, key: str) -> None:
        self.key, self.used = key, 0

    def auth_flow(self, request):
        self.used += 1
        request.headers["Authorization"] = f"Bearer {self.key}"
        request.headers["X-Signature"] = "sig-" + str(len(request.content))
        yield request

    def __repr__(self) -> str:
        return "HeaderSigner(***)"


def test_a_custom_auth_signs_every_request(sandbox):
    signer = HeaderSigner(sandbox.api_key)
    with make_client(sandbox, auth=signer) as client:
        assert client.voices.list()
    assert signer.used >= 1


def test_the_key_never_shows_in_a_repr_a_log_or_an_error(sandbox, caplog):
    key = "qvx-test-key-never-shown-77"
    caplog.set_level(logging.DEBUG)
    with make_client(sandbox, key=key) as client:
        with pytest.raises(errors.NotLoggedIn) as info:
            client.voices.list()
        seen = [repr(client), repr(client.settings), repr(BearerAuth(key)), str(info.value),
                repr(info.value), caplog.text, repr(client.wire)]
    assert all(key not in text for text in seen)


def test_a_client_told_the_envelope_works_with_that_service_only(sandbox, envelope, voice_id,
                                                                  tmp_path):
    with make_client(sandbox, routes={"envelope": "v2"}) as client:
        if envelope == "webresult":  # told v2, it does not take a WebResult for an answer
            with pytest.raises(errors.MalformedResponse):
                client.voices.list()
            return
        task = client.tts.create("Sent in snake_case.", voice_id)  # fields as snake_case
        assert task.wait(timeout=30).status == TaskStatus.COMPLETED
