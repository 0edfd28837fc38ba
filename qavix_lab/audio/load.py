"""``load()``: any audio (path, bytes, file object, pydub segment, numpy array) into an ``Audio``.

Files are decoded by the ffmpeg that imageio-ffmpeg bundles, straight to float WAV on a pipe:
pydub's own loader needs ffprobe, which is not available everywhere.
"""

from __future__ import annotations

import os
import struct
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AudioError, MediaError, ValidationError
from ..media.ffmpeg import ffmpeg_exe, run_ffmpeg
from .clip import Audio

# str | PathLike | bytes | file object | AudioSegment | (array, rate) | Audio | obj with .path
AudioSource = Any


def load(source: AudioSource, *, name: str | None = None) -> Audio:
    """Decode ``source`` into an :class:`Audio`; ``name`` labels it in tables and plots.

    >>> load("hello.mp3").duration
    """
    if isinstance(source, Audio):
        return source if name is None else Audio(source.samples, source.sample_rate, name=name,
                                                 path=source.path)
    if isinstance(source, tuple) and len(source) == 2:
        samples, rate = source
        return Audio(np.asarray(samples), rate, name=name or "array")
    if isinstance(source, bytes | bytearray | memoryview):
        return _decode_bytes(bytes(source), name or "bytes")
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        raise ValidationError("analysis does not download; fetch the file first (e.g. "
                              "task.download()) and load the local path", where=source)
    if isinstance(source, str | os.PathLike):
        return _decode_path(Path(source), name)
    if hasattr(source, "read"):
        label = name or Path(str(getattr(source, "name", "file object"))).name
        data = source.read()
        if not isinstance(data, bytes | bytearray):
            raise ValidationError("the file object gives text; open it in binary mode ('rb')",
                                  where=label)
        return _decode_bytes(bytes(data), label)
    if hasattr(source, "raw_data") and hasattr(source, "frame_rate"):
        return _from_segment(source, name or "segment")
    if isinstance(getattr(source, "path", None), str | os.PathLike):  # e.g. a client Speech
        return _decode_path(Path(source.path), name)
    raise ValidationError(f"cannot load audio from a {type(source).__name__}; give a path, bytes, "
                          "a file object, a pydub AudioSegment, (samples, sample_rate) or an "
                          "object with a .path", where="load(source)")


def pydub_audio_segment() -> type:
    """pydub's AudioSegment class, set up to export with the bundled ffmpeg."""
    with warnings.catch_warnings():  # pydub warns on import when no system ffmpeg is on PATH
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg_exe()
    return AudioSegment


def _decode_path(path: Path, name: str | None) -> Audio:
    text = str(path)
    if not path.is_file():
        raise AudioError("no such file", where=text)
    samples, rate = _decode_file(path, where=text)
    return Audio(samples, rate, name=name or path.name, path=path)


def _decode_bytes(data: bytes, name: str) -> Audio:
    if not data:
        raise AudioError("no data (0 bytes)", where=name)
    with tempfile.TemporaryDirectory(prefix="qavix-audio-") as tmp:
        path = Path(tmp, "input")
        path.write_bytes(data)
        samples, rate = _decode_file(path, where=name)
    return Audio(samples, rate, name=name)


def _decode_file(path: Path, where: str) -> tuple[np.ndarray, int]:
    try:
        wav = run_ffmpeg(["-i", str(path), "-map", "0:a:0", "-map_metadata", "-1",
                          "-c:a", "pcm_f32le", "-f", "wav", "-"], what=where)
    except MediaError as exc:
        raise AudioError(f"not readable audio ({exc.message})", where=where) from exc
    return _parse_float_wav(wav, where)


def _parse_float_wav(data: bytes, where: str) -> tuple[np.ndarray, int]:
    """Samples and rate of the float32 WAV ffmpeg writes to a pipe (its sizes are left unset)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError("ffmpeg produced no WAV output", where=where)
    pos, channels, rate = 12, 0, 0
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = pos + 8
        if chunk == b"fmt ":
            channels, rate = struct.unpack("<HI", data[body + 2:body + 8])
        elif chunk == b"data":
            end = len(data) if size == 0xFFFFFFFF else min(len(data), body + size)
            if not channels or not rate:
                break
            usable = (end - body) // (4 * channels) * 4 * channels
            samples = np.frombuffer(data, dtype="<f4", count=usable // 4, offset=body)
            if samples.size == 0:
                raise AudioError("the file holds no audio samples", where=where)
            return samples.reshape(-1, channels), rate
        pos = body + size + (size & 1)
    raise AudioError("the decoded audio has no sample data", where=where)


def _from_segment(segment: Any, name: str) -> Audio:
    if segment.sample_width not in (2, 4):
        segment = segment.set_sample_width(4)
    dtype = "<i2" if segment.sample_width == 2 else "<i4"
    ints = np.frombuffer(segment.raw_data, dtype=dtype)
    scale = float(2 ** (8 * segment.sample_width - 1))
    samples = (ints.astype(np.float32) / scale).reshape(-1, segment.channels)
    return Audio(samples, segment.frame_rate, name=name)
