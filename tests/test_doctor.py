"""`qavix-lab doctor` against the sandbox: what it finds, what it suggests, never the key."""

from __future__ import annotations

import json

import pytest

from qavix_lab.doctor import diagnose
from qavix_lab.spec import OPERATIONS
from qavix_lab.spec.routes import load_routes


def _verdicts(report):
    return {c.check: c.verdict for c in report.checks}


def test_a_healthy_service_is_ready(sandbox, envelope):
    report = diagnose(sandbox.url, sandbox.api_key)
    verdicts = _verdicts(report)
    assert report.ok and report.envelope == envelope, report.text()
    assert verdicts["auth"] == "ok" and verdicts["envelope"] == "ok"
    assert all(verdicts[f"path {name}"] == "ok" for name in OPERATIONS)
    assert verdicts["clock"] == "ok"
    assert report.suggested == {}
    text = report.text()
    assert "verdict:" in text and sandbox.api_key not in text
    assert sandbox.api_key not in json.dumps(report.to_json())


def test_a_wrong_key_fails_auth_without_showing_it(sandbox):
    key = "qvx-wrong-key-0000000000"
    report = diagnose(sandbox.url, key)
    assert _verdicts(report)["auth"] == "fail"
    assert not report.ok
    assert key not in report.text() and key not in json.dumps(report.to_json())


def test_paths_that_differ_are_found_in_the_openapi_document_and_the_fix_is_given(
        sandbox, tmp_path):
    wrong = {"paths": {"tts.create": "/openapi/tts/make", "tasks.query": "/openapi/task/get"}}
    report = diagnose(sandbox.url, sandbox.api_key, load_routes(wrong))
    verdicts = _verdicts(report)
    assert verdicts["path tts.create"] == "fail" and verdicts["path tasks.query"] == "fail"
    assert verdicts["path tts.result"] == "ok"
    assert report.suggested["paths"] == {"tts.create": OPERATIONS["tts.create"].path,
                                         "tasks.query": OPERATIONS["tasks.query"].path}
    fixed = tmp_path / "routes.toml"
    fixed.write_text(report.suggested_toml)
    again = diagnose(sandbox.url, sandbox.api_key, load_routes(fixed))
    assert all(again_verdict == "ok" for check, again_verdict in _verdicts(again).items()
               if check.startswith("path "))


def test_missing_account_endpoints_are_said_plainly(sandbox):
    report = diagnose(sandbox.url, sandbox.api_key,
                      load_routes({"account": {"balance": "/nowhere/balance"}}))
    balance = next(c for c in report.checks if c.check == "account balance")
    assert balance.verdict == "info" and "no such endpoint" in balance.detail


@pytest.mark.parametrize("url", ["ftp://example.com/qavix", "qavixi.com/qavix", ""])
def test_a_base_url_that_is_not_http_stops_at_the_first_check(url):
    report = diagnose(url, "qvx-some-key-123456")
    assert [c.check for c in report.checks] == ["url"] and not report.ok


def test_nothing_listening_is_a_clear_failure():
    report = diagnose("http://127.0.0.1:9/qavix", "qvx-some-key-123456", timeout=2)
    auth = next(c for c in report.checks if c.check == "auth")
    assert auth.verdict == "fail" and "no answer" in auth.detail
