"""Retries: reads retry transient errors; creates never risk a duplicate task."""

from __future__ import annotations

import pytest
from support import make_client

from qavix_lab import errors
from qavix_lab.client import RequestOptions


def _record_sleeps(client):
    slept: list[float] = []
    client._driver.sleep = slept.append
    return slept


def test_http_429_retry_after_is_honoured(sandbox, client):
    slept = _record_sleeps(client)
    sandbox.faults.inject("http429", operation="voices.list", retry_after=1.5)
    assert len(client.voices.list()) >= 60
    assert slept == [1.5]


def test_retry_after_is_capped(sandbox, client):
    slept = _record_sleeps(client)
    sandbox.faults.inject("code429", operation="voices.list", retry_after=3600)
    client.voices.list()
    assert slept == [client.retry_policy.retry_after_cap]


def test_reads_retry_5xx_and_system_errors(sandbox, client):
    slept = _record_sleeps(client)
    sandbox.faults.inject("http503", operation="voices.list")
    sandbox.faults.inject("code5000", operation="voices.list")
    assert client.voices.list()
    assert len(slept) == 2 and all(0 < s <= 0.05 for s in slept)


def test_max_retries_per_call_and_per_client(sandbox):
    with make_client(sandbox, max_retries=0) as c:
        sandbox.faults.inject("http502", operation="voices.list")
        with pytest.raises(errors.GatewayError):
            c.voices.list()
        sandbox.faults.inject("http502", operation="voices.list")
        assert c.voices.list(options=RequestOptions(max_retries=1))


def test_create_is_retried_after_429_without_duplicates(sandbox, client, voice_id):
    _record_sleeps(client)
    before = len(sandbox.world.tasks_of(sandbox.api_key))
    sandbox.faults.inject("http429", operation="tts.create", retry_after=0.1)
    task = client.tts.create("Rate limited once.", voice_id)
    assert task.id
    assert len(sandbox.world.tasks_of(sandbox.api_key)) == before + 1


@pytest.mark.parametrize("fault", ["http502", "code5000"])
def test_create_is_not_retried_when_it_may_have_landed(sandbox, client, voice_id, fault):
    slept = _record_sleeps(client)
    sandbox.faults.inject(fault, operation="tts.create")
    with pytest.raises(errors.QavixError):
        client.tts.create("Maybe created.", voice_id)
    assert slept == []


def test_read_timeout_on_create_never_makes_a_second_task(sandbox, voice_id):
    with make_client(sandbox, timeout=0.5, max_retries=3) as c:
        before = len(sandbox.world.tasks_of(sandbox.api_key))
        sandbox.faults.inject("slow_after", operation="tts.create", delay=1.5)
        with pytest.raises(errors.AmbiguousCreate) as info:
            c.tts.create("Accepted, then silence.", voice_id)
        assert "may exist and be charged" in str(info.value)
        assert isinstance(info.value.__cause__, errors.TimeoutError_)
    assert len(sandbox.world.tasks_of(sandbox.api_key)) == before + 1


def test_read_timeout_on_a_read_is_retried(sandbox, voice_id):
    with make_client(sandbox, timeout=0.5, max_retries=2) as c:
        sandbox.faults.inject("slow_after", operation="voices.list", delay=1.0)
        assert c.voices.list()


def test_connect_errors_are_retried_then_raised():
    from qavix_lab.client import Client
    from qavix_lab.sandbox import free_port

    with Client("k" * 12, base_url=f"http://127.0.0.1:{free_port()}/qavix", max_retries=2) as c:
        slept = _record_sleeps(c)
        with pytest.raises(errors.ConnectError):
            c.tts.create("hello", "1")
    assert len(slept) == 2


def test_backoff_grows_with_jitter_within_bounds():
    import random

    from qavix_lab.client import RetryPolicy

    policy = RetryPolicy(base_delay=0.5, max_delay=8, rng=random.Random(1))
    err = errors.SystemError_("x")
    delays = [policy.delay(a, err) for a in range(6)]
    for attempt, delay in enumerate(delays):
        ceiling = min(8, 0.5 * 2**attempt)
        assert ceiling / 2 <= delay <= ceiling
    assert delays[-1] > delays[0]
