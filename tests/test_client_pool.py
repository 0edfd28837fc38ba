"""The async client's connection pool (linear-time assignment): the same rules as httpcore's."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest

from qavix_lab.client import AsyncClient
from qavix_lab.client.pool import LinearAsyncPool, async_transport


def test_the_async_client_uses_the_linear_pool(sandbox):
    async def main() -> object:
        async with AsyncClient(sandbox.api_key, base_url=sandbox.url) as client:
            return client._http._transport._pool  # type: ignore[attr-defined]

    assert isinstance(asyncio.run(main()), LinearAsyncPool)



def test_proxies_from_the_environment_keep_httpx_own_transport(sandbox, monkeypatch):
    """HTTPS_PROXY is honoured: httpx applies it only to transports it builds itself."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")

    async def main() -> tuple[object, dict]:
        async with AsyncClient(sandbox.api_key, base_url=sandbox.url) as client:
            http = client._http
            return http._transport._pool, http._mounts  # type: ignore[attr-defined]

    pool, mounts = asyncio.run(main())
    assert not isinstance(pool, LinearAsyncPool)
    assert any("https" in str(pattern.pattern) for pattern in mounts)

def test_many_requests_share_at_most_max_connections_and_all_get_their_answer(sandbox, voice_id):
    async def main() -> tuple[list[str], int]:
        async with AsyncClient(sandbox.api_key, base_url=sandbox.url,
                               max_connections=3) as client:
            pool = client._http._transport._pool  # type: ignore[attr-defined]
            task = await client.tts.create("Pool me.", voice_id)
            most = 0

            async def one() -> str:
                nonlocal most
                state = await client.tts.result(task.id)
                most = max(most, len(pool.connections))
                return str(state.task_id)

            ids = await asyncio.gather(*(one() for _ in range(40)))
            return ids, most

    ids, most = asyncio.run(main())
    assert len(ids) == 40 and set(ids) == {ids[0]}
    assert 1 <= most <= 3


async def _dropping_server(answers: list[int]) -> asyncio.Server:
    """HTTP/1.1 that keeps a connection alive, answers once, then closes it while it is idle
    (as a server does at its keep-alive timeout), without saying so."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            await reader.readuntil(b"\r\n\r\n")
            answers.append(1)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_a_connection_the_server_closed_while_idle_is_never_reused():
    async def main() -> list[int]:
        answers: list[int] = []
        server = await _dropping_server(answers)
        port = server.sockets[0].getsockname()[1]
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
        async with httpx.AsyncClient(transport=async_transport(limits)) as http:
            statuses = []
            for _ in range(4):
                statuses.append((await http.get(f"http://127.0.0.1:{port}/")).status_code)
                await asyncio.sleep(0.05)  # the server has closed the idle connection by now
        server.close()
        await server.wait_closed()
        assert len(answers) == 4
        return statuses

    assert asyncio.run(main()) == [200] * 4


@pytest.mark.parametrize("keepalive", [0, 1])
def test_idle_connections_beyond_the_keepalive_limit_are_closed(sandbox, keepalive):
    async def main() -> int:
        limits = httpx.Limits(max_connections=4, max_keepalive_connections=keepalive)
        async with httpx.AsyncClient(transport=async_transport(limits)) as http:
            pool = http._transport._pool  # type: ignore[attr-defined]
            await asyncio.gather(*(http.get(f"{sandbox.url.rsplit('/', 1)[0]}/healthz")
                                   for _ in range(8)))
            await http.get(f"{sandbox.url.rsplit('/', 1)[0]}/healthz")
            return len(pool.connections)

    assert asyncio.run(main()) <= max(keepalive, 1)
