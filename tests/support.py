"""Helpers shared by the tests (import as ``from support import ...``)."""

from __future__ import annotations

from qavix_lab.client import Client, PollSchedule
from qavix_lab.sandbox import Sandbox

FAST_POLL = PollSchedule(first=0.05, minimum=0.05, maximum=0.5)

# Host table for the URL rules: nothing is ever resolved on the network in tests.
HOSTS = {
    "cdn.example.com": ["93.184.216.34"],
    "internal.example.com": ["10.1.2.3"],
    "sneaky.example.com": ["93.184.216.34", "127.0.0.1"],
    "v6local.example.com": ["::1"],
    "meta.example.com": ["169.254.169.254"],
}


def table_resolver(host: str) -> list[str]:
    return HOSTS.get(host, [])


def make_client(sandbox: Sandbox, key: str | None = None, **kw) -> Client:
    """A client for ``sandbox`` with fast polling and tiny backoff (Retry-After still honoured)."""
    kw.setdefault("poll_schedule", FAST_POLL)
    client = Client(key or sandbox.api_key, base_url=sandbox.url, **kw)
    client.retry_policy = type(client.retry_policy)(max_retries=client.retry_policy.max_retries,
                                                    base_delay=0.01, max_delay=0.05,
                                                    retry_after_cap=2.0)
    return client


class FakeClock:
    """A clock for code that takes ``clock=``: tests move ``now`` by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
