"""Polling a task until it ends: adaptive interval, deadline, progress callback and bar."""

from __future__ import annotations

import logging
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import TaskDeleted, TaskFailed, TaskViolation, UnknownTaskStatus, WaitTimeout
from ..spec import TaskStatus
from .protocol import Plan, Sleep

log = logging.getLogger("qavix_lab")

ProgressCallback = Callable[[Any], None]
DEFAULT_TIMEOUT = 30 * 60.0

_FAILURES = {
    TaskStatus.FAILED: (TaskFailed, "failed"),
    TaskStatus.VIOLATION: (TaskViolation, "was rejected by content moderation"),
    TaskStatus.DELETED: (TaskDeleted, "was deleted"),
}


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
        return min(self.maximum, max(self.minimum, typical * 1.05 + 0.05 - elapsed))

    def next_delay(self, elapsed: float, process: int | None, previous: float) -> float:
        if process and 0 < process < 100 and elapsed > 0:
            remaining = elapsed * (100 - process) / process
            return min(self.maximum, max(self.minimum, remaining * 1.05 + 0.05))
        return min(self.maximum, max(self.minimum, previous * self.growth))


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


def wait_for(
    fetch: Callable[[], Plan[Any]],
    *,
    label: str,
    kind: str,
    created: float | None,
    timeout: float | None = DEFAULT_TIMEOUT,
    on_progress: ProgressCallback | None = None,
    progress_bar: bool = False,
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
    bar = _bar(progress_bar, label)
    delay = schedule.first
    try:
        if created is not None:
            typical = durations.typical(kind) if durations is not None else None
            delay = schedule.first_delay(typical, now - created)
            yield Sleep(delay if deadline is None else min(delay, timeout or 0.0))
        while True:
            state = yield from fetch()
            _report(state, on_progress, bar)
            status = state.status
            if status == TaskStatus.COMPLETED:
                if created is not None and durations is not None:
                    durations.record(kind, time.monotonic() - created)
                return state
            if status == TaskStatus.EDITING:
                log.warning("%s waits for a person in the editor (status 3); not waiting further",
                            label)
                return state
            if status in _FAILURES:
                cls, verb = _FAILURES[status]
                reason = failure_reason(state)
                raise cls(f"task {label} {verb}" + (f": {reason}" if reason else ""), task=state)
            if status != TaskStatus.PROCESSING:
                raise UnknownTaskStatus(f"task {label} has status {status}, unknown to qavix_lab",
                                        task=state)
            now = time.monotonic()
            if durations is not None and created is not None and 0 < (state.process or 0) < 100:
                durations.record(kind, (now - created) * 100 / state.process)  # projected
            delay = schedule.next_delay(now - started, state.process, delay)
            if deadline is not None:
                if now >= deadline:
                    raise WaitTimeout(f"task {label} still at {state.process or 0}% after "
                                      f"{timeout:.0f}s", task=state)
                delay = min(delay, max(0.0, deadline - now))
            yield Sleep(delay)
    finally:
        if bar is not None:
            bar.close()


# The reference names no field for why a task failed; these are the names seen in the wild.
FAILURE_FIELDS = ("errorMessage", "errorMsg", "failReason", "failMsg", "message")


def failure_reason(state: Any) -> str | None:
    extra = getattr(state, "extra", {}) or {}
    return next((str(extra[k]) for k in FAILURE_FIELDS if extra.get(k)), None)


def _report(state: Any, on_progress: ProgressCallback | None, bar: Any) -> None:
    if on_progress is not None:
        on_progress(state)
    if bar is not None:
        bar.n = max(0, min(100, int(state.process or 0)))
        status = state.status
        bar.set_postfix_str(status.name.lower() if isinstance(status, TaskStatus) else str(status))
        bar.refresh()
