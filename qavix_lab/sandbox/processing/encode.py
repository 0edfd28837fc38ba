"""Running ffmpeg for a task: checking the input video and reporting how far the encode got."""

from __future__ import annotations

import concurrent.futures
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from ...errors import MediaError
from ...media import MediaInfo, probe
from ...media.ffmpeg import run_ffmpeg

Progress = Callable[[float], None] | None

H264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
        "-movflags", "+faststart"]


def video_info(video: str | Path) -> MediaInfo:
    info = probe(video)
    if not info.has_video or not info.width or not info.height:
        raise MediaError("it has no video stream", where=str(video))
    if info.duration <= 0:
        raise MediaError("ffmpeg cannot tell its duration (a still image or a raw stream?)",
                         where=str(video))
    return info


def encode(args: list[str], info: MediaInfo, progress: Progress, *, what: str) -> None:
    """Run ffmpeg; while it works, report the share of ``info.duration`` it has written."""
    if progress is None:
        run_ffmpeg(args, what=what)
        return
    with tempfile.TemporaryDirectory(prefix="qavix-progress-") as tmp:
        report = Path(tmp) / "progress.txt"
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            job = pool.submit(run_ffmpeg, ["-progress", str(report), *args], what=what)
            while not concurrent.futures.wait([job], timeout=0.25).done:
                progress(_written_share(report, info.duration))
            job.result()
    progress(1.0)


def _written_share(report: Path, duration: float) -> float:
    """How far ffmpeg's ``-progress`` report says it got, as a fraction of ``duration``."""
    try:
        times = re.findall(r"out_time_us=(\d+)", report.read_text())
    except OSError:
        return 0.0
    if not times or duration <= 0:
        return 0.0
    return min(0.99, int(times[-1]) / 1e6 / duration)


def part(progress: Progress, start: float, end: float) -> Progress:
    """A progress callback for one stage of a task, mapped into ``start..end``."""
    if progress is None:
        return None
    return lambda done: progress(start + (end - start) * done)


def report_progress(progress: Progress, done: float) -> None:
    if progress is not None:
        progress(done)
