"""Polling a task until it ends: adaptive interval, deadline, progress callback and bar."""

from __future__ import annotations

import logging
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import WaitTimeout
from ..spec import TaskStatus
from .effects import Plan, sleep
from .lifecycle import JobObserver, ending_error, time_left

log = logging.getLogger("qavix_lab")

ProgressCallback = Callable[[Any], None]
DEFAULT_WAIT_TIMEOUT = 30 * 60.0  # seconds a wait() gives a task before WaitTimeout


@dataclass(frozen=True)
class PollSchedule:
    """When to poll next: aim just after the estimated finish, within [min, max] seconds.

    With progress reported, the finish time is extrapolated from the progress rate so that a task
    is usually seen finished on the first or second poll; without it the interval grows
    geometrically.
    """

    first: float = 0.5
    minimum: float = 0.2
    maximum: float = 10.0
    growth: float = 1.6

    def first_delay(self, typical: float | None, elapsed: float) -> float:
        """Before the first poll: just after a typical task of this kind would be done."""
        if typical is None:
            return self.first
        return self._clamp(typical * 1.05 + 0.05 - elapsed)

    def next_delay(self, elapsed: float, progress: int | None, previous: float) -> float:
        remaining = time_left(elapsed, progress)
        if remaining is not None:
            return self._clamp(remaining * 1.05 + 0.05)
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
    """How long recent tasks of each kind took (or, from their progress, will take), so the
    first poll of the next one can aim at its finish."""

    def __init__(self, keep: int = 25) -> None:
        self._seen: dict[str, deque[float]] = {}
        self._keep = keep

    def record(self, kind: str, seconds: float) -> None:
        self._seen.setdefault(kind, deque(maxlen=self._keep)).append(seconds)

    def typical(self, kind: str) -> float | None:
        seen = self._seen.get(kind)
        return statistics.median(seen) if seen else None


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

    ``created`` is when this client created the task (None for a task found by ID, which is
    then polled at once).
    """
    now = time.monotonic()
    deadline = None if timeout is None else now + timeout
    started = created if created is not None else now
    bar = _bar(watch.progress_bar, watch.label)
    delay = schedule.first
    last: tuple[object, object] | None = None
    try:
        if created is not None:
            typical = durations.typical(watch.kind) if durations is not None else None
            delay = schedule.first_delay(typical, now - created)
            yield from sleep(delay if deadline is None else min(delay, timeout or 0.0))
        while True:
            state = yield from fetch()
            if (state.status, state.progress) != last:
                last = (state.status, state.progress)
                watch.observer.state_changed(watch.task_id, state)
            _report(state, watch.on_progress, bar)
            error = ending_error(watch.label, state)
            if error is not None:
                raise error
            if state.status == TaskStatus.COMPLETED:
                if created is not None and durations is not None:
                    durations.record(watch.kind, time.monotonic() - created)
                return state
            if state.status == TaskStatus.EDITING:
                log.warning("%s waits for a person in the editor (status 3); not waiting further",
                            watch.label)
                return state
            now = time.monotonic()
            progress = state.progress or 0
            if durations is not None and created is not None and 0 < progress < 100:
                durations.record(watch.kind, (now - created) * 100 / progress)  # projected
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


def _report(state: Any, on_progress: ProgressCallback | None, bar: Any) -> None:
    if on_progress is not None:
        on_progress(state)
    if bar is not None:
        from .lifecycle import classify

        bar.n = max(0, min(100, int(state.progress or 0)))
        bar.set_postfix_str(classify(state.status).name)
        bar.refresh()
