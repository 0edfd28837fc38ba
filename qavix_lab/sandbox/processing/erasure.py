"""The erasure task: subtitles and logos blurred or ``delogo``-ed out of a video."""

from __future__ import annotations

import shutil
from pathlib import Path

from ...errors import ValidationError
from .boxes import automatic_areas, erase_graph, pixel_boxes
from .encode import H264, Progress, encode, report_progress, video_info


def erase(video: str | Path, dst: str | Path, *, areas: list[dict] | None, mode: int,
          erase_type: int | None, progress: Progress = None) -> None:
    """Erase subtitles/logos: blur text boxes (type 2), ``delogo`` logo boxes (type 1).

    ``mode``: -2 copies the video; 1 erases the automatic boxes for ``erase_type`` (1 subtitles:
    the bottom 15% band, 2 watermark: a top-right corner box, 3 or None: both); 2 erases
    ``areas``; 3 erases the automatic boxes but keeps the pixels of ``areas`` (protected).
    Audio is copied; pixels outside the erased boxes keep their values (up to re-encoding).
    """
    info = video_info(video)
    if mode == -2:
        shutil.copyfile(video, dst)
        report_progress(progress, 1.0)
        return
    if mode not in (1, 2, 3):
        raise ValidationError(f"eraseMode must be -2, 1, 2 or 3, got {mode!r}", where="eraseMode")
    if mode == 2 and not areas:
        raise ValidationError("manual erasure (eraseMode 2) needs areas", where="areas")
    given = pixel_boxes(areas or [], info)
    erased = given if mode == 2 else pixel_boxes(automatic_areas(info, erase_type), info)
    graph = erase_graph(erased, [box for box, _ in given] if mode == 3 else [], info)
    encode(["-i", str(video), "-filter_complex", graph, "-map", "[out]", "-map", "0:a?",
            *H264, "-c:a", "copy", str(dst)], info, progress, what=f"erase {video}")
