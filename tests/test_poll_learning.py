"""How a wait learns task durations, stepped by hand on a fake clock (no I/O, no wall clock).

A client that runs many tasks of one kind should poll each about once, just after it ends: the
first poll aims at the duration the earlier tasks showed, measured from the create's answer.
"""

from __future__ import annotations

import types

import orjson
import pytest

from qavix_lab.client import Client
from qavix_lab.client.effects import Plan, RawResponse, Send, Sleep, run_with
from qavix_lab.client.handles import TtsTask
from qavix_lab.client.lifecycle import NoObserver, create_task
from qavix_lab.client.waiting import PollSchedule, TaskDurations, Watch, wait_for
from qavix_lab.spec import TtsResult

SCHEDULE = PollSchedule()


class Clock:
    """A fake monotonic clock that a performed ``Sleep`` (or a slow answer) moves forward."""

    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("qavix_lab.client.waiting.time", types.SimpleNamespace(
        monotonic=fake.monotonic))
    monkeypatch.setattr("qavix_lab.client.lifecycle.time", types.SimpleNamespace(
        monotonic=fake.monotonic))
    return fake


class Service:
    """Tasks of ``duration`` seconds whose progress follows the clock, as the sandbox's do."""

    def __init__(self, clock: Clock, duration: float) -> None:
        self.clock, self.duration = clock, duration
        self.polls: list[float] = []  # when each poll was answered

    def state(self, started: float) -> TtsResult:
        elapsed = self.clock.now - started
        self.polls.append(self.clock.now)
        if elapsed >= self.duration:
            return TtsResult.from_json({"taskId": "7", "status": 1, "process": 100})
        return TtsResult.from_json({"taskId": "7", "status": 0,
                                    "process": int(100 * elapsed / self.duration)})

    def wait(self, started: float, durations: TaskDurations) -> Plan[TtsResult]:
        def fetch() -> Plan[TtsResult]:
            yield Sleep(0)  # stands for the query
            return self.state(started)

        return wait_for(fetch, Watch("tts 7", "tts", "7", NoObserver()), created=started,
                        schedule=SCHEDULE, durations=durations)

    def perform(self, effect: object) -> None:
        assert isinstance(effect, Sleep)
        self.clock.now += effect.seconds


def test_tasks_seen_done_on_their_first_poll_do_not_make_the_next_wait_longer(clock):
    service, durations = Service(clock, 3.0), TaskDurations()
    run_with(service.perform, service.wait(clock.now, durations))  # learns from progress
    learned = durations.typical("tts")
    assert learned is not None and 3.0 <= learned < 3.2
    for _ in range(60):
        service.polls.clear()
        run_with(service.perform, service.wait(clock.now, durations))
        assert len(service.polls) == 1  # one poll per task
    # 60 tasks later the estimate has not crept up by the poll's margin, task after task
    assert durations.typical("tts") == pytest.approx(learned)


def test_a_task_that_outlasts_the_estimate_teaches_its_longer_duration(clock):
    durations = TaskDurations()
    durations.record("tts", 2.0)
    service = Service(clock, 4.0)
    for _ in range(30):
        run_with(service.perform, service.wait(clock.now, durations))
    typical = durations.typical("tts")
    assert typical is not None and 4.0 <= typical < 4.3
    service.polls.clear()
    run_with(service.perform, service.wait(clock.now, durations))
    assert len(service.polls) == 1


def test_a_first_wave_aims_at_what_another_task_taught_while_it_waited(clock):
    durations, service = TaskDurations(), Service(clock, 3.0)
    started = clock.now
    plan = service.wait(started, durations)
    effect = next(plan)
    assert isinstance(effect, Sleep) and effect.seconds < SCHEDULE.first
    service.perform(effect)
    durations.record("tts", 3.0)  # meanwhile another task of this kind saw progress
    run_with(service.perform, _resumed(plan))
    # polled once, just after its finish: not first at 0.5 s, then again
    assert len(service.polls) == 1
    assert 3.0 <= service.polls[0] - started <= 3.0 * SCHEDULE.margin + SCHEDULE.slack + 1e-9


def test_with_nothing_learned_a_task_is_first_polled_after_the_schedules_first_delay(clock):
    service = Service(clock, 3.0)
    started = clock.now
    run_with(service.perform, service.wait(started, TaskDurations()))
    assert service.polls[0] - started == pytest.approx(SCHEDULE.first)
    assert len(service.polls) == 2  # then once more, at the finish its progress foretold


def test_a_wait_on_a_create_answered_late_counts_from_the_answer(clock):
    """A create that queued for 2 s: its task's clock started when the service took it, so the
    first poll aims at the typical duration after the answer, not after the request went out."""
    with Client("offline-key-000", base_url="http://127.0.0.1:9/qavix") as client:
        plan = create_task(client, "tts.create", {"text": "hi", "timbreId": "1"}, None,
                           lambda task_id, at, job: TtsTask(client, task_id, created=at, job=job))
        sent = clock.now
        assert isinstance(next(plan), Send)
        clock.now += 2.0  # the answer comes back 2 s later
        body = orjson.dumps({"code": 0, "message": "ok", "result": {"taskId": "9"}})
        with pytest.raises(StopIteration) as end:
            plan.send(RawResponse(200, {}, body))
        assert end.value.value.created == sent + 2.0


def _resumed(plan: Plan[TtsResult]) -> Plan[TtsResult]:
    """Continue a plan whose first effect has been performed (resumed with None)."""
    effect = plan.send(None)
    while True:
        try:
            result = yield effect
        except BaseException as exc:  # noqa: BLE001 - thrown into the plan, as a driver does
            effect = plan.throw(exc)
            continue
        try:
            effect = plan.send(result)
        except StopIteration as stop:
            return stop.value
