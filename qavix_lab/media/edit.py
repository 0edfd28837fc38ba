"""Small video edits for trying and reviewing tasks: an excerpt to test cheaply, before and after
side by side, the original and the dub heard together, subtitles burned on a preview.

>>> short = excerpt("talk.mp4", 60, 80)                 # 20 s to translate before paying for all
>>> side_by_side("talk.mp4", "talk_erased.mp4")          # one picture, two panels
>>> stack_audio("talk.mp4", "talk_fr.mp4")               # original left ear, dub right ear
>>> subtitle_preview("talk.mp4", translated, 0, 20)      # a Timeline or an .srt file, burned in

Each returns the path of an MP4 (H.264 + AAC, plays in browsers and in ``IPython.display.Video``),
written to ``out`` or, by default, to a file named after the input in the temporary folder.

The excerpt is one ffmpeg command: cutting needs no frame in Python, and ffmpeg seeks exactly and
keeps the file upload-ready. The other three compose pictures, text and sound, which is what
moviepy is for (imported only when they are called). Bad input raises ``ValidationError`` (times,
options) or ``MediaError`` (missing, corrupt or unsuitable files), naming the file.
"""

from __future__ import annotations

import math
import numbers
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from ..errors import MediaError, QavixError, ValidationError
from . import MediaInfo, probe
from .ffmpeg import run_ffmpeg

__all__ = ["excerpt", "side_by_side", "stack_audio", "subtitle_preview"]

PathLike = str | os.PathLike[str]
Cue = tuple[float, float, str]
# Browser-friendly output: yuv420p H.264, AAC, index at the front so playback starts at once.
_VIDEO_ARGS = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
               "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart"]


def excerpt(path: PathLike, start: float, end: float, out: PathLike | None = None) -> Path:
    """Seconds ``start`` to ``end`` of a video (or audio file) as a new file, cut exactly.

    Upload the excerpt instead of the whole video to try a translation or an erase cheaply.
    """
    info = probe(path)
    start, end = _span(info, start, end)
    # Video is re-encoded as MP4; audio alone keeps its container and ffmpeg's codec for it.
    suffix = ".mp4" if info.has_video else info.path.suffix
    dest = _destination(out, info.path, f"{start:g}-{end:g}s", suffix)
    codecs = _VIDEO_ARGS if info.has_video else []
    run_ffmpeg(["-ss", f"{start:.3f}", "-i", str(info.path), "-t", f"{end - start:.3f}",
                "-map", "0:v:0?", "-map", "0:a:0?", *codecs, str(dest)], what=str(info.path))
    return dest


def side_by_side(before: PathLike, after: PathLike, out: PathLike | None = None, *,
                 start: float = 0.0, end: float | None = None,
                 labels: tuple[str, str] = ("before", "after"), height: int | None = None,
                 audio: str = "after") -> Path:
    """Two videos in one picture, left and right, each labelled, scaled to the same ``height``
    (pixels; default the smaller of the two), from ``start`` to ``end`` seconds (default: until
    the shorter one ends). ``audio`` is ``"after"``, ``"before"`` or ``"none"``."""
    if audio not in ("before", "after", "none"):
        raise ValidationError(f"audio must be 'before', 'after' or 'none', not {audio!r}",
                              where="audio")
    infos = [_video_info(before), _video_info(after)]
    shorter = min(infos, key=lambda info: info.duration)
    start, end = _span(shorter, start, shorter.duration if end is None else end)
    target = _even(height if height is not None else min(i.height or 0 for i in infos))
    if target < 16:
        raise ValidationError(f"height must be at least 16 pixels, got {height}", where="height")
    from moviepy import CompositeVideoClip, clips_array

    with _clips() as opened:
        clips = [opened(info).without_audio().subclipped(start, end) for info in infos]
        clips = [clip if (clip.h, clip.w % 2) == (target, 0) else
                 clip.resized(new_size=(_even(clip.w * target / clip.h), target))
                 for clip in clips]
        duration = end - start
        row = clips_array([[clip.with_duration(duration) for clip in clips]])
        size = max(14, target // 18)
        texts = [_text(label, size=size, width=clip.w).with_position((x + 8, 6))
                 for label, clip, x in zip(labels, clips, (0, clips[0].w), strict=True)]
        picture = CompositeVideoClip([row, *texts], size=row.size).with_duration(duration)
        if audio != "none":
            source = opened(infos[0] if audio == "before" else infos[1])
            if source.audio is not None:
                picture = picture.with_audio(source.audio.subclipped(
                    start, min(end, source.audio.duration)))
        dest = _destination(out, infos[1].path, "side_by_side", ".mp4")
        return _write(picture, dest)


def stack_audio(original: PathLike, dub: PathLike, out: PathLike | None = None, *,
                mode: str = "split", original_gain_db: float = 0.0) -> Path:
    """The dub's picture with both soundtracks, to check a dub against its source by ear.

    ``mode="split"``: the original in the left channel and the dub in the right (use headphones);
    ``mode="mix"``: both in both channels. ``original_gain_db`` (dB) lowers or raises the
    original, e.g. -12 to keep it in the background. When the dub is audio only, the original's
    picture is used. It lasts as long as the picture.
    """
    if mode not in ("split", "mix"):
        raise ValidationError(f"mode must be 'split' or 'mix', not {mode!r}", where="mode")
    if not (isinstance(original_gain_db, numbers.Real) and math.isfinite(original_gain_db)):
        raise ValidationError(f"original_gain_db must be a number of dB, got {original_gain_db!r}",
                              where="original_gain_db")
    first, second = probe(original), probe(dub)
    for info in (first, second):
        if not info.has_audio:
            raise MediaError("it has no sound to stack", where=str(info.path))
    shown = second if second.has_video else first
    if not shown.has_video:
        raise MediaError("neither file has a picture", where=f"{first.path}, {second.path}")
    from moviepy import AudioFileClip, CompositeAudioClip
    from moviepy.audio.fx import MultiplyStereoVolume, MultiplyVolume

    with _clips() as opened:
        picture = opened(shown)
        gain = 10 ** (original_gain_db / 20)
        tracks = [AudioFileClip(str(first.path)), AudioFileClip(str(second.path))]
        opened.register(*tracks)
        if mode == "split":
            effects = [[MultiplyStereoVolume(left=gain, right=0)],
                       [MultiplyStereoVolume(left=0, right=1)]]
        else:
            effects = [[MultiplyVolume(gain)], []]
        sound = CompositeAudioClip([
            track.subclipped(0, min(track.duration, picture.duration)).with_effects(fx)
            for track, fx in zip(tracks, effects, strict=True)])
        dest = _destination(out, shown.path, f"stacked_{mode}", ".mp4")
        return _write(picture.with_audio(sound.with_duration(picture.duration)), dest)


def subtitle_preview(video: PathLike, subtitles: Any, start: float = 0.0,
                     end: float | None = None, out: PathLike | None = None, *,
                     position: str = "bottom", font_size: int | None = None) -> Path:
    """Seconds ``start`` to ``end`` (default: to the end) of ``video`` with ``subtitles`` burned in.

    ``subtitles`` is a :class:`~qavix_lab.transcripts.Timeline`, the path of an ``.srt`` file, or
    ``(start, end, text)`` rows in seconds of the whole video. ``position`` is ``"bottom"`` or
    ``"top"`` (above burned-in source subtitles); ``font_size`` in pixels (default 1/16 of the
    height).
    """
    if position not in ("top", "bottom"):
        raise ValidationError(f"position must be 'top' or 'bottom', not {position!r}",
                              where="position")
    info = _video_info(video)
    start, end = _span(info, start, info.duration if end is None else end)
    cues = [(max(a, start) - start, min(b, end) - start, text)
            for a, b, text in _cues(subtitles) if b > start and a < end and text.strip()]
    assert info.width is not None and info.height is not None
    size = font_size or max(12, info.height // 16)
    from moviepy import CompositeVideoClip

    with _clips() as opened:
        base = opened(info).subclipped(start, end)
        layers = [base]
        for a, b, text in cues:
            clip = _text(text, size=size, width=int(info.width * 0.9), caption=True)
            y = size // 2 if position == "top" else info.height - clip.h - size // 2
            layers.append(clip.with_start(a).with_duration(b - a).with_position(("center", y)))
        dest = _destination(out, info.path, f"subtitled_{start:g}-{end:g}s", ".mp4")
        return _write(CompositeVideoClip(layers, size=base.size).with_duration(end - start), dest)


# --- helpers ------------------------------------------------------------------------------------
def _span(info: MediaInfo, start: float, end: float) -> tuple[float, float]:
    for name, value in (("start", start), ("end", end)):
        if not (isinstance(value, numbers.Real) and math.isfinite(value) and value >= 0):
            raise ValidationError(f"{name} must be a time in seconds >= 0, got {value!r}",
                                  where=name)
    if start >= end:
        raise ValidationError(f"start ({start:g} s) must be before end ({end:g} s)",
                              where=str(info.path))
    if info.duration > 0 and end > info.duration + 1e-3:
        raise ValidationError(f"end={end:g} s is beyond the end of the media "
                              f"(duration {info.duration:.3f} s)", where=str(info.path))
    return float(start), float(min(end, info.duration or end))


def _video_info(path: PathLike) -> MediaInfo:
    info = probe(path)
    if not info.has_video or not info.width or not info.height:
        raise MediaError("it has no video stream", where=str(info.path))
    return info


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _destination(out: PathLike | None, source: Path, tag: str, suffix: str) -> Path:
    if out is None:
        folder = Path(tempfile.gettempdir()) / "qavix_lab"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{source.stem}.{tag}{suffix}"
    dest = Path(out)
    if dest.is_dir():
        raise ValidationError("out is a folder; give a file name such as clip.mp4",
                              where=str(dest))
    dest.parent.mkdir(parents=True, exist_ok=True)
    return dest


def _cues(subtitles: Any) -> Iterator[Cue]:
    """(start, end, text) in seconds from a Timeline, an .srt file or rows."""
    import srt

    if hasattr(subtitles, "to_srt"):
        text, where = subtitles.to_srt(), "the timeline's subtitles"
    elif isinstance(subtitles, str | os.PathLike):
        where = str(subtitles)
        if not Path(subtitles).is_file():
            raise MediaError("no such subtitle file", where=where)
        text = Path(subtitles).read_text(encoding="utf-8-sig")
    else:
        yield from _rows(subtitles)
        return
    try:
        for cue in srt.parse(text):
            yield cue.start.total_seconds(), cue.end.total_seconds(), cue.content
    except srt.SRTParseError as exc:
        raise MediaError(f"not valid SRT: {exc}", where=where) from exc


def _rows(rows: Iterable[Any]) -> Iterator[Cue]:
    try:
        for number, (a, b, text) in enumerate(rows):
            if not (isinstance(a, numbers.Real) and isinstance(b, numbers.Real) and a < b):
                raise ValidationError(f"row {number}: start and end must be seconds with "
                                      f"start < end, got {a!r}, {b!r}", where="subtitles")
            yield float(a), float(b), str(text)
    except (TypeError, ValueError) as exc:
        raise ValidationError("subtitles must be a Timeline, an .srt path or (start, end, text) "
                              f"rows: {exc}", where="subtitles") from exc


def _text(text: str, *, size: int, width: int, caption: bool = False) -> Any:
    """White text with a dark outline, readable on any picture (DejaVu Sans from matplotlib).
    A caption wraps to ``width`` on a dark box, which hides subtitles burned in beneath it."""
    from matplotlib import font_manager
    from moviepy import TextClip

    font = font_manager.findfont("DejaVu Sans:bold")
    options: dict[str, Any] = {"method": "caption", "size": (width, None), "bg_color": "#101010",
                               "text_align": "center"} if caption else {}
    return TextClip(font=font, text=text, font_size=size, color="white", stroke_color="black",
                    stroke_width=max(1, size // 12), margin=(4, 4), **options)


class _Opened:
    """Opens moviepy clips for the files probed; every one is closed (its ffmpeg reader) at the
    end of the ``with _clips()`` block."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack

    def __call__(self, info: MediaInfo) -> Any:
        from moviepy import VideoFileClip

        try:
            clip = VideoFileClip(str(info.path))
        except (OSError, KeyError, IndexError) as exc:
            raise MediaError(f"moviepy cannot read it: {exc}", where=str(info.path)) from exc
        self.register(clip)
        return clip

    def register(self, *clips: Any) -> None:
        for clip in clips:
            self._stack.callback(clip.close)


@contextmanager
def _clips() -> Iterator[_Opened]:
    with ExitStack() as stack:
        yield _Opened(stack)


def _write(clip: Any, dest: Path) -> Path:
    # moviepy writes its temporary audio beside the output, not in the working folder
    try:
        clip.write_videofile(str(dest), codec="libx264", audio_codec="aac", preset="veryfast",
                             ffmpeg_params=["-pix_fmt", "yuv420p", "-movflags", "+faststart"],
                             temp_audiofile_path=str(dest.parent), logger=None)
    except QavixError:
        raise
    except (OSError, ValueError, RuntimeError) as exc:
        raise MediaError(f"writing the video failed: {exc}", where=str(dest)) from exc
    return dest
