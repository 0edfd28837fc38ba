"""What calls cost: every answer's ``usage`` in a running table, and the batch credit limit.

The second published envelope reports ``usage: {credits_used, credits_remaining}`` on every
answer; :class:`UsageLog` keeps one row per such answer (``client.usage`` is its DataFrame), and
a ledger, when there is one, gets the credits of each task it created.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import CreditLimitExceeded, ValidationError
from .effects import Plan, sleep
from .protocol import Answer

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("operation", "task_id", "credits_used", "credits_remaining", "time")
MAX_ROWS = 100_000


class UsageLog:
    """The credits each answer reported, newest last (at most ``max_rows`` kept)."""

    def __init__(self, max_rows: int = MAX_ROWS) -> None:
        self._rows: deque[tuple[str, str | None, float | None, float | None, float]] = deque(
            maxlen=max_rows)
        self._lock = threading.Lock()
        self.on_task_credits: Callable[[str, float], None] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"<UsageLog {len(self)} answers, {self.total():g} credits used>"

    def record(self, operation: str, request: Mapping[str, Any], answer: Answer) -> None:
        usage = answer.usage
        if usage is None:
            return
        task_id = _task_id(answer.result) or _task_id(request)
        with self._lock:
            self._rows.append((operation, task_id, usage.credits_used, usage.credits_remaining,
                               time.time()))

    def total(self) -> float:
        """Credits used by every answer recorded."""
        with self._lock:
            return float(sum(row[2] or 0 for row in self._rows))

    def remaining(self) -> float | None:
        """The balance the latest answer reported (None before any answer with usage)."""
        with self._lock:
            return next((row[3] for row in reversed(self._rows) if row[3] is not None), None)

    def frame(self) -> pd.DataFrame:
        """One row per answer: operation, task_id, credits_used, credits_remaining, time (UTC)."""
        import pandas as pd

        with self._lock:
            rows = list(self._rows)
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        frame["operation"] = frame["operation"].astype("string")
        frame["task_id"] = frame["task_id"].astype("string")
        for column in ("credits_used", "credits_remaining"):
            frame[column] = frame[column].astype("Float64")
        frame["time"] = pd.to_datetime(frame["time"], unit="s", utc=True)
        return frame


def _task_id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        found = value.get("taskId", value.get("task_id"))
        return None if found in (None, "") else str(found)
    return None


def check_credit_limit(estimate: float, max_credits: float | None, what: str, *,
                       confirm: Callable[[str], bool] | None = None) -> None:
    """Go on when ``estimate`` is within ``max_credits``; above it ask ``confirm`` (by default
    the terminal, when there is one) and raise :class:`CreditLimitExceeded` unless confirmed."""
    if max_credits is None or estimate <= max_credits:
        return
    if max_credits < 0:
        raise ValidationError(f"max_credits must be at least 0, got {max_credits}",
                              where="max_credits")
    question = (f"{what} is estimated at {estimate:g} credits, above max_credits="
                f"{max_credits:g}. Go on?")
    ask = confirm if confirm is not None else _ask_terminal
    if not ask(question):
        raise CreditLimitExceeded(f"{question[:-10]}; not confirmed, so nothing more is "
                                  "created. Raise max_credits= to go on.", where=what)


def _ask_terminal(question: str) -> bool:
    if not (sys.stdin and sys.stdin.isatty()):
        return False  # non-interactive: the typed error says what to do
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


class CreditBudget:
    """The ``max_credits`` of a batch of ``clips`` creates.

    The first create goes alone (the others wait for it); its answer's estimate times the
    number of clips is the batch's estimate. Above ``max_credits`` the caller is asked once
    (``confirm``, by default the terminal); refused, or with nobody to ask, every create not
    yet sent raises :class:`CreditLimitExceeded`. A service that sends no estimate (WebResult)
    sets no limit.
    """

    def __init__(self, max_credits: float, clips: int, *,
                 confirm: Callable[[str], bool] | None = None, what: str = "this batch") -> None:
        if max_credits < 0:
            raise ValidationError(f"max_credits must be at least 0, got {max_credits}",
                                  where="max_credits")
        self.max_credits, self.clips, self.confirm, self.what = max_credits, clips, confirm, what
        self.estimate: float | None = None  # credits per create, once known
        self.refused: CreditLimitExceeded | None = None
        self._probe = False
        self._known = False
        self._lock = threading.Lock()

    def admit(self) -> Plan[None]:
        """Before a create: wait for the first create's estimate, then go on or raise."""
        while True:
            with self._lock:
                if self.refused is not None:
                    raise CreditLimitExceeded(str(self.refused.message), where=self.what)
                if self._known:
                    return
                if not self._probe:
                    self._probe = True
                    return
            yield from sleep(0.05)

    def created(self, credits: float | None) -> None:
        """After a create answered: ``credits`` it is estimated at (None: not said)."""
        with self._lock:
            if self._known:
                return
            self._known, self.estimate = True, credits
        if credits is None:
            return
        try:
            check_credit_limit(credits * self.clips, self.max_credits,
                               f"{self.what} ({self.clips} creates)", confirm=self.confirm)
        except CreditLimitExceeded as exc:
            with self._lock:
                self.refused = exc

    def failed(self) -> None:
        """A create failed before any estimate: the next create probes instead."""
        with self._lock:
            if not self._known:
                self._probe = False
