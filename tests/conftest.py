"""Shared fixtures: a sandbox on a free port over real HTTP, and clients for it.

The client's tests (the modules in :data:`BOTH_ENVELOPES`) run against a sandbox speaking each
published envelope, ``webresult`` and ``v2``; the others against the reference's WebResult only.
``QAVIX_TEST_ENVELOPES=webresult`` (comma-separated) narrows the run.
"""

from __future__ import annotations

import os

import pytest
from support import make_client, table_resolver

from qavix_lab.sandbox import Sandbox, SandboxConfig

ENVELOPES = tuple(e.strip() for e in os.environ.get("QAVIX_TEST_ENVELOPES",
                                                    "webresult,v2").split(",") if e.strip())
BOTH_ENVELOPES = {
    "test_batch_and_async", "test_client_downloads", "test_client_errors", "test_client_plans",
    "test_client_retries", "test_client_stop", "test_client_surface", "test_doctor",
    "test_download_recovery", "test_ledger", "test_live_service", "test_resumable_batch",
    "test_upload_e2e", "test_video_e2e", "test_waiting",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rpartition(".")[2]
    if "sandbox" in metafunc.fixturenames and module in BOTH_ENVELOPES:
        metafunc.parametrize("sandbox", ENVELOPES, indirect=True, scope="session")


@pytest.fixture(scope="session")
def sandbox(request):
    envelope = getattr(request, "param", "webresult")
    config = SandboxConfig(api_keys=["qvx-test-key-alpha-0001", "qvx-test-key-bravo-0002"],
                           tts_seconds=0.4, video_min_seconds=0.2, resolver=table_resolver,
                           envelope=envelope)
    with Sandbox(config) as sb:
        yield sb


@pytest.fixture
def envelope(sandbox) -> str:
    """The envelope the test's sandbox speaks."""
    return sandbox.config.envelope


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
