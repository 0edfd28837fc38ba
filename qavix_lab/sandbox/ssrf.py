"""The sandbox's URL guard: the spec's URL rules, with DNS off the event loop and timed out."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from ..spec.urls import UrlVerdict, check_url, system_resolver
from .config import SandboxConfig


class UrlGuard:
    """Judges request URLs. A slow resolver stalls only its own request, never the server: names
    resolve in a small thread pool, and one not answered within ``dns_timeout`` is 10025."""

    def __init__(self, config: SandboxConfig, workers: int = 4) -> None:
        self.config = config
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qavix-dns")

    async def check(self, url: object, own_origin: str) -> UrlVerdict | None:
        config = self.config
        judge = partial(check_url, url, allow_hosts=config.allow_hosts,
                        max_length=config.max_url_length, own_origins=[own_origin])
        offline = judge()
        if offline is not None:
            return offline
        loop = asyncio.get_running_loop()
        resolve = config.resolver or system_resolver
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(self._pool, partial(judge, resolve=resolve)),
                config.dns_timeout)
        except TimeoutError:
            return UrlVerdict(10025, f"no DNS answer within {config.dns_timeout:g} s")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
