"""The ffmpeg binary that imageio-ffmpeg ships, so no system ffmpeg is needed."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Sequence

from ..errors import MediaError


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the bundled ffmpeg (``IMAGEIO_FFMPEG_EXE`` overrides it)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(args: Sequence[str], *, what: str, timeout: float = 600) -> bytes:
    """Run ``ffmpeg -hide_banner -loglevel error -y ARGS``; raise MediaError naming ``what``."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"ffmpeg timed out after {timeout:.0f}s", where=what) from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        tail = "; ".join(err[-3:]) or f"exit code {proc.returncode}"
        raise MediaError(f"ffmpeg failed: {tail}", where=what)
    return proc.stdout
