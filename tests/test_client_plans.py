"""Plans stepped by hand, with no I/O: the run loop, retries of creates, waits, the observer."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from qavix_lab import errors
from qavix_lab.client import Client, RequestOptions
from qavix_lab.client.drivers import AsyncDriver
from qavix_lab.client.effects import Blocking, Plan, RawResponse, Send, Sleep, run_with
from qavix_lab.client.handles import TtsTask
from qavix_lab.client.lifecycle import Job, NoObserver, create_task
from qavix_lab.client.protocol import RetryPolicy, build_body, call
from qavix_lab.client.waiting import PollSchedule, Watch, wait_for
from qavix_lab.spec import TtsResult, operation


def ok(result: object) -> RawResponse:
    return RawResponse(200, {}, orjson.dumps({"code": 0, "message": "ok", "result": result}))


def returned(plan: Plan[object], value: object) -> object:
    """Resume ``plan`` with ``value`` and return what it returns (it must end there)."""
    with pytest.raises(StopIteration) as end:
        plan.send(value)
    return end.value.value


def a_plan(log: list[str]) -> Plan[str]:
    try:
        yield Sleep(1.0)
        yield Blocking(lambda stop: None)
        return "done"
    finally:
        log.append("finally")


def test_the_run_loop_returns_the_plans_value_and_closes_it():
    log: list[str] = []
    assert run_with(lambda effect: None, a_plan(log)) == "done"
    assert log == ["finally"]


@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("a bug"),
                                   errors.TransportError("reset")])
def test_every_exception_is_thrown_into_the_plan_so_its_finally_runs(error):
    log: list[str] = []

    def perform(effect: object) -> None:
        if isinstance(effect, Blocking):
            raise error

    with pytest.raises(type(error)):
        run_with(perform, a_plan(log))
    assert log == ["finally"]


def test_a_plan_is_closed_even_when_it_swallows_the_error():
    log: list[str] = []

    def stubborn() -> Plan[None]:
        try:
            while True:
                try:
                    yield Sleep(0)
                except KeyboardInterrupt:
                    log.append("ignored")
                    raise RuntimeError("gave up") from None
        finally:
            log.append("closed")

    def perform(effect: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(RuntimeError):
        run_with(perform, stubborn())
    assert log == ["ignored", "closed"]


def test_cancelling_an_async_run_closes_the_plan():
    log: list[str] = []

    def sleeper() -> Plan[None]:
        try:
            yield Sleep(3600)
        finally:
            log.append("finally")

    async def main() -> None:
        driver = AsyncDriver(http=None)  # type: ignore[arg-type] - a Sleep needs no HTTP
        run = asyncio.ensure_future(driver.run(sleeper()))
        await asyncio.sleep(0.01)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run

    asyncio.run(main())
    assert log == ["finally"]


def test_a_create_that_may_have_landed_is_sent_once():
    plan = call("tts.create", {"text": "hi", "timbreId": "1"}, RetryPolicy(max_retries=5))
    first = next(plan)
    assert isinstance(first, Send) and first.body == {"text": "hi", "timbreId": "1"}
    with pytest.raises(errors.TimeoutError_):
        plan.throw(errors.TimeoutError_("no answer"))


def test_a_create_that_surely_did_not_land_is_retried():
    plan = call("tts.create", {"text": "hi", "timbreId": "1"},
                RetryPolicy(max_retries=1, base_delay=0.25))
    assert isinstance(next(plan), Send)
    assert isinstance(plan.throw(errors.ConnectError("refused")), Sleep)
    assert isinstance(plan.send(None), Send)
    assert returned(plan, ok({"taskId": "42"})).task_id == "42"


def test_options_reach_the_request():
    options = RequestOptions(timeout=3, extra_body={"speed": 1.2},
                             extra_headers={"X-Trace": "t"}, idempotency_key="job-1")
    send = next(call("tts.create", {"text": "hi", "timbreId": "1"}, RetryPolicy(), options))
    assert isinstance(send, Send)
    assert send.body == {"text": "hi", "timbreId": "1", "speed": 1.2} and send.timeout == 3
    assert send.headers == {"X-Trace": "t", "Idempotency-Key": "job-1"}


def test_a_wire_name_typo_fails_in_the_client_before_anything_is_sent():
    with pytest.raises(errors.ValidationError, match="timberId"):
        build_body(operation("tts.create"), {"text": "hi", "timberId": "1"})


def states(*pairs: tuple[int, int]) -> list[TtsResult]:
    return [TtsResult.from_json({"taskId": "7", "status": s, "process": p}) for s, p in pairs]


def test_a_wait_stepped_by_hand_polls_until_completed_and_reports_each_change():
    seen: list[tuple[object, object]] = []

    class Recorder(NoObserver):
        def state_changed(self, task_id: str, state: TtsResult) -> None:
            seen.append((state.status, state.progress))

    answers = iter(states((0, 10), (0, 10), (0, 60), (1, 100)))

    def fetch() -> Plan[TtsResult]:
        yield Sleep(0)  # stands for the query
        return next(answers)

    plan = wait_for(fetch, Watch("tts 7", "tts", "7", Recorder()), created=None,
                    schedule=PollSchedule(first=0.5, minimum=0.1, maximum=2.0))
    final = run_with(lambda effect: None, plan)
    assert final.progress == 100
    assert seen == [(0, 10), (0, 60), (1, 100)]


def test_the_stop_button_during_a_wait_ends_it_and_closes_the_bar(monkeypatch):
    closed: list[bool] = []

    class Bar:
        n = 0

        def set_postfix_str(self, text: str) -> None: ...
        def refresh(self) -> None: ...
        def close(self) -> None:
            closed.append(True)

    monkeypatch.setattr("qavix_lab.client.waiting._bar", lambda enabled, label: Bar())

    def fetch() -> Plan[TtsResult]:
        yield Sleep(0)
        return states((0, 5))[0]

    plan = wait_for(fetch, Watch("tts 7", "tts", "7", NoObserver(), progress_bar=True),
                    created=None)
    sleeps = 0

    def perform(effect: object) -> None:
        nonlocal sleeps
        sleeps += 1
        if sleeps == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_with(perform, plan)
    assert closed == [True]


class Journal(NoObserver):
    def __init__(self, known: str | None = None) -> None:
        self.known, self.events = known, []

    def before_create(self, job: Job) -> str | None:
        self.events.append(("before", job.operation, dict(job.request)))
        return self.known

    def created(self, job: Job, task_id: str) -> None:
        self.events.append(("created", task_id))

    def create_failed(self, job: Job, error: errors.QavixError, maybe_created: bool) -> None:
        self.events.append(("failed", type(error).__name__, maybe_created))


@pytest.fixture
def offline():
    with Client("offline-key-000", base_url="http://127.0.0.1:9/qavix") as client:
        yield client


def create(client: Client, options: RequestOptions | None = None) -> Plan[TtsTask]:
    return create_task(client, "tts.create", {"text": "hi", "timbreId": "1", "lang": None},
                       options, lambda task_id, sent, job: TtsTask(client, task_id, created=sent,
                                                                    job=job))


def test_the_observer_sees_the_job_before_the_create_and_the_id_the_instant_it_returns(offline):
    journal = Journal()
    offline.settings.observer = journal
    plan = create(offline)
    assert isinstance(next(plan), Send)
    assert journal.events == [("before", "tts.create", {"text": "hi", "timbreId": "1"})]
    task = returned(plan, ok({"taskId": "9001"}))
    assert journal.events[-1] == ("created", "9001")
    assert task.id == "9001" and task.job.key


def test_a_known_task_is_re_attached_instead_of_created(offline):
    offline.settings.observer = Journal(known="777")
    with pytest.raises(StopIteration) as end:  # nothing to send
        next(create(offline))
    assert end.value.value.id == "777" and end.value.value.created is None


@pytest.mark.parametrize(("error", "maybe"), [(errors.TimeoutError_("late"), True),
                                              (errors.ConnectError("refused"), False)])
def test_a_failed_create_says_whether_it_may_have_reached_the_service(offline, error, maybe):
    journal = Journal()
    offline.settings.observer = journal
    offline.retry_policy = RetryPolicy(max_retries=0)
    plan = create(offline)
    next(plan)
    # a create that may have landed is told in words, with the transport's error as its cause
    with pytest.raises(errors.AmbiguousCreate if maybe else type(error)) as caught:
        plan.throw(error)
    assert (caught.value.__cause__ is error) == maybe
    assert journal.events[-1] == ("failed", type(error).__name__, maybe)


def test_an_empty_create_answer_is_a_malformed_response_that_may_have_created(offline):
    journal = Journal()
    offline.settings.observer = journal
    plan = create(offline)
    next(plan)
    with pytest.raises(errors.AmbiguousCreate, match="may exist and be charged") as caught:
        plan.send(ok({}))
    assert isinstance(caught.value.__cause__, errors.MalformedResponse)
    assert journal.events[-1] == ("failed", "MalformedResponse", True)


def test_the_job_key_is_stable_and_follows_the_request(offline):
    offline.settings.observer = Journal(known="1")
    jobs = []
    for text, key in (("hi", None), ("hi", None), ("bye", None), ("hi", "mine")):
        with pytest.raises(StopIteration) as end:
            next(create_task(offline, "tts.create", {"text": text, "timbreId": "1"},
                             RequestOptions(idempotency_key=key), lambda i, s, job: job))
        jobs.append(end.value.value)
    assert jobs[0].key == jobs[1].key != jobs[2].key
    assert jobs[3].key == "mine"


@pytest.mark.parametrize("header", ["nan", "inf", "-inf"])
def test_a_retry_after_that_is_not_a_number_falls_back_to_backoff(header):
    from qavix_lab.client.protocol import decode_webresult

    with pytest.raises(errors.RateLimited) as caught:
        decode_webresult(operation("voices.list"), RawResponse(429, {"retry-after": header}, b""))
    assert caught.value.retry_after is None
    assert 0 < RetryPolicy().delay(0, caught.value) <= 1.0


@pytest.mark.parametrize("status", [1.9, "1.5", float("nan"), True])
def test_a_status_that_is_not_an_integer_is_malformed_never_completed(status):
    with pytest.raises(errors.MalformedResponse, match="status"):
        TtsResult.from_json({"taskId": "1", "status": status})
