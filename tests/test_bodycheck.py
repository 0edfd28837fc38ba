"""A download is refused when it is a page, opens wrong, or was cut off."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from qavix_lab.client.bodycheck import check_head, check_length, total_length
from qavix_lab.errors import MalformedResponse

MP3 = Path("clip.mp3")


@pytest.mark.parametrize("head, content_type", [
    (b"ID3\x04\x00\x00\x00", "audio/mpeg"),
    (b"\xff\xfb\x90\x64\x00", None),
    (b"\x00\x00\x00\x18ftypmp42", "application/octet-stream"),
])
def test_real_media_passes(head, content_type):
    dest = MP3 if head[:4] != b"\x00\x00\x00\x18" else Path("clip.mp4")
    check_head(head, content_type, dest, where="x")


@pytest.mark.parametrize("head, content_type, says", [
    (b"<!DOCTYPE html><html><head><title>Sign in", "text/html; charset=utf-8", "text/html"),
    (b"  <html><body>502 Bad Gateway", None, "a page"),
    (b'{"code": 4004, "message": "not found"}', "application/json", "application/json"),
])
def test_pages_and_garbage_are_refused_with_a_snippet(head, content_type, says):
    with pytest.raises(MalformedResponse, match=says) as caught:
        check_head(head, content_type, MP3, where="http://host/files/clip.mp3")
    assert "clip.mp3" in str(caught.value)


def test_bytes_that_are_no_page_are_kept_whatever_the_name_says():
    check_head(b"\x00\x01not really an mp4", "application/octet-stream", Path("x.mp4"),
               where="x")
    # a real mp3 labelled text/html by a careless server is still an mp3
    check_head(b"ID3\x04\x00\x00\x00\x00\x00", "text/html", MP3, where="x")


def test_an_unknown_kind_of_file_is_refused_only_when_it_is_a_page():
    check_head(b"1\n00:00:01,000 --> 00:00:02,000\n", "text/plain", Path("subs.srt"), where="x")
    with pytest.raises(MalformedResponse):
        check_head(b"<html>", "text/html", Path("subs.srt"), where="x")


def test_the_whole_length_comes_from_content_range_or_content_length():
    assert total_length(206, httpx.Headers({"content-range": "bytes 100-199/5000"})) == 5000
    assert total_length(200, httpx.Headers({"content-length": "42"})) == 42
    assert total_length(200, httpx.Headers({})) is None
    assert total_length(200, {"content-length": "42", "content-encoding": "gzip"}) is None
    check_length(42, 42, where="x")
    check_length(10, None, where="x")
    with pytest.raises(MalformedResponse, match="cut off: 21 of 42"):
        check_length(21, 42, where="x")
