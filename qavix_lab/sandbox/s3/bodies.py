"""Request bodies: their length and digest checks, ``aws-chunked`` decoding, the part list."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from typing import Any

from .errors import S3Error


def _check_body(declared: str | None, size: int, sha: Any, claimed_sha: str,
                content_md5: str | None, md5: Any) -> None:
    if declared is not None and int(declared) != size:
        raise S3Error("IncompleteBody", f"received {size} bytes of the declared {declared}")
    if sha is not None and sha.hexdigest() != claimed_sha:
        raise S3Error("XAmzContentSHA256Mismatch", "the body's SHA-256 differs from "
                      "x-amz-content-sha256")
    if content_md5 is not None:
        try:
            expected = base64.b64decode(content_md5, validate=True)
        except ValueError:
            raise S3Error("InvalidDigest", "Content-MD5 is not valid base64") from None
        if expected != md5.digest():
            raise S3Error("BadDigest", "the body's MD5 differs from Content-MD5")


async def _aws_chunked(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Decode an ``aws-chunked`` body: ``<hex size>[;chunk-signature=…]\\r\\n<data>\\r\\n``
    chunks up to a zero-size one, then trailers (checksums; read and ignored)."""
    buffer = bytearray()

    async def fill(needed: int) -> None:
        while len(buffer) < needed:
            chunk = await anext(stream, None)
            if chunk is None:
                raise S3Error("IncompleteBody", "the aws-chunked body ended early")
            buffer.extend(chunk)

    while True:
        while (end := buffer.find(b"\r\n")) < 0:
            if len(buffer) > 4096:
                raise S3Error("InvalidRequest", "an aws-chunked chunk header is too long")
            await fill(len(buffer) + 1)
        try:
            size = int(buffer[:end].split(b";", 1)[0], 16)
        except ValueError:
            raise S3Error("InvalidRequest", "an aws-chunked chunk size is not hex") from None
        del buffer[:end + 2]
        if size == 0:
            async for _trailers in stream:  # drain, so the connection can be reused
                pass
            return
        while size:
            await fill(1)
            piece = bytes(buffer[:size])
            del buffer[:len(piece)]
            size -= len(piece)
            yield piece
        await fill(2)
        if buffer[:2] != b"\r\n":
            raise S3Error("InvalidRequest", "an aws-chunked chunk is longer than its size says")
        del buffer[:2]


def _parse_part_list(body: bytes) -> list[tuple[int, str]]:
    try:
        root = ET.fromstring(body)
        parts = [el for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "Part"]
        return [(int(_child_text(p, "PartNumber")), _child_text(p, "ETag")) for p in parts]
    except (ET.ParseError, ValueError) as e:
        raise S3Error("MalformedXML", f"the part list is not valid XML: {e}") from None


def _child_text(element: ET.Element, name: str) -> str:
    for child in element:
        if child.tag.rsplit("}", 1)[-1] == name and child.text:
            return child.text.strip()
    raise ValueError(f"a Part has no {name}")
