"""The typed public surface: real signatures for Shift+Tab, TypeError for an unknown keyword."""

from __future__ import annotations

import inspect

import pytest

from qavix_lab.client import AsyncClient, Client, TtsTask, VideoTask
from qavix_lab.client.methods import plan_method

NAMESPACES = ("voices", "tts", "files", "video", "tasks")


def operations(owner: type) -> list[str]:
    return sorted(name for name, value in vars(owner).items() if isinstance(value, plan_method))


def public_methods(client: Client | AsyncClient) -> list[tuple[str, object]]:
    base = type(client).__mro__[1]
    found = [(f"client.{name}", getattr(client, name)) for name in operations(base)]
    for space in NAMESPACES:
        namespace = getattr(client, space)
        found += [(f"{space}.{name}", getattr(namespace, name))
                  for name in operations(type(namespace))]
    for handle in (TtsTask(client, "1"), VideoTask(client, "1")):
        owners = [k for k in type(handle).__mro__ if k.__module__.startswith("qavix_lab")]
        found += [(f"{type(handle).__name__}.{name}", getattr(handle, name))
                  for owner in owners for name in operations(owner)]
    return found


@pytest.fixture(params=[Client, AsyncClient])
def offline(request):
    client = request.param("offline-key-000", base_url="http://127.0.0.1:9/qavix")
    yield client


def test_every_operation_is_found():
    names = {name for name, _ in public_methods(Client("offline-key-000"))}
    expected = {"tts.create", "tts.synthesize", "tts.batch", "tts.result", "video.translate",
                "video.erase", "video.subtitles", "video.lipsync", "video.faceswap",
                "files.upload", "files.download", "files.privilege", "files.complete",
                "files.refresh", "voices.list", "voices.records", "voices.frame",
                "voices.clone", "tasks.get", "client.call", "TtsTask.wait",
                "TtsTask.download", "TtsTask.output", "TtsTask.refresh",
                "VideoTask.transcripts"}
    assert expected <= names


def test_every_operation_shows_its_real_parameters_and_return_type(offline):
    for name, method in public_methods(offline):
        signature = inspect.signature(method)
        kinds = {p.kind for p in signature.parameters.values()}
        assert inspect.Parameter.VAR_KEYWORD not in kinds, name
        assert inspect.Parameter.VAR_POSITIONAL not in kinds, name
        assert "self" not in signature.parameters, name
        result = str(signature.return_annotation)
        precise = name == "client.call" or result not in ("Any", "Awaitable[Any]")
        assert precise and result != "inspect._empty" and "Plan[" not in result, name
        assert result.startswith("Awaitable[") == offline.is_async, name
        assert method.__doc__ and len(method.__doc__.strip()) > 20, name


def test_shift_tab_shows_the_parameters_of_create(offline):
    signature = inspect.signature(offline.tts.create)
    assert list(signature.parameters) == ["text", "voice", "lang", "options"]
    assert signature.parameters["lang"].kind is inspect.Parameter.KEYWORD_ONLY
    erase = inspect.signature(offline.video.erase)
    assert {"regions", "mode", "erase_type", "name", "options"} <= set(erase.parameters)


@pytest.mark.parametrize(("space", "name", "args"), [
    ("tts", "create", ("Hello", "1")), ("video", "erase", ("clip.mp4",)),
    ("files", "upload", (b"x",)), ("voices", "list", ()), ("voices", "frame", ()),
    ("tasks", "get", ("1",)), ("tts", "batch", ("Hello", "1")),
])
def test_a_misspelt_keyword_fails_at_the_call(offline, space, name, args):
    method = getattr(getattr(offline, space), name)
    with pytest.raises(TypeError, match="unexpected keyword argument 'lnag'"):
        method(*args, lnag="en")


def test_the_handle_is_typed_for_its_client(offline):
    handle = offline.tts.task("12")
    assert isinstance(handle, TtsTask) and handle.id == "12"
    wait = inspect.signature(handle.wait)
    assert list(wait.parameters) == ["timeout", "on_progress", "progress_bar"]
