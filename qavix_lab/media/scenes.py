"""Shot changes of a video, from ffmpeg's scene score (the ``select`` filter's ``scene``), with the
ffmpeg that imageio-ffmpeg bundles.

The score of a frame (0-1) says how different it is from the one before; a cut scores high. The
video is shrunk to a thumbnail before scoring: a cut changes the whole picture, so the thumbnail
shows it as well, and decoding stays the only real cost.

>>> cuts = shot_changes("datasets/media/sample.mp4")     # doctest: +SKIP
>>> cuts[["time", "frame", "score"]].head()               # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import MediaError, ValidationError
from . import probe
from .ffmpeg import run_ffmpeg

__all__ = ["shot_changes", "DEFAULT_THRESHOLD"]

# A scene score above this is a cut. ffmpeg's documentation suggests 0.3-0.5; 0.3 finds hard cuts
# between unlike shots and ignores motion within a shot.
DEFAULT_THRESHOLD = 0.3
_THUMB_WIDTH = 160
_FRAME = re.compile(rb"pts_time:(?P<t>[-\d.e+]+)")
_SCORE = re.compile(rb"lavfi\.scene_score=(?P<s>[\d.e+-]+)")


def shot_changes(video: str | os.PathLike[str], threshold: float = DEFAULT_THRESHOLD, *,
                 fps: float | None = None, threads: int = 2) -> pd.DataFrame:
    """Cuts in ``video``: ``time`` (s, the first frame of the new shot), ``frame`` (its number
    at ``fps``, read from the video when not given) and ``score`` (0-1), in time order.

    Raises ValidationError for a threshold outside (0, 1), MediaError when the file has no
    video or ffmpeg cannot read it.
    """
    if not 0 < threshold < 1:
        raise ValidationError(f"threshold must be between 0 and 1, not {threshold!r}",
                              where="shot_changes(threshold)")
    path = Path(video)
    info = probe(path)
    if not info.has_video:
        raise MediaError("no video stream: shot changes need pictures", where=str(path))
    rate = float(fps or info.fps or 0)
    if not rate > 0:
        raise MediaError("the frame rate is unknown: pass fps=", where=str(path))
    # metadata=print writes one block per selected frame to stdout: "frame:N pts:P
    # pts_time:T" then "lavfi.scene_score=S".
    graph = (f"scale={_THUMB_WIDTH}:-2:flags=fast_bilinear,"
             f"select='gt(scene\\,{threshold:g})',metadata=print:file=-")
    out = run_ffmpeg(["-threads", str(max(1, threads)), "-i", str(path), "-map", "0:v:0",
                      "-an", "-sn", "-dn", "-vf", graph, "-f", "null", "-"],
                     what=f"shot changes of {path}", timeout=3600)
    times = np.array([float(m["t"]) for m in _FRAME.finditer(out)], dtype=np.float64)
    scores = np.array([float(m["s"]) for m in _SCORE.finditer(out)], dtype=np.float64)
    if len(times) != len(scores):
        raise MediaError("could not read ffmpeg's scene scores", where=str(path))
    frame = np.rint(times * rate).astype(np.int64)
    found = pd.DataFrame({"time": frame / rate, "frame": frame, "score": scores})
    found.attrs.update(fps=rate, duration=info.duration, threshold=threshold)
    return found
