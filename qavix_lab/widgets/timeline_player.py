"""TimelinePlayer: play a video or audio with its timeline of sentences, and walk its QA problems.

Lanes per speaker, the source above its translation; QA findings marked on their sentences and
listed below. Click a sentence (or a problem) to play that sentence, from its start to its end;
the playhead follows playback; keys (click the widget first): space plays/pauses (on through
the timeline), left/right play the previous/next sentence. Wheel over the lanes zooms, a click
on the overview bar (problems ticked on it) jumps there.

The media is streamed from the kernel in 1 MiB binary messages when the view asks for it, and
played from a blob in the browser: it never enters the widget state, so a saved notebook stays
small and no path or URL reaches the page. Exported to HTML (no kernel), the output shows a
static picture of the lanes with the problems marked instead.

>>> TimelinePlayer(translated, "dub.mp4", qa=qa(translated))      # doctest: +SKIP
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from ..errors import MediaError, ValidationError

if TYPE_CHECKING:
    import pandas as pd

    from ..transcripts import Timeline

__all__ = ["TimelinePlayer"]

CHUNK = 1 << 20  # bytes per media message
MAX_MEDIA = 1 << 30  # a browser holds the whole blob: past 1 GiB, cut an excerpt first
_MIME = {
    ".mp4": ("video", "video/mp4"), ".m4v": ("video", "video/mp4"),
    ".mov": ("video", "video/mp4"), ".webm": ("video", "video/webm"),
    ".mp3": ("audio", "audio/mpeg"), ".m4a": ("audio", "audio/mp4"),
    ".aac": ("audio", "audio/aac"), ".wav": ("audio", "audio/wav"),
    ".ogg": ("audio", "audio/ogg"), ".opus": ("audio", "audio/ogg"),
    ".flac": ("audio", "audio/flac"),
}
_SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        import pandas as pd

        if value is pd.NA:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return str(value)


def sentence_rows(timeline: Timeline, translation: Timeline | None = None) -> list[dict[str, Any]]:
    """The sentences as the view draws them: i, start, end, speaker, text, translation."""
    s = timeline.sentences
    own = s["translation"] if "translation" in s else None
    theirs = None
    if translation is not None:
        theirs = timeline.with_translations(translation).sentences["translation"]
    rows = []
    for i, (start, end, speaker, text) in enumerate(zip(
            s["start"].to_numpy(float), s["end"].to_numpy(float), s["speaker"], s["text"],
            strict=True)):
        translated = theirs.iloc[i] if theirs is not None else (
            own.iloc[i] if own is not None else None)
        rows.append({"i": i, "start": round(float(start), 3), "end": round(float(end), 3),
                     "speaker": _text(speaker) or "?", "text": _text(text) or "",
                     "translation": _text(translated)})
    return rows


def problem_rows(findings: pd.DataFrame | None, sentences: int) -> list[dict[str, Any]]:
    """QA findings as the view lists them, most severe first within a sentence."""
    if findings is None or len(findings) == 0:
        return []
    missing = [c for c in ("sentence", "check", "severity", "message") if c not in findings]
    if missing:
        raise ValidationError(f"the QA table lacks {', '.join(missing)}; pass the DataFrame "
                              "that transcripts.qa() returns", where="TimelinePlayer(qa)")
    rows = []
    for row in findings.to_dict("records"):
        i = row["sentence"]
        if i is None or _text(i) is None or not 0 <= int(i) < sentences:
            raise ValidationError(f"a finding names sentence {i!r}, but the timeline has "
                                  f"{sentences}: was the QA run on another timeline?",
                                  where="TimelinePlayer(qa)")
        rows.append({"sentence": int(i), "check": str(row["check"]),
                     "severity": str(row["severity"]), "message": str(row["message"])})
    rows.sort(key=lambda r: (r["sentence"], -_SEVERITY_RANK.get(str(r["severity"]), 0)))
    return rows


def _media(path: str | Path) -> tuple[Path, str, str, int]:
    where = "TimelinePlayer(media)"
    if isinstance(path, str) and path.startswith(("http://", "https://")):
        raise ValidationError("give a local file (download it first: task.download()); the "
                              "player streams it from the kernel", where=where)
    media = Path(path)
    if not media.is_file():
        raise MediaError(f"no such file: {media}", where=where)
    kind_mime = _MIME.get(media.suffix.lower())
    if kind_mime is None:
        raise MediaError(f"{media.name}: a browser plays {', '.join(sorted(_MIME))}; convert it "
                         "first (e.g. media.excerpt or ffmpeg)", where=where)
    size = media.stat().st_size
    if size > MAX_MEDIA:
        raise MediaError(f"{media.name} is {size / 2**30:.1f} GiB; the browser holds the whole "
                         "file: cut an excerpt first", where=where)
    return media, kind_mime[0], kind_mime[1], size


def static_png(timeline: Timeline, translation: Timeline | None,
               problems: list[dict[str, Any]]) -> bytes:
    """The timeline's lanes with each problem sentence shaded by its worst severity."""
    import io

    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from ..transcripts.plot import plot_timeline

    lanes = 2 * max(1, len(timeline.speakers))
    figure = Figure(figsize=(12, 1.2 + 0.55 * lanes), layout="constrained")
    ax = plot_timeline(timeline, ax=figure.add_subplot(), other=translation)
    colors = {"error": "#d62728", "warning": "#ff7f0e", "info": "#1f77b4"}
    worst: dict[int, str] = {}
    for p in problems:
        if _SEVERITY_RANK.get(p["severity"], 0) >= _SEVERITY_RANK.get(worst.get(p["sentence"],
                                                                                "info"), 0):
            worst[p["sentence"]] = p["severity"]
    s = timeline.sentences
    for i, severity in worst.items():
        ax.axvspan(float(s["start"].iloc[i]), max(float(s["end"].iloc[i]),
                                                  float(s["start"].iloc[i]) + 0.05),
                   color=colors.get(severity, "#7f7f7f"), alpha=0.18, lw=0)
    if worst:
        seen = sorted(set(worst.values()), key=lambda v: -_SEVERITY_RANK.get(v, 0))
        ax.legend(handles=[Patch(color=colors.get(v, "#7f7f7f"), alpha=0.4,
                                 label=f"QA {v}") for v in seen], loc="upper right",
                  bbox_to_anchor=(1.0, -0.14), ncol=len(seen), fontsize=9, frameon=False)
    ax.set_title(f"{len(s)} sentences, {len(problems)} QA problems (interactive player "
                 "needs a live kernel)", fontsize=10, loc="left")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


class TimelinePlayer(anywidget.AnyWidget):
    """A video or audio player driven by a :class:`~qavix_lab.transcripts.Timeline`."""

    _esm = Path(__file__).with_name("timeline_player.js")
    _css = Path(__file__).with_name("timeline_player.css")

    sentences = traitlets.List(traitlets.Dict(), help="i, start, end, speaker, text, "
                               "translation (seconds)").tag(sync=True)
    problems = traitlets.List(traitlets.Dict(), help="QA findings: sentence, check, "
                              "severity, message").tag(sync=True)
    duration = traitlets.Float(0.0, help="seconds shown on the time axis").tag(sync=True)
    fps = traitlets.Float(0.0, help="the video's frame rate (0: unknown)").tag(sync=True)
    window = traitlets.Float(30.0, help="seconds shown in the lanes at once").tag(sync=True)
    media_kind = traitlets.Unicode("", help="video, audio or '' (no media)").tag(sync=True)
    media_mime = traitlets.Unicode("").tag(sync=True)
    media_size = traitlets.Int(0, help="bytes the view fetches from the kernel").tag(sync=True)
    current_time = traitlets.Float(0.0, help="the playhead, in seconds (from the view)").tag(
        sync=True)
    current_sentence = traitlets.Int(-1, help="the sentence under the playhead").tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    last_seek = traitlets.Float(-1.0, help="where the last seek landed (seconds)").tag(sync=True)

    def __init__(self, timeline: Timeline, media: str | Path | None = None, *,
                 qa: pd.DataFrame | None = None, translation: Timeline | None = None,
                 fps: float | None = None, window: float = 30.0, **kwargs: Any) -> None:
        """``timeline``: the sentences (source, or a translation with ``source_text``);
        ``media``: a local video or audio file; ``qa``: findings of ``transcripts.qa``;
        ``translation``: a second timeline whose text goes in the lane under each speaker;
        ``fps``: read from the video when not given; ``window``: seconds in view."""
        if not hasattr(timeline, "sentences"):
            raise ValidationError(f"expected a Timeline, got {type(timeline).__name__}",
                                  where="TimelinePlayer(timeline)")
        if window <= 0 or not math.isfinite(window):
            raise ValidationError(f"window must be a positive number of seconds, not {window}",
                                  where="TimelinePlayer(window)")
        self._timeline, self._findings, self._translation = timeline, qa, translation
        self._path: Path | None = None
        settings: dict[str, Any] = {}
        if media is not None:
            self._path, kind, mime, size = _media(media)
            settings.update(media_kind=kind, media_mime=mime, media_size=size)
            fps = fps if fps is not None else self._probe_fps(kind)
        rows = sentence_rows(timeline, translation)
        end = max([r["end"] for r in rows] + [0.0])
        super().__init__(sentences=rows, problems=problem_rows(qa, len(rows)),
                         duration=max(end, self._media_duration()), fps=float(fps or 0.0),
                         window=float(window), **settings, **kwargs)
        self.on_msg(self._answer)

    def _probe_fps(self, kind: str) -> float:
        if kind != "video" or self._path is None:
            return 0.0
        from .. import media

        info = media.probe(self._path)
        self._probed_duration = float(info.duration or 0.0)
        return float(info.fps or 0.0)

    def _media_duration(self) -> float:
        return float(getattr(self, "_probed_duration", 0.0))

    def _answer(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        """The view asks for the media chunk by chunk; each answer carries one binary buffer."""
        if content.get("type") != "chunk" or self._path is None:
            return
        offset = int(content.get("offset", 0))
        with self._path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read(CHUNK)
        self.send({"type": "chunk", "view": content.get("view"), "offset": offset,
                   "size": self.media_size, "last": offset + len(data) >= self.media_size},
                  buffers=[data])

    # --- driving the view from Python ------------------------------------------------------
    def seek(self, seconds: float, play: bool = False) -> None:
        """Move the playhead to ``seconds`` (and play on from there)."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValidationError(f"seconds must be a time >= 0, not {seconds}",
                                  where="TimelinePlayer.seek")
        self.send({"type": "seek", "time": float(seconds), "play": bool(play)})

    def play_sentence(self, i: int) -> None:
        """Play sentence ``i`` (a row of ``timeline.sentences``) from its start to its end."""
        if not 0 <= i < len(self.sentences):
            raise ValidationError(f"no sentence {i}: the timeline has {len(self.sentences)}",
                                  where="TimelinePlayer.play_sentence")
        row = self.sentences[i]
        self.send({"type": "seek", "time": row["start"], "play": True, "until": row["end"]})

    def pause(self) -> None:
        self.send({"type": "pause"})

    # --- static view for export -------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[Any, Any], dict[Any, Any]] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle
        data["image/png"] = self.static_png()  # what nbconvert shows without widget state
        return data, metadata

    def static_png(self) -> bytes:
        """The lanes with the QA problems marked, as PNG (what an exported notebook shows)."""
        return static_png(self._timeline, self._translation, self.problems)

    def __repr__(self) -> str:
        media = f", {self.media_kind} {self._path.name}" if self._path is not None else ""
        return (f"TimelinePlayer({len(self.sentences)} sentences, {len(self.problems)} "
                f"problems{media})")
