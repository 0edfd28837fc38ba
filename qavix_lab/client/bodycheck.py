"""Is a downloaded body the file it claims to be, and whole? Length, Content-Type, magic bytes.

A gateway may answer a download with an HTML error page and status 200, or an API error as JSON;
a connection may end early without a ``Content-Length`` to tell. These checks run before a
``.part`` file is renamed into place, so neither is ever saved as ``clip.mp3``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ..errors import MalformedResponse

__all__ = ["check_head", "check_length", "total_length", "looks_like_page"]

# File signatures: suffix -> (offset, bytes) any of which opens a real file of that kind.
_MAGIC: dict[str, tuple[tuple[int, bytes], ...]] = {
    ".mp3": ((0, b"ID3"), (0, b"\xff\xfb"), (0, b"\xff\xf3"), (0, b"\xff\xf2"), (0, b"\xff\xfa"),
             (0, b"\xff\xe3")),
    ".wav": ((0, b"RIFF"),),
    ".ogg": ((0, b"OggS"),),
    ".flac": ((0, b"fLaC"),),
    ".mp4": ((4, b"ftyp"),),
    ".m4a": ((4, b"ftyp"),),
    ".mov": ((4, b"ftyp"), (4, b"moov"), (4, b"wide"), (4, b"mdat")),
    ".webm": ((0, b"\x1a\x45\xdf\xa3"),),
    ".mkv": ((0, b"\x1a\x45\xdf\xa3"),),
    ".png": ((0, b"\x89PNG"),),
    ".jpg": ((0, b"\xff\xd8\xff"),),
    ".jpeg": ((0, b"\xff\xd8\xff"),),
}
_PAGE_TYPES = ("text/html", "application/json", "application/xhtml", "text/xml", "application/xml")
_PAGE_START = re.compile(rb"^\s*(<!doctype|<html|<\?xml|<head|<body|\{\s*\"|\[\s*\{)", re.I)
HEAD_BYTES = 16


def looks_like_page(head: bytes) -> bool:
    """The body opens like an HTML page, XML or a JSON object, not like media."""
    return bool(_PAGE_START.match(head[:64]))


def check_head(head: bytes, content_type: str | None, dest: Path, *, where: str,
               from_start: bool = True) -> None:
    """Refuse a body that is a page (HTML, JSON, XML) where a ``dest`` file was expected.

    A body that opens with the signature of its suffix's kind (checked ``from_start`` only: a
    resumed body starts mid-file) is taken whatever its Content-Type says; any other is refused
    when its Content-Type or its first bytes say it is a page. Bytes that are neither are kept:
    a file may be named ``.mp4`` without being one.
    """
    kind = (content_type or "").split(";")[0].strip().lower()
    suffix = dest.suffix.lower()
    signatures = _MAGIC.get(suffix) if from_start else None
    opens_right = signatures is not None and any(
        head[offset:offset + len(magic)] == magic for offset, magic in signatures)
    if opens_right:
        return
    if kind.startswith(_PAGE_TYPES) or looks_like_page(head):
        raise MalformedResponse(f"the download is {kind or 'a page'}, not a {suffix or 'file'}: "
                                "an error page in place of the file",
                                snippet=head.decode("utf-8", "replace"), where=where)


def total_length(status: int, headers: Mapping[str, str]) -> int | None:
    """The whole file's size from ``Content-Range`` (a 206) or ``Content-Length`` (a 200)."""
    if status == 206:
        match = re.match(r"bytes \d+-\d+/(\d+)", headers.get("content-range") or "")
        return int(match.group(1)) if match else None
    length = headers.get("content-length")
    if length and length.isdigit() and not headers.get("content-encoding"):
        return int(length)
    return None


def check_length(received: int, expected: int | None, *, where: str) -> None:
    """The file is whole: as many bytes as announced (a shorter body was cut off)."""
    if expected is not None and received != expected:
        raise MalformedResponse(f"the download was cut off: {received} of {expected} bytes",
                                where=where)
