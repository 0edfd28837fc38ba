"""Shared fixtures: a sandbox on a free port over real HTTP, and clients for it."""

from __future__ import annotations

import pytest
from support import make_client, table_resolver

from qavix_lab.sandbox import Sandbox, SandboxConfig


@pytest.fixture(scope="session")
def sandbox():
    config = SandboxConfig(api_keys=["qvx-test-key-alpha-0001", "qvx-test-key-bravo-0002"],
                           tts_seconds=0.4, video_min_seconds=0.2, resolver=table_resolver)
    with Sandbox(config) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _clean_faults(request):
    yield
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").faults.clear()


@pytest.fixture
def client(sandbox):
    with make_client(sandbox) as c:
        yield c


@pytest.fixture
def voice_id(client) -> str:
    voices = client.voices.list()
    return next(v.id for v in voices if v.lang == "en" and v.status == 0)
