"""Secrets stay secret: keys checked at construction, every error field and every log redacted."""

from __future__ import annotations

import logging

import pytest
from support import make_client

from qavix_lab.client import Client
from qavix_lab.client.storage import S3Storage
from qavix_lab.errors import (
    REDACTED_LOGGERS,
    MalformedResponse,
    QavixError,
    ValidationError,
    redact,
    register_secret,
)

MiB = 1024 * 1024


@pytest.mark.parametrize("key", ["qvx-pasted-key-0123\u201d", "qvx-two words-0123",
                                 "qvx-tab\tinside-0123", "qvx-nul\x00-0123"])
def test_a_bad_key_is_refused_at_construction_without_showing_it(key):
    with pytest.raises(ValidationError) as caught:
        Client(key, base_url="http://127.0.0.1:9")
    shown = " ".join([str(caught.value), repr(caught.value), caught.value.where or ""])
    assert "api_key" in shown and "position" in shown
    assert key.strip() not in shown and "pasted" not in shown and "words" not in shown
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_a_key_pasted_with_a_newline_is_stripped_then_redacted(sandbox):
    with make_client(sandbox, key=f" {sandbox.api_key}\n") as client:
        assert client.voices.list()  # the stripped key is the one sent
    assert sandbox.api_key not in redact(f"key={sandbox.api_key}!") + redact(sandbox.api_key)


def test_every_field_of_an_error_is_redacted():
    secret = "qvx-secret-for-fields-42"
    register_secret(secret)
    error = MalformedResponse(f"bad {secret}", snippet=f"<p>{secret}</p>", where=f"url {secret}",
                              operation="tts.create")
    error.operation = f"op {secret}"  # a field set after the error was made
    assert secret not in error.message + error.snippet + (error.where or "")
    assert secret not in str(error) + repr(error)
    link = "https://cdn.example.com/files/Zx81_kQ0mN3bV7cX5zL2aP/clip.mp4?Signature=abc&Expires=9"
    shown = str(QavixError("could not fetch", where=link))
    assert "Zx81_kQ0mN3bV7cX5zL2aP" not in shown and "abc" not in shown
    assert "clip.mp4" in shown and "cdn.example.com" in shown  # still says where


def test_no_secret_in_any_log_at_debug(sandbox, tmp_path, caplog, voice_id):
    caplog.set_level(logging.DEBUG)
    for name in REDACTED_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * (6 * MiB // 256 + 7))  # two parts of 5 MiB
    try:
        with make_client(sandbox, key=sandbox.api_key + "\n") as client:
            storage = S3Storage(multipart_threshold=5 * MiB, part_size=5 * MiB)
            uploaded = client.files.upload(big, storage=storage)
            speech = client.tts.synthesize("Logged but not leaked.", voice_id, tmp_path / "s.mp3")
            client.files.download(uploaded.url, tmp_path / "back.bin")
    finally:
        for name in REDACTED_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
    assert speech.path.exists() and (tmp_path / "back.bin").read_bytes() == big.read_bytes()
    world = sandbox.world
    credentials = [c for c in world.credentials.values()]
    secrets = {sandbox.api_key, *world.links}
    secrets |= {s for c in credentials for s in (c.access, c.secret, c.token)}
    text = caplog.text
    assert "botocore" in text and "HTTP Request" in text and "/files/***/" in text
    assert credentials and len(world.links) >= 2
    assert [s for s in secrets if s in text] == []


@pytest.mark.parametrize("token", ["O-vXDmZTXvgVrmzWYFSctw", "Ab3dEf9hIjKlMn0pQrStUv",
                                   "abcdefghij0123456789", "ABCDEFGHIJKLMNOPQRSTUVwx"])
def test_a_link_token_is_hidden_with_or_without_a_digit(token):
    """A random URL-safe token has no digit about one time in fifty: it is hidden all the same."""
    from qavix_lab.errors import redact

    text = redact(f"GET https://cdn.example.com/files/{token}/clip.mp4 200")
    assert token not in text and "/files/***/clip.mp4" in text


def test_a_plain_folder_name_in_a_link_stays_readable():
    from qavix_lab.errors import redact

    url = "https://cdn.example.com/subtitle-translations-folder/clip.mp4"
    assert redact(url) == url
