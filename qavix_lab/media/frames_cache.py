"""Frames of one video served on demand as JPEG, decoded once each and kept (least recently used).

A slider that scrubs a video asks for many nearby times; each distinct frame is decoded by ffmpeg
once and kept encoded, so going back to it is free:

>>> frames = FrameCache("datasets/media/sample.mp4")
>>> image = frames.jpeg(3.0)        # JPEG bytes of the frame shown at 3 s
>>> frames.snap(3.01) == frames.snap(3.0)
True
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from numbers import Real
from pathlib import Path

from ..errors import MediaError, ValidationError
from . import probe
from .ffmpeg import run_ffmpeg

__all__ = ["FrameCache"]

_JPEG_START = b"\xff\xd8"


class FrameCache:
    """JPEG frames of a video by time, at most ``capacity`` of them kept.

    ``quality`` is ffmpeg's ``-q:v`` (2 best .. 31 worst). Times are snapped to the start of the
    frame shown at that moment, so 3.00 s and 3.01 s share one entry at 24 fps.
    """

    def __init__(self, path: str | os.PathLike[str], *, capacity: int = 96,
                 quality: int = 3) -> None:
        info = probe(path)
        if not info.has_video or not info.width or not info.height:
            raise MediaError("it has no video stream to take frames from", where=str(path))
        self.path = Path(path)
        self.width, self.height = info.width, info.height
        self.duration = info.duration
        self.fps = info.fps or 25.0
        self.capacity, self.quality = capacity, quality
        self._frames: OrderedDict[int, bytes] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def frame_count(self) -> int:
        """How many frames the video has (at least 1)."""
        return max(1, math.floor(self.duration * self.fps + 1e-6))

    def index(self, t: float) -> int:
        """The number of the frame shown at ``t`` seconds (the last one past the end)."""
        if isinstance(t, bool) or not isinstance(t, Real) or not math.isfinite(t) or t < 0:
            raise ValidationError(f"t must be a time in seconds >= 0, got {t!r}", where="t")
        if self.duration > 0 and t > self.duration + 1e-3:
            raise ValidationError(
                f"t={t:g} s is beyond the end of the video (duration {self.duration:.3f} s)",
                where=str(self.path))
        return min(math.floor(float(t) * self.fps + 1e-6), self.frame_count - 1)

    def snap(self, t: float) -> float:
        """The start time of the frame shown at ``t``."""
        return self.index(t) / self.fps

    def jpeg(self, t: float) -> bytes:
        """The frame shown at ``t`` seconds as JPEG bytes (decoded once, then from the cache)."""
        number = self.index(t)
        with self._lock:
            if number in self._frames:
                self._frames.move_to_end(number)
                return self._frames[number]
        data = self._decode(number)
        with self._lock:
            self._frames[number] = data
            while len(self._frames) > self.capacity:
                self._frames.popitem(last=False)
        return data

    def __len__(self) -> int:
        return len(self._frames)

    def _decode(self, number: int) -> bytes:
        # The container may outlast the picture by a frame or two: step back until one decodes.
        for candidate in range(number, max(-1, number - 4), -1):
            at = candidate / self.fps + 1e-3
            data = run_ffmpeg(["-ss", f"{at:.4f}", "-i", str(self.path), "-map", "0:v:0",
                               "-frames:v", "1", "-f", "image2pipe", "-c:v", "mjpeg",
                               "-q:v", str(self.quality), "-pix_fmt", "yuvj420p", "pipe:"],
                              what=str(self.path))
            if data.startswith(_JPEG_START):
                return data
        raise MediaError(f"ffmpeg decoded no frame at t={number / self.fps:.3f} s",
                         where=str(self.path))
