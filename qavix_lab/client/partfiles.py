"""Reading the file to upload: positioned reads shared by threads, and each part's body."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, BinaryIO

from ..errors import UploadError, ValidationError

if TYPE_CHECKING:
    from .storage import Progress, Source


class Window:
    """Thread-safe positioned reads of ``size`` bytes of an open file from ``start``.

    With ``fd`` (a file we opened ourselves), each read is one ``os.pread``: no lock, no seek, so
    the upload threads never wait on each other. A caller's file object may hold bytes in its own
    buffer, so it is read through its methods, one thread at a time.
    """

    def __init__(self, file: BinaryIO, start: int, size: int, fd: int | None = None) -> None:
        self._file, self._start, self.size, self._fd = file, start, size, fd
        self._lock = threading.Lock()

    def read_at(self, offset: int, count: int) -> bytes:
        if self._fd is not None:
            data = os.pread(self._fd, count, self._start + offset)
            if len(data) < count:  # Linux reads at most about 2 GiB in one call
                data += self._read_rest(offset + len(data), count - len(data))
        else:
            with self._lock:
                self._file.seek(self._start + offset)
                data = self._file.read(count)
        if len(data) != count:
            raise OSError(f"the file ended {offset + len(data)} bytes in, before the "
                          f"{self.size} bytes announced: was it changed during the upload?")
        return data

    def _read_rest(self, offset: int, count: int) -> bytes:
        assert self._fd is not None
        chunks = []
        while count > 0:
            chunk = os.pread(self._fd, count, self._start + offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset, count = offset + len(chunk), count - len(chunk)
        return b"".join(chunks)


@contextmanager
def opened(source: Source, size: int) -> Iterator[Window]:
    if isinstance(source, str | os.PathLike):
        try:
            file = open(source, "rb")  # noqa: SIM115 - closed by the with below
        except OSError as e:
            raise UploadError(f"cannot read the file to upload: {e.strerror or e}",
                              where=os.fspath(source)) from e
        with file:
            yield _checked_window(file, size, os.fspath(source), own=True)
    elif hasattr(source, "read") and hasattr(source, "seek"):
        start = source.tell()
        try:
            yield _checked_window(source, size, getattr(source, "name", "the file object"))
        finally:
            source.seek(start)
    else:
        raise ValidationError(f"cannot upload a {type(source).__name__}: give a path or a "
                              "seekable binary file object", where="source")


def _checked_window(file: BinaryIO, size: int, name: str, own: bool = False) -> Window:
    start = file.tell()
    available = file.seek(0, os.SEEK_END) - start
    if available != size:
        raise ValidationError(f"the file has {available} bytes but size says {size}", where=name)
    return Window(file, start, size, file.fileno() if own and hasattr(os, "pread") else None)


class Stopped(BaseException):
    """Raised inside botocore when the caller stopped: a BaseException, so it is not retried."""


class PartBody:
    """A part's bytes, read from the file as botocore sends them.

    Reads count as sent only once botocore is sending (``before-send``): the SHA-256 that SigV4
    computes first also reads the body, and each seek (a retry rewinds) stops the counting again.
    """

    def __init__(self, file: Window, offset: int, length: int, sent: Progress,
                 cancel: threading.Event | None = None) -> None:
        self._file, self._offset, self._length, self._sent = file, offset, length, sent
        self._cancel = cancel
        self._position = 0
        self.sending = False

    def read(self, count: int | None = -1) -> bytes:
        left = self._length - self._position
        count = left if count is None or count < 0 else min(count, left)
        if count == 0:
            return b""
        if self._cancel is not None and self._cancel.is_set():
            raise Stopped
        data = self._file.read_at(self._offset + self._position, count)
        self._position += count
        if self.sending:
            self._sent(self._position)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._length}[whence]
        self._position = min(max(base + offset, 0), self._length)
        self.sending = False
        return self._position

    def tell(self) -> int:
        return self._position

    def __len__(self) -> int:
        return self._length


def start_counting(request: Any, **_: Any) -> None:
    if isinstance(request.body, PartBody):
        request.body.sending = True

