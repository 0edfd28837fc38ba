"""Uploads through the sandbox's S3-protocol storage with the real SDK, end to end."""

from __future__ import annotations

import hashlib
import io

import pytest

from qavix_lab.client.storage import S3Storage
from qavix_lab.errors import ValidationError

MiB = 1024 * 1024
SMALL_PARTS = {"multipart_threshold": 5 * MiB, "part_size": 5 * MiB}


def _credentials_issued(sandbox) -> int:
    return len(sandbox.world.credentials)


def test_small_upload_then_instant_upload(sandbox, client, tmp_path):
    data = b"qavix upload test " + bytes(range(256)) * 40
    first = client.files.upload(data, file_name="small.bin")
    assert first.file_id and first.url.startswith(sandbox.app.world.origin) and not first.instant
    issued = _credentials_issued(sandbox)
    again = client.files.upload(io.BytesIO(data), file_name="again.bin")
    assert again.instant and again.file_id != first.file_id
    assert _credentials_issued(sandbox) == issued  # no credentials: nothing was transferred
    back = client.files.download(again, tmp_path / "back.bin")
    assert back.read_bytes() == data


def test_large_file_goes_in_parts_with_progress_to_the_total(sandbox, client, tmp_path):
    path = tmp_path / "large.bin"
    block = hashlib.sha256(b"seed").digest() * 4096  # 128 KiB
    with path.open("wb") as out:
        for _ in range(13 * 8):  # 13 MiB: three parts
            out.write(block)
    seen: list[int] = []
    uploaded = client.files.upload(path, progress=seen.append, storage=S3Storage(**SMALL_PARTS))
    size = path.stat().st_size
    assert seen[-1] == size and seen == sorted(seen)
    record = sandbox.world.files[int(uploaded.file_id)]
    stored = sandbox.app.store.path(record.bucket, record.key)
    assert hashlib.md5(stored.read_bytes()).hexdigest() == uploaded.md5 == record.md5
    assert sandbox.app.store.info(record.bucket, record.key).etag.strip('"').endswith("-3")


def test_credentials_expiring_mid_upload_are_renewed(sandbox, client, tmp_path):
    path = tmp_path / "renew.bin"
    path.write_bytes(bytes(range(251)) * (12 * MiB // 251))
    before = _credentials_issued(sandbox)
    expired = []

    def progress(done: int) -> None:
        if done >= 5 * MiB and not expired:  # first part in: let every credential lapse
            expired.append(done)
            sandbox.advance(sandbox.config.credential_ttl + 5)

    storage = S3Storage(max_concurrency=1, **SMALL_PARTS)
    uploaded = client.files.upload(path, progress=progress, storage=storage)
    assert expired and _credentials_issued(sandbox) >= before + 2
    back = client.files.download(uploaded, tmp_path / "renew.back")
    assert back.read_bytes() == path.read_bytes()


def test_expired_link_is_refreshed(sandbox, client, tmp_path):
    uploaded = client.files.upload(b"refresh me" * 100, file_name="r.txt")
    old = uploaded.url
    sandbox.advance(sandbox.config.link_ttl + 1)
    out = client.files.download(uploaded, tmp_path / "r.txt")
    assert out.read_bytes() == b"refresh me" * 100 and uploaded.url != old
    link = client.files.refresh(uploaded.file_id)
    assert link.url != old and link.expires_at is not None


def test_bad_upload_sources_are_clear_errors(client, tmp_path):
    with pytest.raises(ValidationError, match="no such file"):
        client.files.upload(tmp_path / "missing.mp4")
    with pytest.raises(ValidationError, match="empty"):
        client.files.upload(b"", file_name="empty.bin")
    with pytest.raises(ValidationError, match="cannot upload"):
        client.files.upload(12345)
