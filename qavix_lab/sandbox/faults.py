"""Fault injection: error rates per kind, forced faults for the next N requests, latency."""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass

KINDS = {
    "http429": "HTTP 429 with Retry-After and no JSON body",
    "code429": "HTTP 200 with WebResult code 429 (and Retry-After)",
    "code5000": "WebResult code 5000 (system error)",
    "code5001": "WebResult code 5001 (operation failed)",
    "code4002": "WebResult code 4002 (feature disabled)",
    "code4003": "WebResult code 4003 (limit reached)",
    "http502": "HTTP 502 with a gateway's HTML page",
    "http503": "HTTP 503 with a gateway's HTML page",
    "http504": "HTTP 504 with a gateway's HTML page",
    "malformed": "HTTP 200 with truncated JSON",
    "html200": "HTTP 200 with an HTML login page",
    "slow_after": "the request is carried out, then the answer is delayed by `delay` seconds",
}


@dataclass
class Fault:
    kind: str
    operation: str | None = None  # None = any operation
    retry_after: float | None = 1.0
    delay: float = 0.0


class Faults:
    """Which requests fail, and how. Thread-safe; shared by all of the sandbox's requests."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()
        self.rates: dict[str, float] = {}
        self.latency = 0.0
        self._rng = random.Random(seed)

    def inject(self, kind: str, *, count: int = 1, operation: str | None = None,
               retry_after: float | None = 1.0, delay: float = 0.0) -> None:
        """Make the next ``count`` requests (to ``operation``, or any) fail with ``kind``."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(KINDS)}")
        with self._lock:
            self._queue.extend(Fault(kind, operation, retry_after, delay) for _ in range(count))

    def set_rates(self, rates: dict[str, float] | None = None, latency: float = 0.0) -> None:
        """Random faults: ``{"http502": 0.1, ...}`` per request; ``latency`` added to each."""
        unknown = set(rates or {}) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}")
        with self._lock:
            self.rates = dict(rates or {})
            self.latency = latency

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self.rates = {}
            self.latency = 0.0

    def next_for(self, operation: str) -> Fault | None:
        with self._lock:
            for fault in self._queue:
                if fault.operation in (None, operation):
                    self._queue.remove(fault)
                    return fault
            for kind, rate in self.rates.items():
                if self._rng.random() < rate:
                    return Fault(kind, operation)
        return None
