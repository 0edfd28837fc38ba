"""``connect()``: the real service when ``QAVIX_API_KEY`` is set, otherwise an embedded sandbox."""

from __future__ import annotations

import atexit
import logging
import os
import threading
from typing import TYPE_CHECKING, Any, Literal, overload

if TYPE_CHECKING:
    from .client import AsyncClient, Client

log = logging.getLogger("qavix_lab")
_lock = threading.Lock()
_embedded: Any = None


def embedded_sandbox(**settings: Any) -> Any:
    """The process-wide sandbox that ``connect()`` starts on first use (stopped at exit)."""
    global _embedded
    with _lock:
        if _embedded is None:
            from .sandbox import Sandbox

            settings.setdefault("tts_seconds", 1.5)
            _embedded = Sandbox(**settings).start()
            atexit.register(_embedded.stop)
            log.info("started the embedded Qavix sandbox at %s", _embedded.url)
        return _embedded


@overload
def connect(api_key: str | None = None, *, base_url: str | None = None,
            asynchronous: Literal[False] = False, **client_options: Any) -> Client: ...
@overload
def connect(api_key: str | None = None, *, base_url: str | None = None,
            asynchronous: Literal[True], **client_options: Any) -> AsyncClient: ...


def connect(api_key: str | None = None, *, base_url: str | None = None, asynchronous: bool = False,
            **client_options: Any) -> Client | AsyncClient:
    """A client for the real service if a key is given or in ``QAVIX_API_KEY``; else for a sandbox.

    ``client_options`` are the client's keywords (``timeout``, ``max_retries``, ``observer``,
    ``output_dir``, ...); an unknown one is a ``TypeError``.

    >>> client = qavix_lab.connect()
    """
    from .client import AsyncClient, Client

    cls = AsyncClient if asynchronous else Client
    key = api_key or os.environ.get("QAVIX_API_KEY")
    if key:
        return cls(key, base_url=base_url, **client_options)
    return cls.for_sandbox(embedded_sandbox(), **client_options)


def using_sandbox(client: Client | AsyncClient) -> bool:
    """True when ``client`` talks to the embedded sandbox."""
    return _embedded is not None and client.base_url.rstrip("/") == _embedded.url.rstrip("/")
