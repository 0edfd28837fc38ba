"""Every service code and failure mode maps to its typed error, over real HTTP."""

from __future__ import annotations

import pytest
from support import make_client

from qavix_lab import errors
from qavix_lab.client import Client, RequestOptions
from qavix_lab.spec.envelopes import v2_error_for


@pytest.mark.parametrize(
    ("fault", "cls", "code"),
    [
        ("code4002", errors.FeatureDisabled, 4002),
        ("code4003", errors.LimitReached, 4003),
        ("code5000", errors.SystemError_, 5000),
        ("code5001", errors.OperationFailed, 5001),
        ("code429", errors.RateLimited, 429),
    ],
)
def test_service_codes_raise_their_class(sandbox, client, envelope, fault, cls, code):
    sandbox.faults.inject(fault, count=5, operation="tts.result")
    with pytest.raises(cls) as info:
        client.tts.result("8200000000000000003", options=RequestOptions(max_retries=0))
    err = info.value
    # a WebResult error comes with HTTP 200; a v2 error with the status of its code string
    status = 200 if envelope == "webresult" else v2_error_for(code)[1].http_status
    assert (err.code, err.operation, err.http_status) == (code, "tts.result", status)
    assert isinstance(err, errors.APIError) and isinstance(err, errors.QavixError)


def test_wrong_key_is_not_logged_in_and_never_echoes_the_key(sandbox):
    secret = "qvx-wrong-key-do-not-print-123456"
    with make_client(sandbox, key=secret) as bad, pytest.raises(errors.NotLoggedIn) as info:
        bad.voices.list()
    assert info.value.code == 4001
    assert "QAVIX_API_KEY" in str(info.value)
    assert secret not in str(info.value) and secret not in repr(info.value)


def test_unknown_task_and_another_keys_task_are_not_found(sandbox, client, voice_id):
    with pytest.raises(errors.NotFound):
        client.tasks.get("1234567890123456789")
    task = client.tts.create("Private to alpha.", voice_id)
    with make_client(sandbox, key="qvx-test-key-bravo-0002") as other:
        with pytest.raises(errors.NotFound) as info:
            other.tts.result(task.id)
    assert info.value.code == 4004


def test_missing_required_field_is_parameter_required(client):
    with pytest.raises(errors.ParameterRequired) as info:
        client.call("tts.create", {"text": "no voice given"})
    assert "timbreId" in str(info.value)


def test_html_page_with_200_is_malformed_with_a_snippet(sandbox, client):
    sandbox.faults.inject("html200", operation="voices.list")
    with pytest.raises(errors.MalformedResponse) as info:
        client.voices.list(options=RequestOptions(max_retries=0))
    assert "HTML" in str(info.value) and "Please log in" in info.value.snippet
    assert info.value.http_status == 200


def test_truncated_json_is_malformed(sandbox, client):
    sandbox.faults.inject("malformed", operation="tasks.query")
    with pytest.raises(errors.MalformedResponse) as info:
        client.tasks.get("1", options=RequestOptions(max_retries=0))
    assert "taskI" in info.value.snippet


def test_gateway_html_after_retries_is_a_gateway_error(sandbox, client):
    sandbox.faults.inject("http502", count=3, operation="voices.list")
    with pytest.raises(errors.GatewayError) as info:
        client.voices.list(options=RequestOptions(max_retries=2))
    assert info.value.http_status == 502 and "502" in info.value.snippet


def test_connection_refused_is_a_connect_error():
    from qavix_lab.sandbox import free_port

    with Client("k" * 12, base_url=f"http://127.0.0.1:{free_port()}/qavix", max_retries=0) as c:
        with pytest.raises(errors.ConnectError) as info:
            c.voices.list()
    assert info.value.operation == "voices.list"


def test_no_key_anywhere_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("QAVIX_API_KEY", raising=False)
    with pytest.raises(errors.QavixError, match="QAVIX_API_KEY"):
        Client()


def test_key_absent_from_reprs_logs_and_errors(sandbox, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    with make_client(sandbox) as c:
        assert sandbox.api_key not in repr(c)
        c.voices.list()
        sandbox.faults.inject("code5000", count=3, operation="tts.result")
        with pytest.raises(errors.SystemError_) as info:
            c.tts.result("1")
    text = caplog.text + repr(info.value) + str(info.value) + repr(sandbox)
    assert sandbox.api_key not in text
    assert "voices.list" in caplog.text  # the log does say what happened


def test_redact_hides_registered_and_pattern_secrets():
    errors.register_secret("sk-very-secret-value")
    text = errors.redact('token sk-very-secret-value, "securitytoken": "abc123", Bearer xyz789')
    assert "sk-very-secret-value" not in text and "abc123" not in text and "xyz789" not in text


@pytest.mark.parametrize("bad", ["abc", "12.5", 1.5e18, True, ""])
def test_task_ids_are_checked_before_sending(client, bad):
    with pytest.raises(errors.ValidationError, match="task ID"):
        client.tasks.get(bad)


def test_error_classes_come_from_the_spec_code_table():
    from qavix_lab.spec.codes import SERVICE_CODES, URL_RULES

    for row in SERVICE_CODES:
        cls = errors.error_for_code(row.code)
        assert cls.__name__ == row.error and cls.hint == row.hint
    for rule in URL_RULES:
        assert errors.error_for_code(rule.code) is errors.URLRejected
        assert errors.URLRejected("x", code=rule.code).reason == rule.reason
    coded = {c for c in vars(errors).values() if isinstance(c, type)
             and issubclass(c, errors.APIError) and c.__module__ == errors.__name__}
    table = {errors.error_for_code(row.code) for row in SERVICE_CODES}
    assert coded - table == {errors.APIError, errors.URLRejected, errors.UnknownServiceError}
