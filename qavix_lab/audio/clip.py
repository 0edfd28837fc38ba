"""``Audio``: decoded samples with a name; plays in Jupyter, encodes to wav/mp3/ogg/..."""

from __future__ import annotations

import base64
import functools
import html
import io
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AudioError, MediaError
from ..media.ffmpeg import run_ffmpeg


@dataclass(frozen=True, eq=False)
class Audio:
    """Float32 samples shaped ``(frames, channels)`` in [-1, 1], their rate, a name, a source path.

    >>> Audio(np.zeros(16000), 16000, name="silence").duration
    1.0
    """

    samples: np.ndarray
    sample_rate: int
    name: str = "audio"
    path: Path | None = None

    def __post_init__(self) -> None:
        samples = np.asarray(self.samples, dtype=np.float32)
        if samples.ndim == 1:
            samples = samples[:, None]
        if samples.ndim != 2 or samples.shape[1] == 0:
            raise AudioError(f"samples must be 1-D or (frames, channels), got shape "
                             f"{samples.shape}", where=self.name)
        if not np.isfinite(samples).all():
            raise AudioError("samples contain NaN or infinity", where=self.name)
        if int(self.sample_rate) <= 0:
            raise AudioError(f"sample rate must be positive, got {self.sample_rate}",
                             where=self.name)
        object.__setattr__(self, "samples", np.ascontiguousarray(samples))
        object.__setattr__(self, "sample_rate", int(self.sample_rate))

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.samples.shape[0] / self.sample_rate

    @property
    def channels(self) -> int:
        return self.samples.shape[1]

    @functools.cached_property
    def mono(self) -> np.ndarray:
        """The channels averaged into one 1-D float32 array."""
        if self.channels == 1:
            return self.samples[:, 0]
        # a matrix-vector product: numpy's mean over a short axis is ten times slower
        return self.samples @ np.full(self.channels, 1 / self.channels, np.float32)

    def gained(self, db: float) -> Audio:
        """A copy louder by ``db`` decibels (negative: quieter); may exceed 1 (clips on export)."""
        factor = np.float32(10 ** (db / 20))
        return Audio(self.samples * factor, self.sample_rate, name=self.name)

    def _pcm16(self) -> bytes:
        return (np.clip(self.samples, -1.0, 1.0) * 32767).round().astype("<i2").tobytes()

    def to_wav_bytes(self) -> bytes:
        """16-bit PCM WAV (samples outside [-1, 1] are clipped)."""
        buf = io.BytesIO()
        with wave.open(buf, "wb") as out:
            out.setnchannels(self.channels)
            out.setsampwidth(2)
            out.setframerate(self.sample_rate)
            out.writeframes(self._pcm16())
        return buf.getvalue()

    def encode(self, fmt: str = "wav") -> bytes:
        """Encoded bytes in ``fmt`` ("wav", "mp3", "ogg", "flac", "opus", "m4a", ...) via ffmpeg."""
        fmt = fmt.lower().lstrip(".")
        if fmt == "wav":
            return self.to_wav_bytes()
        with tempfile.TemporaryDirectory(prefix="qavix-audio-") as tmp:
            src, dst = Path(tmp, "in.wav"), Path(tmp, f"out.{fmt}")
            src.write_bytes(self.to_wav_bytes())
            try:
                run_ffmpeg(["-i", str(src), "-map_metadata", "-1", str(dst)],
                           what=f"encoding {self.name} as {fmt}")
            except MediaError as exc:  # an unknown or unsupported format
                raise AudioError(f"cannot encode as {fmt!r}: {exc.message}",
                                 where=self.name) from exc
            return dst.read_bytes()

    def export(self, path: str | Path, fmt: str | None = None) -> Path:
        """Write to ``path``; the format follows its suffix unless ``fmt`` is given."""
        path = Path(path)
        fmt = fmt or path.suffix or "wav"
        path.write_bytes(self.encode(fmt))
        return path

    def to_segment(self) -> Any:
        """A pydub ``AudioSegment`` (16-bit) of the same sound."""
        from .load import pydub_audio_segment

        return pydub_audio_segment()(data=self._pcm16(), sample_width=2,
                                     frame_rate=self.sample_rate, channels=self.channels)

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.to_wav_bytes()).decode("ascii")
        return (f"<figure style='margin:0'><figcaption>{html.escape(self.name)} · "
                f"{self.duration:.2f} s · {self.sample_rate} Hz · {self.channels} ch</figcaption>"
                f"<audio controls preload='none' src='data:audio/wav;base64,{data}'></audio>"
                "</figure>")

    def __repr__(self) -> str:
        return (f"Audio({self.name!r}, {self.duration:.2f} s, {self.sample_rate} Hz, "
                f"{self.channels} ch)")
