"""The MD5 the upload privilege asks for, read in chunks: a 2 GB video never sits in memory."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from typing import BinaryIO

from ..errors import MediaError, ValidationError

MiB = 1024 * 1024

HashSource = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO


def md5_of(
    source: HashSource,
    chunk_size: int = 8 * MiB,
    progress: Callable[[int], None] | None = None,
) -> str:
    """The hex MD5 of a file path, bytes, or a binary file object, read ``chunk_size`` at a time.

    A file object is hashed from its current position to its end, then put back at that position
    (when it is seekable) so it can be uploaded next. ``progress`` gets the bytes hashed so far.

    >>> md5_of(b"abc")
    '900150983cd24fb0d6963f7d28e17f72'
    """
    if not isinstance(chunk_size, int) or chunk_size <= 0:
        raise ValidationError(f"chunk_size must be a positive integer, got {chunk_size!r}",
                              where="chunk_size")
    digest = hashlib.md5(usedforsecurity=False)
    if isinstance(source, bytes | bytearray | memoryview):
        _hash_memory(memoryview(source).cast("B"), digest, chunk_size, progress)
    elif isinstance(source, str | os.PathLike):
        try:
            with open(source, "rb", buffering=0) as file:
                _hash_file(file, digest, chunk_size, progress)
        except OSError as e:
            raise MediaError(f"cannot read the file to hash it: {e.strerror or e}",
                             where=os.fspath(source)) from e
    elif isinstance(source, io.TextIOBase):
        raise ValidationError("the file is open in text mode; open it with 'rb'", where="source")
    elif hasattr(source, "read"):
        _hash_file_object(source, digest, chunk_size, progress)
    else:
        raise ValidationError(
            f"cannot hash a {type(source).__name__}: give a path, bytes or a binary file object",
            where="source")
    return digest.hexdigest()


def _hash_memory(view: memoryview, digest: hashlib._Hash, chunk_size: int,
                 progress: Callable[[int], None] | None) -> None:
    for start in range(0, len(view), chunk_size):
        digest.update(view[start:start + chunk_size])
        if progress:
            progress(min(start + chunk_size, len(view)))


def _hash_file_object(file: BinaryIO, digest: hashlib._Hash, chunk_size: int,
                      progress: Callable[[int], None] | None) -> None:
    seekable = getattr(file, "seekable", lambda: False)()
    start = file.tell() if seekable else None
    try:
        _hash_file(file, digest, chunk_size, progress)
    except TypeError as e:  # read() gave str: a text stream that is not an io.TextIOBase
        raise ValidationError(f"the file object does not give bytes: {e}", where="source") from e
    finally:
        if start is not None:
            file.seek(start)


def _hash_file(file: BinaryIO, digest: hashlib._Hash, chunk_size: int,
               progress: Callable[[int], None] | None) -> None:
    # One reused buffer: memory stays at chunk_size whatever the file size.
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    done = 0
    readinto = getattr(file, "readinto", None)
    while True:
        if readinto is not None:
            count = readinto(view)
            chunk = view[:count or 0]
        else:
            chunk = memoryview(file.read(chunk_size))
        if not chunk:
            return
        digest.update(chunk)
        done += len(chunk)
        if progress:
            progress(done)
