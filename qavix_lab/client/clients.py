"""``Client`` and ``AsyncClient``: one configuration, the resource namespaces, and a driver.

Both are the same :class:`BaseClient` with a different driver: every public method is written
once as a plan (see :mod:`.methods`); the sync driver runs it at once, the async one returns an
awaitable.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlsplit

import httpx

from ..errors import QavixError, ValidationError, redact_log_records, register_secret
from ..spec import DEFAULT_BASE_URL
from ..spec.routes import Routes, load_routes
from .answers import ACCEPT_ENCODING, MAX_RESPONSE_BYTES, deadline_transport
from .auth import BearerAuth
from .credits import CreditBudget, UsageLog
from .drivers import AsyncDriver, SyncDriver
from .effects import Plan
from .ledger import Ledger, LedgerObserver, open_ledger, service_scope
from .lifecycle import JobObserver, NoObserver
from .methods import Async, Bound, Mode, Sync, plan_method
from .options import RequestOptions, check_size
from .pool import async_transport
from .protocol import RetryPolicy, Wire, call
from .resources import Account, Files, Tasks, Tts, Video, Voices
from .waiting import PollSchedule, TaskDurations

if TYPE_CHECKING:
    import pandas as pd

    from ..tables import CatalogCache

T = TypeVar("T")
C = TypeVar("C", bound="BaseClient[Any]")


class SandboxLike(Protocol):
    """What a client needs of a sandbox (the client never imports the sandbox)."""

    @property
    def url(self) -> str: ...

    @property
    def api_key(self) -> str: ...
DEFAULT_HTTP_TIMEOUT = httpx.Timeout(30.0, connect=10.0)  # per request to the API
CATALOG_TTL = 600.0


@dataclass
class Settings:
    """Everything a client is configured with, shared as is by the clients made from it."""

    api_key: str = field(repr=False)
    base_url: str
    timeout: float | httpx.Timeout | None
    retry_policy: RetryPolicy
    poll_schedule: PollSchedule
    output_dir: Path
    catalog_ttl: float
    observer: JobObserver
    durations: TaskDurations = field(default_factory=TaskDurations)
    catalog: CatalogCache | None = None
    routes: Routes = field(default_factory=Routes)
    auth: httpx.Auth | None = field(default=None, repr=False)  # None: BearerAuth(api_key)
    usage: UsageLog = field(default_factory=UsageLog, repr=False)
    budget: CreditBudget | None = None  # a batch's max_credits

    def wire(self) -> Wire:
        return Wire(self.routes, self.usage.record)

    def scope(self) -> str:
        """Which service and account this client's jobs belong to (for a ledger's job keys)."""
        return service_scope(self.base_url, self.api_key)

    @property
    def origin(self) -> str:
        """The service's ``scheme://host:port``: its own links pass the URL pre-check."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    def http_kwargs(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "timeout": self.timeout,
            "auth": self.auth if self.auth is not None else BearerAuth(self.api_key),
            "headers": {"User-Agent": "qavix-lab/0.1", "Accept-Encoding": ACCEPT_ENCODING},
            "follow_redirects": False,
        }


def _settings(api_key: str | None, base_url: str | None, timeout: float | httpx.Timeout | None,
              max_retries: int, poll_schedule: PollSchedule | None,
              output_dir: str | Path | None, catalog_ttl: float,
              observer: JobObserver | None) -> Settings:
    key = api_key if api_key is not None else os.environ.get("QAVIX_API_KEY")
    if not isinstance(key, str) or not key.strip():
        raise QavixError("no API key: pass api_key=... or set QAVIX_API_KEY "
                         "(or call qavix_lab.connect() to use the embedded sandbox)")
    register_secret(key.strip())
    register_secret(key)
    check_key(key.strip())
    url = (base_url or os.environ.get("QAVIX_BASE_URL") or DEFAULT_BASE_URL).rstrip("/") + "/"
    out = Path(output_dir) if output_dir is not None else Path(tempfile.gettempdir()) / "qavix-lab"
    return Settings(key.strip(), url, timeout, RetryPolicy(max_retries=max_retries),
                    poll_schedule or PollSchedule(), out, catalog_ttl, observer or NoObserver())


def check_key(key: str) -> None:
    """Refuse a key that cannot be sent in a header, saying where it breaks but never what it is.

    A key pasted with typographic quotes or a space inside would otherwise fail deep in httpx
    with a ``UnicodeEncodeError`` whose repr holds the whole key.
    """
    for position, char in enumerate(key, 1):
        if not "!" <= char <= "~":
            kind = "a space" if char.isspace() else (
                f"the non-ASCII character U+{ord(char):04X}" if not char.isascii()
                else "a control character")
            raise ValidationError(f"the API key has {kind} at position {position} of "
                                  f"{len(key)}; an API key is plain ASCII: paste it again, "
                                  "without quotes", where="api_key")


class BaseClient(Bound[Mode]):
    """What both clients share; the only difference is the driver that runs plans."""

    is_async = False

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_HTTP_TIMEOUT,
        max_retries: int = 2,
        poll_schedule: PollSchedule | None = None,
        output_dir: str | Path | None = None,
        catalog_ttl: float = CATALOG_TTL,
        observer: JobObserver | None = None,
        ledger: Ledger | str | os.PathLike[str] | bool | None = None,
        max_connections: int = 100,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        settings: Settings | None = None,
        routes: Routes | str | os.PathLike[str] | Mapping[str, Any] | None = None,
        auth: httpx.Auth | None = None,
    ) -> None:
        """``api_key`` (else ``QAVIX_API_KEY``), ``base_url`` (else ``QAVIX_BASE_URL``, else the
        service), ``timeout`` per request, ``max_retries`` of transient failures,
        ``poll_schedule`` of waits, ``output_dir`` for downloads without a destination,
        ``catalog_ttl`` seconds the voice catalog is cached, ``observer`` told about every task
        (a ledger), ``ledger`` to record every task-creating call in a :class:`Ledger` (a
        ledger, a path, or True for ``.qavix-ledger/`` here), ``max_connections`` to the API,
        ``max_response_bytes`` the largest API answer read (after decompression); ``settings``
        shares another client's; ``routes`` the paths, field names and envelope to use (a
        :class:`~qavix_lab.spec.routes.Routes`, a TOML/JSON file, else ``QAVIX_ROUTES``, else
        the contract's); ``auth`` an ``httpx.Auth`` that signs each request (default
        :class:`~qavix_lab.client.auth.BearerAuth` of the key). ``timeout`` bounds each read
        and, as a whole-request deadline (a number itself, else the longest part of an
        ``httpx.Timeout``), each API call."""
        self._client = self
        redact_log_records()  # ours, httpx's and botocore's records lose their secrets
        if ledger is not None and ledger is not False and observer is not None:
            raise QavixError("give either observer= or ledger=, not both")
        self.settings = settings or _settings(api_key, base_url, timeout, max_retries,
                                              poll_schedule, output_dir, catalog_ttl, observer)
        if settings is None:
            self.settings.routes = load_routes(routes)
            self.settings.auth = auth
        elif routes is not None or auth is not None:
            raise QavixError("give routes= and auth= to the client that makes the settings")
        self._wire = self.settings.wire()
        if ledger is not None and ledger is not False:
            self.settings.observer = LedgerObserver(open_ledger(ledger),
                                                    scope=self.settings.scope())
        check_size(max_response_bytes, "max_response_bytes")
        self._max_response_bytes = max_response_bytes
        limits = httpx.Limits(max_connections=max_connections,
                              max_keepalive_connections=max_connections)
        self._connect(limits, max_connections)
        self.voices: Voices[Mode] = Voices(self)
        self.tts: Tts[Mode] = Tts(self)
        self.files: Files[Mode] = Files(self)
        self.video: Video[Mode] = Video(self)
        self.tasks: Tasks[Mode] = Tasks(self)
        self.account: Account[Mode] = Account(self)

    # The settings, readable (and, for tests and notebooks, replaceable) on the client itself.
    @property
    def base_url(self) -> str:
        return self.settings.base_url

    @property
    def timeout(self) -> float | httpx.Timeout | None:
        return self.settings.timeout

    @property
    def retry_policy(self) -> RetryPolicy:
        return self.settings.retry_policy

    @retry_policy.setter
    def retry_policy(self, policy: RetryPolicy) -> None:
        self.settings.retry_policy = policy

    @property
    def poll_schedule(self) -> PollSchedule:
        return self.settings.poll_schedule

    @property
    def durations(self) -> TaskDurations:
        return self.settings.durations

    @property
    def output_dir(self) -> Path:
        return self.settings.output_dir

    @property
    def catalog_ttl(self) -> float:
        return self.settings.catalog_ttl

    @property
    def routes(self) -> Routes:
        """The paths, wire names and envelope in force (``qavix-lab config`` shows them)."""
        return self.settings.routes

    @property
    def wire(self) -> Wire:
        """The routes and the credit log every call of this client goes through."""
        return self._wire

    @property
    def usage(self) -> pd.DataFrame:
        """What each answer cost, newest last: operation, task_id, credits_used,
        credits_remaining, time. Empty when the service reports no usage (WebResult)."""
        return self.settings.usage.frame()

    @property
    def usage_log(self) -> UsageLog:
        return self.settings.usage

    @property
    def observer(self) -> JobObserver:
        return self.settings.observer

    @property
    def ledger(self) -> Ledger | None:
        """The :class:`Ledger` recording this client's tasks, if any: ``client.ledger.frame()``."""
        observer = self.settings.observer
        return observer.ledger if isinstance(observer, LedgerObserver) else None

    @property
    def catalog_cache(self) -> CatalogCache:
        """The voice catalog cache behind ``voices.frame()`` (made on first use)."""
        if self.settings.catalog is None:
            from ..tables import CatalogCache

            self.settings.catalog = CatalogCache(ttl=self.catalog_ttl)
        return self.settings.catalog

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key='***')"

    @classmethod
    def for_sandbox(cls: type[C], sandbox: SandboxLike, **settings: Any) -> C:
        """A client for a running sandbox (its URL and key): ``Client.for_sandbox(sb)``.

        ``settings`` are the constructor's keywords (``output_dir``, ``poll_schedule``, ...).
        """
        return cls(sandbox.api_key, base_url=sandbox.url, **settings)

    @plan_method
    def call(self, name: str, fields: Mapping[str, Any] | None = None, *,
             options: RequestOptions | None = None, raw: bool = False) -> Plan[Any]:
        """Send any operation of the table by name (fields by wire name, checked against the
        spec); ``raw`` returns the decoded JSON instead of the result model.

        >>> client.call("tasks.query", {"taskId": "123"})
        """
        result = yield from call(name, fields or {}, self.retry_policy,
                                 options or RequestOptions(), raw=raw, wire=self.wire,
                                 own_origin=self.settings.origin)
        return result

    def _connect(self, limits: httpx.Limits, max_connections: int) -> None:
        raise NotImplementedError

    def _run(self, plan: Plan[T]) -> Any:
        raise NotImplementedError

    def _run_from_thread(self, plan: Plan[T]) -> T:
        """Run ``plan`` to its end from a worker thread (a storage callback), on this client."""
        raise NotImplementedError


class Client(BaseClient[Sync]):
    """Synchronous client. Safe inside Jupyter: it never starts or nests an event loop.

    >>> client = Client()            # key from QAVIX_API_KEY
    >>> client.voices.frame(lang="en", gender="female")
    """

    def _connect(self, limits: httpx.Limits, max_connections: int) -> None:
        self._http = httpx.Client(transport=deadline_transport(limits),
                                  **self.settings.http_kwargs())
        self._driver = SyncDriver(self._http, self._max_response_bytes)

    def _run(self, plan: Plan[T]) -> T:
        return self._driver.run(plan)

    def _run_from_thread(self, plan: Plan[T]) -> T:
        return self._driver.run(plan)  # httpx.Client is safe to share between threads

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(BaseClient[Async]):
    """Asynchronous twin of :class:`Client`: every method returns an awaitable."""

    is_async = True

    def _connect(self, limits: httpx.Limits, max_connections: int) -> None:
        transport = async_transport(limits)
        self._http = (httpx.AsyncClient(limits=limits, **self.settings.http_kwargs())
                      if transport is None else
                      httpx.AsyncClient(transport=transport, **self.settings.http_kwargs()))
        self._driver = AsyncDriver(self._http, max_in_flight=max_connections,
                                   max_response_bytes=self._max_response_bytes)
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _run(self, plan: Plan[T]) -> T:
        self._loop = asyncio.get_running_loop()
        return await self._driver.run(plan)

    def _run_from_thread(self, plan: Plan[T]) -> T:
        if self._loop is None:
            raise QavixError("the async client has no running event loop to run on")
        return asyncio.run_coroutine_threadsafe(self._driver.run(plan), self._loop).result()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
