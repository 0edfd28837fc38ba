"""Downloads land only where asked: server-given names become safe base names inside ``dest``."""

from __future__ import annotations

import asyncio
import http.server
import threading
from pathlib import Path

import pytest

from qavix_lab import errors
from qavix_lab.client import AsyncClient, Client
from qavix_lab.client.download import MAX_NAME, safe_name
from qavix_lab.client.handles import TtsTask
from qavix_lab.spec import TtsResult

BODY = b"ID3 not really an mp3"


class _Any(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Any)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def offline(tmp_path):
    with Client("offline-key-000", base_url="http://127.0.0.1:9/qavix",
                output_dir=tmp_path / "out") as client:
        yield client


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


HOSTILE = {
    "..%2F..%2Fevil.sh": "evil.sh",
    "%2Ftmp%2Fabsolute.txt": "absolute.txt",
    "..%5C..%5Cwin.bat": "win.bat",
    ".bashrc": "bashrc",
    "%2E%2E": "download",
    "a%00b.mp3": "a_b.mp3",
    "%2F": "download",
}


@pytest.mark.parametrize(("name", "expected"), HOSTILE.items())
def test_a_server_name_never_leaves_the_folder_sync(server, offline, tmp_path, name, expected):
    dest = tmp_path / "a" / "b"
    dest.mkdir(parents=True)
    path = offline.files.download(f"{server}/files/{name}", dest)
    assert path == dest.resolve() / expected and path.read_bytes() == BODY
    assert files_under(tmp_path) == [f"a/b/{expected}"]


@pytest.mark.parametrize(("name", "expected"), HOSTILE.items())
def test_a_server_name_never_leaves_the_folder_async(server, tmp_path, name, expected):
    dest = tmp_path / "a" / "b"
    dest.mkdir(parents=True)

    async def main() -> Path:
        async with AsyncClient("offline-key-000", base_url="http://127.0.0.1:9/qavix") as c:
            return await c.files.download(f"{server}/files/{name}", dest)

    assert asyncio.run(main()) == dest.resolve() / expected
    assert files_under(tmp_path) == [f"a/b/{expected}"]


def test_a_task_output_link_is_held_to_the_folder_too(server, offline, tmp_path):
    task = TtsTask(offline, "5")
    task.last = TtsResult.from_json({"taskId": "5", "status": 1, "process": 100,
                                     "destFileTmpUrl": f"{server}/o/..%2F..%2F..%2Fpwn.mp3"})
    dest = tmp_path / "clips"
    dest.mkdir()
    assert task.download(dest) == dest.resolve() / "pwn.mp3"
    assert task.download() == offline.output_dir / "tts_5.mp3"  # default: kind, ID, suffix
    assert files_under(tmp_path) == ["clips/pwn.mp3", "out/tts_5.mp3"]


def test_a_symlink_planted_in_the_folder_is_not_followed(server, offline, tmp_path):
    dest, outside = tmp_path / "dest", tmp_path / "outside.sh"
    dest.mkdir()
    (dest / "evil.sh").symlink_to(outside)
    with pytest.raises(errors.ValidationError, match="outside"):
        offline.files.download(f"{server}/evil.sh", dest)
    assert not outside.exists()


def test_names_are_capped_and_keep_their_suffix():
    name = safe_name("x" * 500 + ".mp3")
    assert len(name) <= MAX_NAME and name.endswith(".mp3")
    assert safe_name("", "fallback") == "fallback"
