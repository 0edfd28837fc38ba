"""Downloading a temporary URL to disk: streamed, with progress, never a half-written file.

The bytes go to a hidden temporary file beside the destination, renamed into place at the end;
on any failure it is removed. An expired link (HTTP 403, 410, or S3's ``ExpiredToken``) raises
:class:`~qavix_lab.errors.LinkExpired` so the caller can ask for a fresh URL (``url refresh``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ..errors import (
    ConnectError,
    GatewayError,
    LinkExpired,
    QavixError,
    TimeoutError_,
    TransportError,
)

if TYPE_CHECKING:
    import httpx

MiB = 1024 * 1024
DownloadProgress = Callable[[int, int | None], None]  # (bytes so far, total if known)
_TIMEOUT = 60.0


def download(url: str, dest: str | os.PathLike[str], *, client: httpx.Client | None = None,
             progress: bool | DownloadProgress | None = None, chunk_size: int = MiB) -> Path:
    """Stream ``url`` to ``dest`` (a file, or an existing directory to put it in); returns the path.

    ``progress`` is True for a progress bar, or a callable getting ``(bytes so far, total)``.
    Give ``client`` a plain ``httpx.Client``, not the API's one: its headers would go to the
    storage host too. ``download(link.url, "out/dubbed.mp4", progress=True)``
    """
    import httpx

    http = client or httpx.Client(follow_redirects=True, timeout=_TIMEOUT)
    try:
        with _transport_errors(url), http.stream("GET", url) as response:
            if response.status_code >= 400:
                raise _failure(response, response.read(), url)
            with _PartialFile(dest, url, response, progress) as out:
                for chunk in response.iter_bytes(chunk_size):
                    out.write(chunk)
            return out.path
    finally:
        if client is None:
            http.close()


async def adownload(url: str, dest: str | os.PathLike[str], *,
                    client: httpx.AsyncClient | None = None,
                    progress: bool | DownloadProgress | None = None,
                    chunk_size: int = MiB) -> Path:
    """The async twin of :func:`download`, with an ``httpx.AsyncClient``."""
    import httpx

    http = client or httpx.AsyncClient(follow_redirects=True, timeout=_TIMEOUT)
    try:
        with _transport_errors(url):
            async with http.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise _failure(response, await response.aread(), url)
                with _PartialFile(dest, url, response, progress) as out:
                    async for chunk in response.aiter_bytes(chunk_size):
                        out.write(chunk)
                return out.path
    finally:
        if client is None:
            await http.aclose()


def _public(url: str) -> str:
    """The URL without its query: presigned URLs carry credentials there."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _failure(response: httpx.Response, body: bytes, url: str) -> QavixError:
    status = response.status_code
    if status in (403, 410) or (status == 400 and b"ExpiredToken" in body[:4096]):
        return LinkExpired("the download link has expired or was revoked; ask for a fresh one "
                           "(url refresh)", http_status=status, where=_public(url))
    kind = GatewayError if status >= 500 else QavixError
    return kind(f"the download failed with HTTP {status}", http_status=status, where=_public(url))


@contextmanager
def _transport_errors(url: str) -> Iterator[None]:
    import httpx

    try:
        yield
    except httpx.TimeoutException as e:
        raise TimeoutError_(f"the download timed out: {e}", where=_public(url)) from e
    except httpx.ConnectError as e:
        raise ConnectError(f"cannot connect to download: {e}", where=_public(url)) from e
    except httpx.TransportError as e:
        raise TransportError(f"the download broke off: {e}", where=_public(url)) from e


class _PartialFile:
    """A hidden ``.name.<id>.part`` file beside the destination, renamed into place on success."""

    def __init__(self, dest: str | os.PathLike[str], url: str, response: httpx.Response,
                 progress: bool | DownloadProgress | None) -> None:
        target = Path(dest)
        if target.is_dir():
            target = target / (unquote(Path(urlsplit(url).path).name) or "download")
        self.path = target
        self._temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
        length = response.headers.get("content-length")
        self._total = int(length) if length and length.isdigit() and not response.headers.get(
            "content-encoding") else None
        self._report = _reporter(progress, self._total, target.name)
        self._done = 0

    def __enter__(self) -> _PartialFile:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self._temp, "wb")  # noqa: SIM115 - closed in __exit__
        except OSError as e:
            raise QavixError(f"cannot write the download: {e.strerror or e}",
                             where=str(self.path)) from e
        return self

    def write(self, chunk: bytes) -> None:
        try:
            self._file.write(chunk)
        except OSError as e:
            raise QavixError(f"cannot write the download: {e.strerror or e}",
                             where=str(self.path)) from e
        self._done += len(chunk)
        if self._report:
            self._report(self._done)

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self._file.close()
        if self._report:
            self._report(None)
        if kind is None:
            os.replace(self._temp, self.path)
        else:
            self._temp.unlink(missing_ok=True)


def _reporter(progress: bool | DownloadProgress | None, total: int | None,
              name: str) -> Callable[[int | None], None] | None:
    """A function taking bytes so far (None: finished), for a bar or the caller's callable."""
    if not progress:
        return None
    if callable(progress):
        callback = progress
        return lambda done: None if done is None else callback(done, total)
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=name)

    def show(done: int | None) -> None:
        if done is None:
            bar.close()
        else:
            bar.update(done - bar.n)

    return show
