"""Credits: a price per operation, a balance per API key, charges, refunds of failed tasks, and the
usage history a v2 client pages through with a cursor."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .world import ServiceError


@dataclass
class UsageEntry:
    id: int
    owner: str
    time: float
    operation: str
    kind: str  # "charge" or "refund"
    credits: int  # used: positive for a charge, negative for a refund
    remaining: int
    task_id: str | None = None

    def wire(self, iso: Callable[[float], str]) -> dict[str, Any]:
        return {"id": str(self.id), "time": iso(self.time), "operation": self.operation,
                "type": self.kind, "task_id": self.task_id, "credits_used": self.credits,
                "credits_remaining": self.remaining}


class Billing:
    """Thread-safe ledger of every key's credits."""

    def __init__(self, prices: dict[str, int], starting_credits: int,
                 clock: Callable[[], float]) -> None:
        self.prices, self.starting, self.clock = prices, starting_credits, clock
        self._balances: dict[str, int] = {}
        self._entries: list[UsageEntry] = []
        self._refunded: set[str] = set()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def price(self, operation: str) -> int:
        return self.prices.get(operation, 0)

    def balance(self, owner: str) -> int:
        with self._lock:
            return self._balances.get(owner, self.starting)

    def charge(self, owner: str, operation: str) -> UsageEntry | None:
        """Take the operation's price (None when it is free); 4003 when the balance is short."""
        price = self.price(operation)
        if not price:
            return None
        with self._lock:
            balance = self._balances.get(owner, self.starting)
            if balance < price:
                raise ServiceError(4003, f"insufficient credits: {operation} costs {price}, the "
                                         f"balance is {balance}", wire_code="insufficient_credits")
            return self._record(owner, operation, "charge", price, balance - price)

    def undo(self, entry: UsageEntry) -> None:
        """Give a charge back when the operation was refused after all (nothing was made)."""
        with self._lock:
            self._balances[entry.owner] += entry.credits
            self._entries.remove(entry)

    def refund(self, owner: str, task_id: str) -> UsageEntry | None:
        """Give back what a task was charged (once; None when it was never charged)."""
        with self._lock:
            charge = next((e for e in self._entries if e.task_id == task_id and e.kind ==
                           "charge" and e.owner == owner), None)
            if charge is None or task_id in self._refunded:
                return None
            self._refunded.add(task_id)
            balance = self._balances[owner] + charge.credits
            entry = self._record(owner, charge.operation, "refund", -charge.credits, balance)
            entry.task_id = task_id
            return entry

    def history(self, owner: str, start: float | None, end: float | None, after: int,
                limit: int) -> tuple[list[UsageEntry], bool]:
        """A page of a key's entries (oldest first) with IDs above ``after``; and whether more
        follow."""
        with self._lock:
            mine = [e for e in self._entries if e.owner == owner and e.id > after
                    and (start is None or e.time >= start) and (end is None or e.time < end)]
        return mine[:limit], len(mine) > limit

    def _record(self, owner: str, operation: str, kind: str, credits: int,
                remaining: int) -> UsageEntry:
        entry = UsageEntry(next(self._ids), owner, self.clock(), operation, kind, credits,
                           remaining)
        self._balances[owner] = remaining
        self._entries.append(entry)
        return entry
