"""Hostile clients against the sandbox: slow resolvers, slow or huge requests, secrets in reprs.

Every hostile client here is a tiny loopback socket script, bounded in count and in time.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from qavix_lab.sandbox import Sandbox, SandboxConfig
from qavix_lab.spec import OPERATIONS


def post(sb, op: str, body: dict, key: str | None = None, **kw) -> httpx.Response:
    return httpx.post(sb.url + OPERATIONS[op].path, json=body,
                      headers={"Authorization": f"Bearer {key or sb.api_key}"}, **kw)


def test_config_repr_hides_the_api_keys():
    config = SandboxConfig(api_keys=["qvx-secret-key-123456"])
    assert "qvx-secret-key-123456" not in repr(config)
    assert "tts_seconds" in repr(config)


@pytest.fixture
def stuck_dns():
    """A resolver that hangs until the test ends (then every stuck lookup fails)."""
    released = threading.Event()

    def resolve(host: str) -> list[str]:
        released.wait(timeout=30)
        raise OSError("resolver gave up")

    yield resolve
    released.set()


def test_a_hanging_resolver_stalls_neither_the_server_nor_the_request(stuck_dns):
    with Sandbox(resolver=stuck_dns, dns_timeout=0.5) as sb:
        with ThreadPoolExecutor(5) as pool:
            creates = [pool.submit(post, sb, "video.erase",
                                   {"videoUrl": f"https://slow{i}.example.com/a.mp4"},
                                   timeout=20) for i in range(5)]
            # the server keeps answering while the five lookups hang
            health = httpx.get(sb.app.world.origin + "/healthz", timeout=5)
            assert health.json() == {"ok": True}
            answers = [c.result() for c in creates]
    assert [a.status_code for a in answers] == [400] * 5
    assert all(a.json()["code"] == 10025 for a in answers)
    assert "no DNS answer within 0.5 s" in answers[0].json()["message"]
