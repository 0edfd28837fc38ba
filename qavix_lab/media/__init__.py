"""Probe audio/video files and grab still frames, with the ffmpeg that imageio-ffmpeg bundles.

There is no ffprobe: :func:`probe` reads what ``ffmpeg -i FILE`` prints about the input.

>>> info = probe("datasets/media/sample.mp4")
>>> info.width, info.height, round(info.duration, 1), info.has_audio
(640, 360, 10.0, True)
>>> frame("datasets/media/sample.mp4", t=2.0)      # shows as an image; .array for numbers
Frame(width=640, height=360, t=2.0)

Edits for trying and reviewing tasks (``excerpt``, ``side_by_side``, ``stack_audio``,
``subtitle_preview``) live in :mod:`qavix_lab.media.edit` and are exported here.
"""

from __future__ import annotations

import functools
import io
import math
import numbers
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MediaError, ValidationError
from .ffmpeg import ffmpeg_exe, run_ffmpeg

__all__ = ["MediaInfo", "Frame", "probe", "frame", "excerpt", "side_by_side", "stack_audio",
           "subtitle_preview"]

# ffmpeg names demuxers, not file types: "mov,mp4,m4a,3gp,3g2,mj2" is an .mp4 unless the
# extension says otherwise.
_FORMAT_ALIASES = {"mov": "mp4", "matroska": "mkv", "png_pipe": "png", "jpeg_pipe": "jpg",
                   "webp_pipe": "webp", "bmp_pipe": "bmp", "gif_pipe": "gif"}
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"}
_NOISE = ("At least one output file", "Error opening input file", "Error opening input files")

_INPUT = re.compile(r"^Input #0, (?P<names>[^ ]+), from ", re.M)
_DURATION = re.compile(r"Duration: (?:(?P<h>\d+):(?P<m>\d+):(?P<s>[\d.]+)|N/A)")
_STREAM = re.compile(r"^\s*Stream #0:\d+.*?: (?P<kind>Video|Audio): (?P<codec>\w+)(?P<rest>.*)$",
                     re.M)
_SIZE = re.compile(r", (\d+)x(\d+)(?=[ ,\]]|$)")
_RATE = re.compile(r", ([\d.]+)(k?) (fps|tbr)")
_ROTATION = re.compile(r"rotation of (-?[\d.]+) degrees")
_LOG_PREFIX = re.compile(r"^\[[^\]]*\]\s*")


@dataclass(frozen=True)
class MediaInfo:
    """What ffmpeg knows about a media file. ``width``/``height`` are as displayed (rotation
    applied) and None without a video stream; ``duration`` is 0.0 when ffmpeg cannot tell
    (still images, raw streams)."""

    path: Path
    format: str
    size: int
    duration: float
    width: int | None
    height: int | None
    fps: float | None
    has_audio: bool
    has_video: bool
    video_codec: str | None
    audio_codec: str | None

    def as_request_fields(self) -> dict[str, Any]:
        """The Qavix request fields this file fills in: ``format, fileSize, duration, width,
        height`` (those known). ``client.videos.erase(url, **probe(p).as_request_fields())``"""
        fields = {"format": self.format, "fileSize": self.size,
                  "duration": round(self.duration, 3) if self.duration > 0 else None,
                  "width": self.width, "height": self.height}
        return {name: value for name, value in fields.items() if value is not None}


@dataclass(frozen=True, eq=False)
class Frame:
    """One RGB still: ``array`` is HxWx3 uint8 (read-only), ``t`` the time asked for (s).
    It shows itself as an image in a notebook."""

    array: np.ndarray = field(repr=False)
    width: int
    height: int
    t: float = 0.0

    @functools.cached_property
    def png(self) -> bytes:
        """The frame encoded as PNG (computed once)."""
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(self.array).save(buffer, format="PNG")
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Format, size, duration, dimensions, frame rate and streams of a media file.

    Raises MediaError for a missing file, or one ffmpeg cannot read (naming what ffmpeg said).
    """
    path = Path(path)
    _require_file(path)
    text = _ffmpeg_input_report(path)
    names = _INPUT.search(text)
    if names is None:
        raise MediaError(f"ffmpeg cannot read it: {_ffmpeg_complaint(text)}", where=str(path))
    streams = [m for m in _STREAM.finditer(text) if "(attached pic)" not in m["rest"]]
    video = next((m for m in streams if m["kind"] == "Video"), None)
    audio = next((m for m in streams if m["kind"] == "Audio"), None)
    if video is None and audio is None:
        raise MediaError("it has no audio or video stream", where=str(path))
    width, height = _video_size(video["rest"], text) if video else (None, None)
    return MediaInfo(
        path=path, format=_format_name(path, names["names"]), size=path.stat().st_size,
        duration=_duration(text), width=width, height=height,
        fps=_frame_rate(video["rest"]) if video else None,
        has_audio=audio is not None, has_video=video is not None,
        video_codec=video["codec"] if video else None,
        audio_codec=audio["codec"] if audio else None,
    )


def frame(source: str | os.PathLike[str] | bytes, t: float = 0.0) -> Frame:
    """The picture at ``t`` seconds of a video, or a still image (path or bytes; ``t`` is then
    ignored). ``frame("clip.mp4", 1.5).array[y, x]`` is an RGB pixel.

    Raises ValidationError when ``t`` is negative or beyond the duration, MediaError when the
    source cannot be decoded.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return _image_frame(io.BytesIO(bytes(source)), where="image bytes")
    path = Path(source)
    if path.suffix.lower() in _IMAGE_SUFFIXES:
        _require_file(path)
        return _image_frame(path, where=str(path))
    return _video_frame(path, t)


def _video_frame(path: Path, t: float) -> Frame:
    info = probe(path)
    if not info.has_video or info.width is None or info.height is None:
        raise MediaError("it has no video stream to take a frame from", where=str(path))
    if not (isinstance(t, numbers.Real) and math.isfinite(t) and t >= 0):
        raise ValidationError(f"t must be a time in seconds >= 0, got {t!r}", where="t")
    if info.duration > 0 and t > info.duration + 1e-3:
        raise ValidationError(
            f"t={t:g} s is beyond the end of the video (duration {info.duration:.3f} s)",
            where=str(path))
    # The last frame starts one frame before the end; seeking past it yields nothing.
    last = max(0.0, info.duration - 1.0 / (info.fps or 25.0)) if info.duration > 0 else t
    raw = run_ffmpeg(["-ss", f"{min(t, last):.3f}", "-i", str(path), "-map", "0:v:0",
                      "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:"],
                     what=str(path))
    shape = (info.height, info.width, 3)
    if len(raw) != math.prod(shape):
        raise MediaError(f"ffmpeg decoded no frame at t={t:g} s", where=str(path))
    array = np.frombuffer(raw, dtype=np.uint8).reshape(shape)
    return Frame(array=array, width=info.width, height=info.height, t=float(t))


def _image_frame(source: Path | io.BytesIO, *, where: str) -> Frame:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(source) as image:
            array = np.asarray(image.convert("RGB"))
    except UnidentifiedImageError as exc:
        raise MediaError("not an image in a format PIL can read", where=where) from exc
    except (OSError, ValueError) as exc:
        raise MediaError(f"the image is damaged: {exc}", where=where) from exc
    array.flags.writeable = False
    return Frame(array=array, width=array.shape[1], height=array.shape[0])


def _require_file(path: Path) -> None:
    if not path.exists():
        raise MediaError("no such file", where=str(path))
    if not path.is_file():
        raise MediaError("not a file (a directory?)", where=str(path))


def _ffmpeg_input_report(path: Path) -> str:
    """What ``ffmpeg -i`` prints about an input (it then exits non-zero: there is no output)."""
    try:
        proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
                              capture_output=True, timeout=60, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaError("ffmpeg took over 60 s to read the header", where=str(path)) from exc
    return proc.stderr.decode("utf-8", "replace")


def _ffmpeg_complaint(text: str) -> str:
    lines = [_LOG_PREFIX.sub("", line).strip() for line in text.splitlines()]
    said = [line for line in lines if line and not line.startswith(_NOISE)]
    return "; ".join(dict.fromkeys(said)) or "no reason given"


def _format_name(path: Path, demuxers: str) -> str:
    names = demuxers.split(",")
    suffix = path.suffix.lower().lstrip(".")
    if suffix in names:
        return suffix
    return _FORMAT_ALIASES.get(names[0], names[0])


def _duration(text: str) -> float:
    found = _DURATION.search(text)
    if found is None or found["h"] is None:
        return 0.0
    return int(found["h"]) * 3600 + int(found["m"]) * 60 + float(found["s"])


def _video_size(stream: str, text: str) -> tuple[int | None, int | None]:
    size = _SIZE.search(stream)
    if size is None:
        return None, None
    width, height = int(size[1]), int(size[2])
    rotation = _ROTATION.search(text)
    if rotation and round(abs(float(rotation[1]))) % 180 == 90:
        return height, width
    return width, height


def _frame_rate(stream: str) -> float | None:
    rates = {kind: float(value) * (1000 if k else 1) for value, k, kind in _RATE.findall(stream)}
    return rates.get("fps") or rates.get("tbr")


# Below the definitions: edit builds on probe.
from .edit import excerpt, side_by_side, stack_audio, subtitle_preview  # noqa: E402
