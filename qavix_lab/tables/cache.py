"""``CatalogCache``: the voice catalog's records kept for a while, so look-ups do not refetch."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ValidationError


class CatalogCache:
    """The catalog's records, kept for ``ttl`` seconds so that look-ups do not refetch.

    ``clock`` (seconds, monotonic) is injectable for tests.

    >>> cache = CatalogCache(ttl=600)
    >>> records = cache.get(client.voices.records)     # fetched once, then reused
    """

    def __init__(self, ttl: float = 600.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = self._checked(ttl)
        self._clock = clock
        self._lock = threading.RLock()
        self._records: list[dict[str, Any]] | None = None
        self._frame: Any = None  # voices_frame(records), built on first use
        self._stored_at = 0.0

    @staticmethod
    def _checked(ttl: float) -> float:
        if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not ttl >= 0:
            raise ValidationError(f"ttl must be a number of seconds >= 0, got {ttl!r}",
                                  where="CatalogCache(ttl=...)")
        return float(ttl)

    @property
    def age(self) -> float | None:
        """Seconds since the records were stored (``None`` when empty)."""
        return None if self._records is None else self._clock() - self._stored_at

    def peek(self, ttl: float | None = None) -> list[dict[str, Any]] | None:
        """The records if fresher than ``ttl`` (default: the cache's), else ``None``."""
        limit = self.ttl if ttl is None else self._checked(ttl)
        with self._lock:
            age = self.age
            if age is None or age >= limit:
                return None
            return list(self._records or [])

    def put(self, records: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
        """Store freshly fetched records (``None``, the service's "no data", stores ``[]``)."""
        with self._lock:
            self._records = list(records or [])
            self._frame = None
            self._stored_at = self._clock()
            return list(self._records)

    def get(self, fetch: Callable[[], Sequence[dict[str, Any]] | None],
            ttl: float | None = None) -> list[dict[str, Any]]:
        """The cached records, or ``fetch()``'s when stale (one fetch at a time)."""
        with self._lock:
            records = self.peek(ttl)
            return records if records is not None else self.put(fetch())

    def frame(self, fetch: Callable[[], Sequence[dict[str, Any]] | None],
              ttl: float | None = None) -> Any:
        """The records as a ``voices_frame``, built once per fetch (treat it as read-only)."""
        with self._lock:
            records = self.get(fetch, ttl)
            if self._frame is None:
                from .voices import voices_frame

                self._frame = voices_frame(records)
            return self._frame

    def invalidate(self) -> None:
        """Forget the records: the next ``get`` fetches."""
        with self._lock:
            self._records = None
            self._frame = None
