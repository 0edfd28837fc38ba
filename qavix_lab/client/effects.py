"""Plans and their effects: every operation is written once as a generator of effects.

A plan (``Plan[T]``) yields an :data:`Effect` (send a request, sleep, run a blocking function) and
is resumed with that effect's result; it returns ``T``. The sync and the async driver only perform
effects; :class:`Stepper` is the one loop both share, so both throw every exception (a
``KeyboardInterrupt`` from the notebook's stop button, a cancelled task, a bug) into the plan and
always close it: a plan's ``finally`` runs whatever stopped it.

Plans are plain generators, so a test can step one by hand with no I/O at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Send:
    """POST ``body`` as JSON to ``path`` (relative to the base URL); resumed with a RawResponse.

    ``method="GET"`` sends ``params`` as the query string instead (the account endpoints).
    """

    operation: str
    path: str
    body: dict[str, Any]
    timeout: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str = "POST"
    params: Mapping[str, str] | None = None
    max_bytes: int | None = None  # the answer's cap, else the driver's


@dataclass(frozen=True)
class Sleep:
    """Wait ``seconds``; resumed with None."""

    seconds: float


@dataclass(frozen=True)
class Blocking:
    """Run ``fn(stop)`` where blocking is fine (storage, disk); resumed with its result.

    The async driver runs it in a worker thread. ``stop`` is set when the caller stops (stop
    button, cancellation): long functions check it so that their threads end too.
    """

    fn: Callable[[threading.Event], object]


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: Mapping[str, str]
    content: bytes


Effect = Send | Sleep | Blocking
EffectResult = object  # RawResponse for Send, None for Sleep, the function's value for Blocking
Plan = Generator[Effect, EffectResult, T]


def send(effect: Send) -> Plan[RawResponse]:
    """Yield one request; typed sub-plan so callers get a RawResponse back."""
    response = yield effect
    if not isinstance(response, RawResponse):
        raise TypeError(f"a driver answered {effect.operation} with {type(response).__name__}")
    return response


def sleep(seconds: float) -> Plan[None]:
    yield Sleep(seconds)


def blocking(fn: Callable[[threading.Event], R]) -> Plan[R]:
    """Run ``fn(stop)`` through the driver; ``yield from blocking(lambda stop: ...)``."""
    return cast(R, (yield Blocking(fn)))


@dataclass(frozen=True)
class Outcome:
    """What performing an effect gave: its value, or the exception it raised."""

    value: EffectResult = None
    error: BaseException | None = None

    @staticmethod
    def of(perform: Callable[[Effect], EffectResult], effect: Effect) -> Outcome:
        try:
            return Outcome(perform(effect))
        except BaseException as exc:  # noqa: BLE001 - thrown into the plan, never swallowed
            return Outcome(error=exc)


class Stepper(Generic[T]):
    """The run loop both drivers share: iterate to get effects, report each one's outcome.

    An exception (any ``BaseException``: the stop button, a cancellation, a bug) is thrown into
    the plan, so its ``except`` and ``finally`` run; leaving the ``with`` block always closes
    the plan. After the loop, :attr:`value` is what the plan returned::

        with Stepper(plan) as steps:
            for effect in steps:
                steps.report(Outcome.of(perform, effect))
        return steps.value
    """

    def __init__(self, plan: Plan[T]) -> None:
        self._plan = plan
        self._outcome = Outcome()
        self._started = False
        self.value: T

    def __enter__(self) -> Stepper[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self._plan.close()

    def __iter__(self) -> Stepper[T]:
        return self

    def __next__(self) -> Effect:
        outcome, self._outcome = self._outcome, Outcome()
        try:
            if not self._started:
                self._started = True
                return next(self._plan)
            if outcome.error is not None:
                return self._plan.throw(outcome.error)
            return self._plan.send(outcome.value)
        except StopIteration as stop:
            self.value = cast(T, stop.value)
            raise StopIteration from None

    def report(self, outcome: Outcome) -> None:
        self._outcome = outcome


def run_with(perform: Callable[[Effect], EffectResult], plan: Plan[T]) -> T:
    """Run ``plan`` performing each effect with ``perform`` (sync); the plan is always closed."""
    with Stepper(plan) as steps:
        for effect in steps:
            steps.report(Outcome.of(perform, effect))
    return steps.value
