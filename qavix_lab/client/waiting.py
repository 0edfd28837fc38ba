"""Polling a task until it ends: adaptive interval, deadline, progress callback and bar."""

from __future__ import annotations

import logging
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import QavixError, WaitTimeout
from ..spec import TaskStatus
from .effects import Plan, sleep
from .lifecycle import JobObserver, ending_error, time_left
from .protocol import is_retryable

log = logging.getLogger("qavix_lab")

ProgressCallback = Callable[[Any], None]
DEFAULT_WAIT_TIMEOUT = 30 * 60.0  # seconds a wait() gives a task before WaitTimeout


@dataclass(frozen=True)
class PollSchedule:
    """When to poll next: aim just after the estimated finish, within [min, max] seconds.

    With progress reported, the finish time is extrapolated from the progress rate so that a task
    is usually seen finished on the first or second poll; without it the interval grows
    geometrically. ``margin`` (a factor) and ``slack`` (seconds) are how far past an estimated
    finish a poll aims, so that a task is seen finished rather than at 99%.

    ``outage`` is how many seconds of failing polls a wait rides out (each poll has had the
    client's retries already): the task goes on at the service while the network or a gateway
    is down, so the wait keeps polling, slower and slower, and raises the last error only when
    the failures have lasted longer than that (or at its deadline). An error that polling again
    cannot mend (a wrong key, a task that is not there) is raised at once.
    """

    first: float = 0.5
    minimum: float = 0.2
    maximum: float = 10.0
    growth: float = 1.6
    margin: float = 1.03
    slack: float = 0.05
    outage: float = 60.0

    def first_delay(self, typical: float | None, elapsed: float) -> float:
        """Before the first poll: just after a typical task of this kind would be done."""
        if typical is None:
            return self.first
        return self._clamp(typical * self.margin + self.slack - elapsed)

    def next_delay(self, elapsed: float, progress: int | None, previous: float) -> float:
        remaining = time_left(elapsed, progress)
        if remaining is not None:
            return self._clamp(remaining * self.margin + self.slack)
        return self._clamp(previous * self.growth)

    def _clamp(self, seconds: float) -> float:
        return min(self.maximum, max(self.minimum, seconds))


def _bar(enabled: bool, label: str) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=100, desc=label, leave=True,
                bar_format="{desc}: {n:3.0f}%|{bar}| {elapsed}{postfix}")


class TaskDurations:
    """How long recent tasks of each kind take, so that the first poll of the next one aims at
    its finish.

    What is recorded is evidence of a task's whole duration, never the moment a poll happened to
    see it finished (that would add each poll's margin to the next estimate, and the estimate
    would creep up task after task): a projection from the progress a poll saw, or, for a task
    seen finished on the first poll aimed at the typical duration, that typical duration.
    """

    def __init__(self, keep: int = 25) -> None:
        self._seen: dict[str, deque[float]] = {}
        self._typical: dict[str, float] = {}
        self._keep = keep

    def record(self, kind: str, seconds: float) -> None:
        self._seen.setdefault(kind, deque(maxlen=self._keep)).append(seconds)
        self._typical.pop(kind, None)

    def typical(self, kind: str) -> float | None:
        known = self._typical.get(kind)
        if known is None:
            seen = self._seen.get(kind)
            if not seen:
                return None
            known = self._typical[kind] = statistics.median(seen)
        return known


@dataclass(frozen=True)
class Watch:
    """Who is told about a wait: the caller's callback, a progress bar, the job observer."""

    label: str
    kind: str
    task_id: str
    observer: JobObserver
    on_progress: ProgressCallback | None = None
    progress_bar: bool = False


def wait_for(
    fetch: Callable[[], Plan[Any]],
    watch: Watch,
    *,
    created: float | None,
    timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    schedule: PollSchedule = PollSchedule(),
    durations: TaskDurations | None = None,
) -> Plan[Any]:
    """Poll ``fetch`` until a final status; see :meth:`TaskHandle.wait` for the outcomes.

    ``created`` is when this client got the task's ID back from its create (None for a task
    found by ID, which is then polled at once): the task's clock has started by then.
    """
    now = time.monotonic()
    deadline = None if timeout is None else now + timeout
    started = created if created is not None else now
    bar = _bar(watch.progress_bar, watch.label)
    delay = schedule.first
    last: tuple[object, object] | None = None
    aimed: float | None = None  # the typical duration the first poll aimed at
    running_at: float | None = None  # when a poll last saw the task running
    projected = False  # a duration was recorded from the progress a poll saw
    try:
        if created is not None:
            delay, aimed = yield from _first_wait(created, watch.kind, schedule, durations,
                                                  deadline)
        failing_since: float | None = None  # when the polls began to fail, if they do
        while True:
            try:
                state = yield from fetch()
            except QavixError as failure:
                now = time.monotonic()
                failing_since = now if failing_since is None else failing_since
                if (not is_retryable(False, failure) or now - failing_since >= schedule.outage
                        or (deadline is not None and now >= deadline)):
                    raise
                delay = schedule._clamp(delay * schedule.growth)
                log.warning("%s: a poll failed (%s); polling again in %.1f s, the task goes on "
                            "at the service", watch.label, failure, delay)
                yield from sleep(delay if deadline is None else min(delay, deadline - now))
                continue
            failing_since = None
            if (state.status, state.progress) != last:
                last = (state.status, state.progress)
                watch.observer.state_changed(watch.task_id, state)
            _report(state, watch.on_progress, bar)
            error = ending_error(watch.label, state)
            if error is not None:
                raise error
            now = time.monotonic()
            if state.status == TaskStatus.COMPLETED:
                if created is not None and durations is not None and not projected:
                    durations.record(watch.kind, _took(now - created, aimed, running_at,
                                                       created))
                return state
            if state.status == TaskStatus.EDITING:
                log.warning("%s waits for a person in the editor (status 3); not waiting further",
                            watch.label)
                return state
            running_at = now
            progress = state.progress or 0
            if durations is not None and created is not None and 0 < progress < 100:
                durations.record(watch.kind, (now - created) * 100 / progress)  # projected
                projected = True
            delay = schedule.next_delay(now - started, progress, delay)
            if deadline is not None:
                if now >= deadline:
                    raise WaitTimeout(f"task {watch.label} still at {progress}% after "
                                      f"{timeout:.0f}s", task=state)
                delay = min(delay, max(0.0, deadline - now))
            yield from sleep(delay)
    finally:
        if bar is not None:
            bar.close()


LEARNING_STEP = 0.1  # seconds between looks at what other tasks taught, before a first poll


def _first_wait(created: float, kind: str, schedule: PollSchedule,
                durations: TaskDurations | None, deadline: float | None
                ) -> Plan[tuple[float, float | None]]:
    """Sleep until the first poll of a task this client created: (the delay it aimed at, the
    typical duration it aimed by, None when none was known).

    With no duration known yet, the task looks every ``LEARNING_STEP`` for one that another task
    of its kind has taught in the meantime, so that a first wave of tasks created together is not
    polled early one by one but aims at the finish as soon as one of them has seen progress.
    """
    while True:
        now = time.monotonic()
        typical = durations.typical(kind) if durations is not None else None
        if typical is not None:
            delay = schedule.first_delay(typical, now - created)
            poll_at = wake = now + delay
        else:
            delay = schedule.first
            poll_at = created + schedule.first
            wake = poll_at if durations is None else min(poll_at, now + LEARNING_STEP)
        if deadline is not None:
            wake, poll_at = min(wake, deadline), min(poll_at, deadline)
        if wake > now:
            yield from sleep(wake - now)
        if wake >= poll_at:
            return delay, typical


def _took(seconds: float, aimed: float | None, running_at: float | None, created: float) -> float:
    """How long a task seen finished (without progress to project from) probably took."""
    if running_at is not None:  # between the last poll that saw it running and this one
        return (running_at - created + seconds) / 2
    if aimed is not None:  # finished by the first poll, which aimed at the typical duration
        return min(seconds, aimed)
    return seconds


def _report(state: Any, on_progress: ProgressCallback | None, bar: Any) -> None:
    if on_progress is not None:
        on_progress(state)
    if bar is not None:
        from .lifecycle import classify

        bar.n = max(0, min(100, int(state.progress or 0)))
        bar.set_postfix_str(classify(state.status).name)
        bar.refresh()
