"""``Client`` and ``AsyncClient``: configuration, namespaces, and the executor that runs plans."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from ..errors import QavixError, register_secret
from ..spec import DEFAULT_BASE_URL
from .drivers import AsyncDriver, SyncDriver
from .handles import TaskHandle
from .protocol import Plan, RetryPolicy, build_body, call
from .resources import Files, Tasks, Tts, Video, Voices
from .waiting import PollSchedule, TaskDurations

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
CATALOG_TTL = 600.0


class BaseClient:
    """What both clients share; the only difference is the driver that runs plans."""

    is_async = False

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        poll_schedule: PollSchedule | None = None,
        output_dir: str | Path | None = None,
        catalog_ttl: float = CATALOG_TTL,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("QAVIX_API_KEY")
        if not key or not key.strip():
            raise QavixError("no API key: pass api_key=... or set QAVIX_API_KEY "
                             "(or call qavix_lab.connect() to use the embedded sandbox)")
        register_secret(key)
        self._api_key = key.strip()
        self.base_url = (base_url or os.environ.get("QAVIX_BASE_URL") or DEFAULT_BASE_URL)
        self.base_url = self.base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.retry_policy = RetryPolicy(max_retries=max_retries)
        self.poll_schedule = poll_schedule or PollSchedule()
        self.durations = TaskDurations()
        default_out = Path(tempfile.gettempdir()) / "qavix-lab"
        self.output_dir = Path(output_dir) if output_dir is not None else default_out
        self.catalog_ttl = catalog_ttl
        self._catalog_cache: Any = None
        self.voices = Voices(self)
        self.tts = Tts(self)
        self.files = Files(self)
        self.video = Video(self)
        self.tasks = Tasks(self)

    @property
    def catalog_cache(self) -> Any:
        """The voice catalog cache behind ``voices.frame()`` (made on first use)."""
        if self._catalog_cache is None:
            from ..tables import CatalogCache

            self._catalog_cache = CatalogCache(ttl=self.catalog_ttl)
        return self._catalog_cache

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key='***')"

    def _http_kwargs(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "timeout": self.timeout,
            "headers": {"Authorization": f"Bearer {self._api_key}",
                        "User-Agent": "qavix-lab/0.1"},
            "follow_redirects": False,
        }

    # -- plans shared by both clients ----------------------------------------------------------
    def _call_plan(self, name: str, fields: Mapping[str, Any], *,
                   extra_body: Mapping[str, Any] | None = None, max_retries: int | None = None,
                   timeout: float | None = None, raw: bool = False) -> Plan[Any]:
        from ..spec import operation

        policy = self.retry_policy
        if max_retries is not None:
            policy = RetryPolicy(max_retries=max_retries, base_delay=policy.base_delay,
                                 max_delay=policy.max_delay,
                                 retry_after_cap=policy.retry_after_cap, rng=policy.rng)
        body = build_body(operation(name), fields, extra_body)
        return call(name, body, policy, timeout=timeout, raw=raw)

    def _handle(self, create: Plan[Any], cls: type[TaskHandle]) -> Plan[TaskHandle]:
        sent = time.monotonic()
        created = yield from create
        return cls(self, created.task_id, created=sent)

    def call(self, name: str, fields: Mapping[str, Any] | None = None, **opts: Any) -> Any:
        """Send any operation of the table by name, as is (no local validation).

        >>> client.call("tasks.query", {"taskId": "123"})
        """
        return self._run(self._call_plan(name, fields or {}, **opts))

    def _run(self, plan: Plan[Any]) -> Any:
        raise NotImplementedError

    def _blocking_call(self, name: str, fields: Mapping[str, Any]) -> Any:
        """One call on a short-lived sync connection (for callbacks run in worker threads)."""
        with httpx.Client(**self._http_kwargs()) as http:
            return SyncDriver(http).run(self._call_plan(name, fields))


class Client(BaseClient):
    """Synchronous client. Safe inside Jupyter: it never starts or nests an event loop.

    >>> client = Client()            # key from QAVIX_API_KEY
    >>> client.voices.frame(lang="en", gender="female")
    """

    def __init__(self, api_key: str | None = None, **kw: Any) -> None:
        super().__init__(api_key, **kw)
        self._http = httpx.Client(**self._http_kwargs())
        self._driver = SyncDriver(self._http)

    def _run(self, plan: Plan[Any]) -> Any:
        return self._driver.run(plan)

    def _async_twin(self) -> AsyncClient:
        """An AsyncClient with the same settings (for batches run from sync code)."""
        twin = AsyncClient(self._api_key, base_url=self.base_url, timeout=self.timeout,
                           poll_schedule=self.poll_schedule, output_dir=self.output_dir)
        twin.retry_policy, twin.durations = self.retry_policy, self.durations
        return twin

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(BaseClient):
    """Asynchronous twin of :class:`Client`: every method returns an awaitable."""

    is_async = True

    def __init__(self, api_key: str | None = None, *, max_connections: int = 100,
                 **kw: Any) -> None:
        super().__init__(api_key, **kw)
        limits = httpx.Limits(max_connections=max_connections,
                              max_keepalive_connections=max_connections)
        self._http = httpx.AsyncClient(limits=limits, **self._http_kwargs())
        self._driver = AsyncDriver(self._http, max_in_flight=max_connections)

    def _run(self, plan: Plan[Any]) -> Any:
        return self._driver.run(plan)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
