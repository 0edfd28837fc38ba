"""The tasks that lay new media on a video (lip sync: an audio track; face swap: a face
image), and the cover still every task's result gets."""

from __future__ import annotations

from pathlib import Path

from ...errors import MediaError
from ...media import probe
from ...media.ffmpeg import run_ffmpeg
from .boxes import even
from .encode import H264, Progress, encode, report_progress, video_info


def cover(video: str | Path, dst_jpg: str | Path, *, progress: Progress = None) -> None:
    """Write a JPEG still of ``video`` (from 1 s in, or its middle if shorter)."""
    info = video_info(video)
    run_ffmpeg(["-ss", f"{min(1.0, info.duration / 2):.3f}", "-i", str(video), "-map", "0:v:0",
                "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2", "-update", "1",
                str(dst_jpg)], what=f"cover of {video}")
    report_progress(progress, 1.0)


def lipsync(video: str | Path, audio: str | Path, dst: str | Path, *,
            progress: Progress = None) -> None:
    """Put ``audio`` under ``video`` (picture copied), padded with silence or cut to the
    video's duration. The result carries the audio's tags (its script, if any)."""
    info = video_info(video)
    if not probe(audio).has_audio:
        raise MediaError("it has no audio stream", where=str(audio))
    encode(["-i", str(video), "-i", str(audio), "-map", "0:v:0", "-map", "1:a:0",
            "-map_metadata", "1", "-c:v", "copy", "-af", "apad", "-c:a", "aac", "-b:a", "128k",
            "-t", f"{info.duration:.3f}", str(dst)], info, progress, what=f"lip sync {video}")


def faceswap(video: str | Path, image: str | Path, dst: str | Path, *,
             progress: Progress = None) -> None:
    """Lay ``image`` (scaled to fit 30% x 40% of the frame) over the upper centre of every
    frame of ``video``; audio is copied."""
    info = video_info(video)
    if not probe(image).has_video:
        raise MediaError("it is not an image", where=str(image))
    width, height = info.width or 0, info.height or 0  # never 0: video_info checked them
    w, h = even(width * 0.3), even(height * 0.4)
    graph = (f"[1:v]scale={w}:{h}:force_original_aspect_ratio=decrease[face];"
             f"[0:v][face]overlay=x=(main_w-overlay_w)/2:y={even(height * 0.08)}[out]")
    encode(["-i", str(video), "-i", str(image), "-filter_complex", graph, "-map", "[out]",
            "-map", "0:a?", *H264, "-c:a", "copy", str(dst)], info, progress,
           what=f"face swap {video}")
