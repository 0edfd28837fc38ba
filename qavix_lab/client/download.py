"""Downloading a temporary URL to disk: streamed, with progress, never a half-written file.

Every download of the library, sync or async, goes through :func:`save` (the async client runs it
in a worker thread). The bytes go to a hidden temporary file beside the destination, renamed
into place at the end; on any failure, or when the caller stops, it is removed. When ``dest`` is
a folder, the file name comes from the server's URL and is reduced to a safe base name (never a
path, never hidden, never empty, at most 120 characters), and the final path is checked to lie
inside ``dest``. An expired link (HTTP 403, 410, or S3's ``ExpiredToken``) raises
:class:`~qavix_lab.errors.LinkExpired` so the caller can ask for a fresh URL (``url refresh``).
"""

from __future__ import annotations

import glob
import hashlib
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ..errors import (
    GatewayError,
    LinkExpired,
    MalformedResponse,
    QavixError,
    RateLimited,
    TransportError,
    ValidationError,
)
from .bodycheck import HEAD_BYTES, check_head, check_length, total_length
from .effects import Plan, blocking
from .processes import process_alive
from .protocol import _retry_after, call

if TYPE_CHECKING:
    import httpx

    from .clients import BaseClient

MiB = 1024 * 1024
DownloadProgress = Callable[[int, int | None], None]  # (bytes so far, total if known)
DOWNLOAD_TIMEOUT = 60.0  # seconds per read of a download
# Retries of a download broken off, cut short or answered by a page. A download is free to
# repeat, and a file the service made but we failed to fetch is a paid result lost from the
# batch: where 1 request in 5 fails, 4 retries lose 1 file in 3,000 (one 500-job batch in six),
# 8 retries 1 in 2 million, after at most 24 s of backoff.
DOWNLOAD_RETRIES = 8
MAX_NAME = 120
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*\\/]")


@dataclass(frozen=True)
class Saved:
    """A finished download: where it is, its SHA-256 and its size."""

    path: Path
    sha256: str
    size: int


def safe_name(raw: str, fallback: str = "download") -> str:
    """A server-given file name reduced to a plain, visible base name of at most 120 characters.

    >>> safe_name("..%2F..%2Fevil.sh")
    'evil.sh'
    """
    text = unquote(raw)
    text = re.split(r"[/\\]", text)[-1]  # the base name, whatever separator was encoded
    text = _UNSAFE.sub("_", text).strip().lstrip(".").strip()
    if not text or set(text) <= {".", "_", " "}:
        return fallback
    if len(text) > MAX_NAME:
        stem, dot, suffix = text.rpartition(".")
        suffix = suffix[:16] if dot and stem else ""
        text = text[:MAX_NAME - len(suffix) - 1].rstrip(". ") + ("." + suffix if suffix else "")
    return text


def url_suffix(url: str, default: str = ".bin") -> str:
    """The file extension of a URL's path, if it is a plain one (``.mp3``), else ``default``."""
    suffix = Path(safe_name(Path(urlsplit(url).path).name, "x")).suffix
    return suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix) else default


def target_path(dest: str | os.PathLike[str], url: str) -> Path:
    """``dest`` itself, or inside the folder ``dest`` the URL's safe base name (checked)."""
    if "\x00" in os.fspath(dest):
        raise ValidationError("the destination path has a NUL character", where=repr(dest))
    target = Path(dest)
    if not target.is_dir():
        return target
    folder = target.resolve()
    inside = (folder / safe_name(Path(urlsplit(url).path).name)).resolve()
    if inside.parent != folder:
        raise ValidationError(f"the server's file name would land outside {folder}",
                              where=str(folder))
    return inside


def download(url: str, dest: str | os.PathLike[str], *, client: httpx.Client | None = None,
             progress: bool | DownloadProgress | None = None, chunk_size: int = MiB) -> Path:
    """Stream ``url`` to ``dest`` (a file, or an existing directory to put it in); returns the path.

    ``progress`` is True for a progress bar, or a callable getting ``(bytes so far, total)``.
    Give ``client`` a plain ``httpx.Client``, not the API's one: its headers would go to the
    storage host too. ``download(link.url, "out/dubbed.mp4", progress=True)``
    """
    return save(url, dest, http=client, progress=progress, chunk_size=chunk_size).path


def save(url: str, dest: str | os.PathLike[str], *, http: httpx.Client | None = None,
         progress: bool | DownloadProgress | None = None, chunk_size: int = MiB,
         stop: threading.Event | None = None, retries: int = DOWNLOAD_RETRIES) -> Saved:
    """The one download: :func:`download`, plus the checksum, and ``stop`` to abort it.

    A broken connection, a gateway's 5xx or 429, a body cut short or a page in place of the file
    is retried ``retries`` times with backoff, resuming with an HTTP ``Range`` from the bytes
    already on disk. A body without a length is confirmed whole by asking for what follows it.
    The ``.part`` file is renamed into place only once the length and the kind of file check
    out (see :mod:`.bodycheck`).
    """
    import httpx

    target = target_path(dest, url)
    own = http is None
    session = httpx.Client(follow_redirects=True, timeout=DOWNLOAD_TIMEOUT) if own else http
    assert session is not None
    try:
        with _PartialFile(target, progress) as out:
            attempt = 0
            while True:
                try:
                    if _fetch_into(session, url, out, chunk_size, stop):
                        return Saved(target, out.sha256.hexdigest(), out.done)
                except (TransportError, MalformedResponse, RateLimited) as error:
                    if attempt >= retries:
                        raise
                    attempt += 1
                    wait = error.retry_after if isinstance(error, RateLimited) else None
                    delay = wait if wait and wait > 0 else _backoff(attempt)
                    if stop is not None and stop.wait(min(delay, 30.0)):
                        raise QavixError("the download was stopped", where=str(target)) from None
                    if stop is None:
                        time.sleep(min(delay, 30.0))
    finally:
        if own:
            session.close()


def _backoff(attempt: int) -> float:
    ceiling = min(4.0, 0.25 * 2.0**attempt)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _fetch_into(session: httpx.Client, url: str, out: _PartialFile, chunk_size: int,
                stop: threading.Event | None) -> bool:
    """One request for the bytes not on disk yet; True once the file is known to be whole."""
    where = _public(url)
    resuming = out.done > 0
    headers = {"Range": f"bytes={out.done}-"} if resuming else {}
    with _transport_errors(url), session.stream("GET", url, headers=headers) as response:
        status = response.status_code
        if status == 416 and resuming:  # nothing follows the bytes we have: the file is whole
            check_length(out.done, out.expected, where=where)
            return True
        if status >= 400:
            raise _failure(response, response.read(), url)
        restarted = resuming and (status != 206 or not response.headers.get(
            "content-range", "").startswith(f"bytes {out.done}-"))
        first_read = out.done if restarted and out.confirming else None
        if restarted:
            out.restart()  # the server sent the file from its start again
        out.expect(total_length(status, response.headers))
        kind = response.headers.get("content-type")
        whole = out.done == 0  # the body starts at the file's first byte
        head, checked = b"", False
        for chunk in response.iter_bytes(chunk_size):
            if stop is not None and stop.is_set():
                raise QavixError("the download was stopped", where=str(out.path))
            if not checked:
                head += chunk[:HEAD_BYTES - len(head)]
                checked = len(head) >= HEAD_BYTES
                if checked:
                    check_head(head, kind, out.path, where=where, from_start=whole)
            out.write(chunk)
        if not checked:
            check_head(head, kind, out.path, where=where, from_start=whole)
    if out.expected is not None:
        check_length(out.done, out.expected, where=where)
        return True
    if first_read is not None:  # the server cannot resume: two whole reads must agree
        if out.done != first_read:
            raise MalformedResponse(f"the download came as {first_read} then {out.done} "
                                    "bytes, without a length to tell which is whole", where=where)
        return True
    out.confirming = True  # no length given: ask for what follows, to be sure it was all
    return False


def fetch_file(client: BaseClient[Any], url: str, dest: str | os.PathLike[str],
               file_id: str | None, progress: bool | DownloadProgress | None,
               refreshed: Callable[[Any], None] | None = None) -> Plan[Saved]:
    """Download ``url`` through the driver; a link that has expired is refreshed once with
    ``file_id`` (our clock may disagree with the service's) and given to ``refreshed``."""
    try:
        return (yield from blocking(lambda stop: save(url, dest, progress=progress, stop=stop)))
    except LinkExpired:
        if not file_id:
            raise
        link = yield from call("files.refresh", {"fileId": file_id}, client.retry_policy,
                               wire=client.wire)
        if refreshed is not None:
            refreshed(link)
        fresh: str = link.url
        return (yield from blocking(lambda stop: save(fresh, dest, progress=progress, stop=stop)))


def _public(url: str) -> str:
    """The URL without its query: presigned URLs carry credentials there."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _failure(response: httpx.Response, body: bytes, url: str) -> QavixError:
    status = response.status_code
    if status in (403, 410) or (status == 400 and b"ExpiredToken" in body[:4096]):
        return LinkExpired("the download link has expired or was revoked; ask for a fresh one "
                           "(url refresh)", http_status=status, where=_public(url))
    if status == 429:  # Retry-After read as for the API: "nan", "inf" or a date are handled
        return RateLimited("the download was rate limited", code=429, http_status=status,
                           where=_public(url), retry_after=_retry_after(response.headers))
    kind = GatewayError if status >= 500 else QavixError
    return kind(f"the download failed with HTTP {status}", http_status=status, where=_public(url))


@contextmanager
def _transport_errors(url: str) -> Iterator[None]:
    import httpx

    from .drivers import transport_error

    try:
        yield
    except httpx.HTTPError as e:
        raise transport_error(e, where=_public(url)) from e


class _PartialFile:
    """A hidden ``.name.<pid>-<id>.part`` file beside the destination, kept across the retries
    of one download, renamed into place on success and removed on failure. Parts left by
    processes that died (a killed kernel) are removed on the next download of the same file."""

    def __init__(self, target: Path, progress: bool | DownloadProgress | None) -> None:
        self.path = target
        self._temp = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part")
        self._progress = progress
        self._report: Callable[[int | None], None] | None = None
        self.expected: int | None = None  # the whole file's size, once a response tells it
        self.confirming = False  # a body without a length was read; its end is being confirmed
        self.done = 0
        self.sha256 = hashlib.sha256()

    def __enter__(self) -> _PartialFile:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _remove_orphans(self.path)
            self._file = open(self._temp, "wb")  # noqa: SIM115 - closed in __exit__
        except OSError as e:
            raise QavixError(f"cannot write the download: {e.strerror or e}",
                             where=str(self.path)) from e
        return self

    def expect(self, total: int | None) -> None:
        if total is not None:
            self.expected = total
        if self._report is None:
            self._report = _reporter(self._progress, self.expected, self.path.name)

    def restart(self) -> None:
        """Throw away the bytes so far (the server did not resume where they end)."""
        self._file.seek(0)
        self._file.truncate()
        self.done, self.sha256, self.confirming = 0, hashlib.sha256(), False

    def write(self, chunk: bytes) -> None:
        try:
            self._file.write(chunk)
        except OSError as e:
            raise QavixError(f"cannot write the download: {e.strerror or e}",
                             where=str(self.path)) from e
        self.sha256.update(chunk)
        self.done += len(chunk)
        if self._report:
            self._report(self.done)

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self._file.close()
        if self._report:
            self._report(None)
        if kind is None:
            os.replace(self._temp, self.path)
        else:
            self._temp.unlink(missing_ok=True)


def _remove_orphans(target: Path) -> None:
    """Remove the ``.part`` files of ``target`` whose process is gone."""
    for part in target.parent.glob(f".{glob.escape(target.name)}.*.part"):
        pid = part.name[len(target.name) + 2:].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            part.unlink(missing_ok=True)



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
