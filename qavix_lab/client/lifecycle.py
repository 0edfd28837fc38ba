"""One task lifecycle: create -> wait -> download, and what watches it.

Every path that runs a task (``tts.create``/``synthesize``/``batch``, the video operations, the
widgets, the demo) creates it with :func:`create_task` and drives it through its handle. The
lifecycle reports to a :class:`JobObserver` (a ledger, a log) at fixed points:

1. ``before_create(job)``: before a create is sent, with the operation and its canonical request.
   Returning a task ID re-attaches to that task instead of creating a new one;
2. ``created(job, task_id)``: the instant a task ID comes back;
3. ``state_changed(task_id, state)``: every status or progress change seen;
4. ``output_written(task_id, path, sha256)``: once the output file is complete on disk;
5. ``create_failed(job, error, maybe_created)``: a create failed; ``maybe_created`` tells
   whether the request may have reached the service (then the task may exist and be charged).

One status classifier (:func:`classify`) and one time-left estimator (:func:`time_left`) serve
waiting, the task board and the widgets.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import orjson

from ..errors import (
    AmbiguousCreate,
    ConnectError,
    MalformedResponse,
    QavixError,
    TaskDeleted,
    TaskError,
    TaskFailed,
    TaskViolation,
    TransportError,
    UnknownTaskStatus,
)
from ..spec import TaskId, TaskStatus, operation
from .effects import Plan
from .options import RequestOptions
from .protocol import build_body, send_body

if TYPE_CHECKING:
    from .clients import BaseClient
    from .credits import CreditBudget

H = TypeVar("H")


# --- the observer -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """A task-creating request: the operation, its canonical request body, and its key.

    ``key`` is the caller's ``idempotency_key`` or a hash of the operation and the canonical
    (sorted) request, so the same request gives the same key in every process.
    """

    operation: str
    request: Mapping[str, Any]
    idempotency_key: str | None = None
    # the request as it names the job, where that differs from what is sent: an uploaded file
    # by its content (name, size, MD5), not by the URL each upload gives it anew
    identity: Mapping[str, Any] | None = None

    @functools.cached_property
    def key(self) -> str:
        return self.idempotency_key or job_key(self.operation, self.identity or self.request)


def job_key(operation_name: str, request: Mapping[str, Any]) -> str:
    canonical = orjson.dumps({"operation": operation_name, "request": request},
                             option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()


class JobObserver(Protocol):
    """Told about every step of every task; all methods must be quick and must not raise."""

    def before_create(self, job: Job) -> str | None:
        """Called before the create is sent; return a known task ID to re-attach instead."""
        ...

    def created(self, job: Job, task_id: str) -> None: ...

    def state_changed(self, task_id: str, state: Any) -> None: ...

    def output_written(self, task_id: str, path: Path, sha256: str) -> None: ...

    def create_failed(self, job: Job, error: QavixError, maybe_created: bool) -> None: ...


class NoObserver:
    """The default observer: nothing is recorded."""

    def before_create(self, job: Job) -> str | None:
        return None

    def created(self, job: Job, task_id: str) -> None:
        pass

    def state_changed(self, task_id: str, state: Any) -> None:
        pass

    def output_written(self, task_id: str, path: Path, sha256: str) -> None:
        pass

    def create_failed(self, job: Job, error: QavixError, maybe_created: bool) -> None:
        pass


def maybe_created(error: QavixError) -> bool:
    """True when a failed create may still have reached the service (and may be charged)."""
    if isinstance(error, ConnectError):
        return False
    return isinstance(error, TransportError | MalformedResponse)


def create_task(client: BaseClient[Any], name: str, fields: Mapping[str, Any],
                options: RequestOptions | None, make: Callable[[str, float | None, Job], H],
                *, same_as: Mapping[str, Any] | None = None) -> Plan[H]:
    """Send a create (never retried once it may have landed) and return
    ``make(id, answered, job)``.

    ``answered`` is the monotonic time the create's answer came back (None when re-attached to a
    known task): the service has started the task's clock by then, and a wait aims its first
    poll at that clock (a create queued behind others would otherwise count its queueing as the
    task's run time). ``same_as`` names fields by what they are rather than by the value sent
    (an uploaded file by its content): the job's key uses them, so that running the same call
    again finds the job.
    """
    options = options or RequestOptions()
    op = operation(name)
    request = build_body(op, fields, options.extra_body, own_origin=client.settings.origin)
    identity = None if not same_as else {**request, **same_as}
    job = Job(name, request, options.idempotency_key, identity)
    observer = client.observer
    known = observer.before_create(job)
    if known is not None:
        return make(known, None, job)
    budget = client.settings.budget
    if budget is not None:
        yield from _admit(budget, observer, job)
    try:
        created = yield from send_body(op, request, client.retry_policy, options,
                                       wire=client.wire)
        if not isinstance(created, TaskId) or not created.task_id:
            raise MalformedResponse("the create answered without a taskId; the task may exist "
                                    "and be charged: look for it before creating it again",
                                    operation=name, where="result.taskId")
    except QavixError as error:
        if budget is not None:
            budget.failed()
        maybe = maybe_created(error)
        observer.create_failed(job, error, maybe)
        if maybe and not isinstance(error, AmbiguousCreate):
            raise _ambiguous(observer, job, error) from error
        raise
    except BaseException:  # stopped (the stop button, a cancelled batch) with the create out
        if budget is not None:
            budget.failed()
        observer.create_failed(job, TransportError("stopped while the create was on its way",
                                                   operation=name), True)
        raise
    answered = time.monotonic()
    observer.created(job, created.task_id)
    _record_credits(observer, job, created)
    if budget is not None:
        budget.created(task_credits(created))
    return make(created.task_id, answered, job)


def _admit(budget: CreditBudget, observer: JobObserver, job: Job) -> Plan[None]:
    """Wait for the batch's credit budget; a create it stops was never sent."""
    try:
        yield from budget.admit()
    except QavixError as error:
        observer.create_failed(job, error, False)
        raise
    except BaseException:
        observer.create_failed(job, TransportError("stopped before the create was sent",
                                                   operation=job.operation), False)
        raise


def task_credits(created: Any) -> float | None:
    """What a create answer says the task costs: its ``usage.credits_used``, else its
    ``estimated_credits`` (None when the service says neither, as WebResult answers do)."""
    extra = getattr(created, "extra", None) or {}
    usage = extra.get("usage")
    usage = usage if isinstance(usage, Mapping) else {}
    for value in (usage.get("credits_used"), extra.get("estimatedCredits")):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def _record_credits(observer: JobObserver, job: Job, created: Any) -> None:
    from .ledger import LedgerObserver

    credits = task_credits(created)
    key = observer.job_key_of(job) if isinstance(observer, LedgerObserver) else None
    if credits is not None and key is not None and isinstance(observer, LedgerObserver):
        observer.ledger.set_credits(key, credits)


def _ambiguous(observer: JobObserver, job: Job, error: QavixError) -> AmbiguousCreate:
    """The create's error told in words: the task may exist and be charged, and what to do."""
    from .ledger import LedgerObserver, ambiguous_create

    key = observer.job_key_of(job) if isinstance(observer, LedgerObserver) else None
    where = str(observer.ledger.path) if isinstance(observer, LedgerObserver) else None
    return ambiguous_create(job.operation, error, job_key=key, where=where)


# --- what a status means ----------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """What a task's status means: ``name`` for people and tables, whether the task ``ended``,
    and the error ``wait()`` raises for it (None when it ended well or is still running)."""

    name: str
    ended: bool
    error: type[TaskError] | None = None
    verb: str = ""


_VERDICTS = {
    TaskStatus.PROCESSING: Verdict("processing", False),
    TaskStatus.COMPLETED: Verdict("completed", True),
    # Editing ends a wait too: the task waits for a person in the vendor's editor.
    TaskStatus.EDITING: Verdict("editing", True),
    TaskStatus.FAILED: Verdict("failed", True, TaskFailed, "failed"),
    TaskStatus.VIOLATION: Verdict("violation", True, TaskViolation,
                                  "was rejected by content moderation"),
    TaskStatus.DELETED: Verdict("deleted", True, TaskDeleted, "was deleted"),
}
STATUS_NAMES = [v.name for _, v in sorted(_VERDICTS.items())]


def classify(status: object) -> Verdict:
    """The one reading of a status code, shared by ``wait()``, the task board and the widgets.

    A status this library does not know ends the wait with ``UnknownTaskStatus``: it is never
    mistaken for success.
    """
    try:
        if isinstance(status, int) and not isinstance(status, bool):
            return _VERDICTS[TaskStatus(status)]
    except (ValueError, KeyError):
        pass
    return Verdict(f"unknown({status})", True, UnknownTaskStatus, "has a status unknown to "
                   "qavix_lab")


# The reference names no field for why a task failed; these are the names seen in the wild.
FAILURE_FIELDS = ("errorMessage", "errorMsg", "failReason", "failMsg", "message")


def failure_reason(state: Any) -> str | None:
    extra = getattr(state, "extra", {}) or {}
    return next((str(extra[k]) for k in FAILURE_FIELDS if extra.get(k)), None)


def ending_error(label: str, state: Any) -> TaskError | None:
    """The error a wait on a task in ``state`` ends with, or None (running or ended well)."""
    verdict = classify(state.status)
    if verdict.error is None:
        return None
    if verdict.error is UnknownTaskStatus:
        return UnknownTaskStatus(f"task {label} has status {state.status}, unknown to qavix_lab",
                                 task=state)
    reason = failure_reason(state)
    return verdict.error(f"task {label} {verdict.verb}" + (f": {reason}" if reason else ""),
                         task=state)


def time_left(elapsed: float, progress: int | None,
              since: tuple[float, int] | None = None) -> float | None:
    """Seconds left at the task's progress rate, or ``None`` before any progress.

    The rate is measured since ``since`` (elapsed, progress) when the task has moved since then
    (a task watched from the middle of its run), else assumed steady from the start.

    >>> time_left(10.0, 40)
    15.0
    """
    if progress is None or not 0 < progress < 100:
        return None
    if since is not None and progress > since[1] and elapsed > since[0]:
        rate = (progress - since[1]) / (elapsed - since[0])
    else:
        rate = progress / elapsed if elapsed > 0 else 0.0
    return (100 - progress) / rate if rate > 0 else None
