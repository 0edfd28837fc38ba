"""Subtitles: SRT (with the ``srt`` library), WebVTT and bilingual SRT out of a timeline; the
task's SRT back in, and its timing compared with the transcript."""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import TranscriptFormatError
from .draft import MAX_MS, Draft
from .intervals import best_overlap
from .profiles import profile_for
from .records import TranscriptWarning
from .script import break_lines, join_words

if TYPE_CHECKING:
    from .timeline import Timeline


def cue_texts(timeline: Timeline, max_chars: int | None = None,
              bilingual: bool = False) -> list[str]:
    """Each sentence's subtitle text, broken into lines; with ``bilingual`` the translation
    (or, on a translated timeline, the source text) follows on lines of its own."""
    s = timeline.sentences
    texts = _broken(s["text"], max_chars, timeline.lang)
    if not bilingual:
        return texts
    other = s["translation"]
    if "source_text" in s and not other.notna().any():
        other = s["source_text"]
    below = _broken(other, max_chars, None)
    return ["\n".join(filter(None, pair)) for pair in zip(texts, below, strict=True)]


def _broken(texts: pd.Series, max_chars: int | None, lang: str | None) -> list[str]:
    profile = profile_for(None, lang, texts)
    limit = max_chars or profile.max_chars_per_line
    return ["\n".join(break_lines(t, limit, profile.wide)) if t else ""
            for t in texts.to_numpy(dtype=object, na_value=None)]


# A zero-length cue (an intermediate result caught at one instant) lasts this long in SRT, where
# a cue must end after it starts (players and the ``srt`` library drop the others): one frame
# at 25 fps.
INSTANT_CUE = 0.04


def to_srt(timeline: Timeline, max_chars: int | None = None, bilingual: bool = False,
           instant: float = INSTANT_CUE) -> str:
    """SubRip text of the timeline. Zero-length cues are kept, lasting ``instant`` seconds
    (a :class:`TranscriptWarning` says how many). Times that SubRip cannot hold (negative,
    not finite, reversed, beyond a week) raise :class:`TranscriptFormatError` naming the row."""
    import srt

    start, end = _checked_times(timeline)
    instants = np.flatnonzero(end <= start)
    if len(instants):
        end = end.copy()
        end[instants] = start[instants] + max(float(instant), 0.001)
        warnings.warn(f"{len(instants)} zero-length cue(s) (the first at {start[instants[0]]:.3f}"
                      f" s) last {max(float(instant), 0.001):g} s in SRT, where a cue must end "
                      "after it starts", TranscriptWarning, stacklevel=3)
    cues = [srt.Subtitle(i + 1, _delta(a), _delta(b), text)
            for i, (a, b, text) in enumerate(zip(start.tolist(), end.tolist(),
                                                 cue_texts(timeline, max_chars, bilingual),
                                                 strict=True))]
    return srt.compose(cues)


def to_vtt(timeline: Timeline, max_chars: int | None = None) -> str:
    """WebVTT text of the timeline (zero-length cues are valid WebVTT and stay so)."""
    start, end = _checked_times(timeline)
    cues = [f"{i + 1}\n{_vtt_time(a)} --> {_vtt_time(b)}\n{_vtt_escape(text)}\n"
            for i, (a, b, text) in enumerate(zip(start.tolist(), end.tolist(),
                                                 cue_texts(timeline, max_chars),
                                                 strict=True))]
    return "\n".join(["WEBVTT\n", *cues])


def _checked_times(timeline: Timeline) -> tuple[np.ndarray, np.ndarray]:
    """Start and end seconds, each a time a subtitle file can hold, else a typed error."""
    s = timeline.sentences
    start = pd.to_numeric(s["start"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    end = pd.to_numeric(s["end"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~((start >= 0) & (end >= start) & (end * 1000 <= MAX_MS))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise TranscriptFormatError(
            f"a subtitle needs 0 <= start <= end <= one week, found start "
            f"{float(start[i])!r} s and end {float(end[i])!r} s", where=f"sentences row {i}")
    return start, end


def _delta(seconds: float) -> timedelta:
    return timedelta(milliseconds=round(seconds * 1000))


def _vtt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def read_srt(path_or_text: str | Path | bytes, lang: str | None = None) -> Timeline:
    """A timeline from SubRip: a path, the file's text, or its bytes. A cue's lines are joined
    back into one sentence; ``segment_id`` is the cue number.

    >>> compare_timing(source, read_srt("task.srt"))   # doctest: +SKIP
    """
    import srt

    text, where = _srt_text(path_or_text)
    try:
        cues = list(srt.parse(text))
    except srt.SRTParseError as exc:
        line = text[:exc.expected_start].count("\n") + 1
        raise TranscriptFormatError(f"not valid SubRip near line {line}: "
                                    f"{exc.unmatched_content[:60]!r}", where=where) from None
    if not cues:
        raise TranscriptFormatError("no subtitles found", where=where)
    draft = Draft(
        segment_id=[str(c.index) for c in cues],
        start_ms=np.array([c.start.total_seconds() * 1000 for c in cues]),
        end_ms=np.array([c.end.total_seconds() * 1000 for c in cues]),
        speaker=["0"] * len(cues),
        text=[join_words(c.content.splitlines()) for c in cues],
        translation=[None] * len(cues),
        score=np.full(len(cues), np.nan),
    )
    return draft.timeline(where, lang=lang)


def _srt_text(source: str | Path | bytes) -> tuple[str, str]:
    if isinstance(source, bytes | bytearray):
        return _decoded(bytes(source), "the SRT bytes"), "the SRT bytes"
    if isinstance(source, str) and "-->" in source:
        return source, "the SRT text"
    path = Path(source)
    try:
        return _decoded(path.read_bytes(), str(path)), str(path)
    except OSError as exc:
        raise TranscriptFormatError(f"cannot read the SRT file: {exc.strerror}",
                                    where=str(path)) from None


def _decoded(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptFormatError(f"not UTF-8 text (byte {exc.start})", where=where) from None


def compare_timing(timeline: Timeline, srt_timeline: Timeline) -> pd.DataFrame:
    """Each subtitle cue next to the transcript sentence it overlaps most: cue, sentence (rows;
    <NA> when unmatched), both times, start_shift/end_shift (cue minus sentence, seconds),
    overlap (share of the cue the sentence covers) and both texts. Sentences no cue matched
    are listed too (cue <NA>), so a dropped or invented subtitle shows."""
    cues, sents = srt_timeline.sentences, timeline.sentences
    c_start, c_end = cues["start"].to_numpy(float), cues["end"].to_numpy(float)
    s_start, s_end = sents["start"].to_numpy(float), sents["end"].to_numpy(float)
    match = best_overlap(c_start, c_end, s_start, s_end)
    unmatched = np.setdiff1d(np.arange(len(sents)), match)
    cue = np.r_[np.arange(len(cues)), np.full(len(unmatched), -1)]
    sentence = np.r_[match, unmatched]
    frame = pd.DataFrame({
        "cue": _rows(cue), "sentence": _rows(sentence),
        "cue_start": _at(c_start, cue), "cue_end": _at(c_end, cue),
        "start": _at(s_start, sentence), "end": _at(s_end, sentence),
    })
    frame["start_shift"] = frame["cue_start"] - frame["start"]
    frame["end_shift"] = frame["cue_end"] - frame["end"]
    shared = np.minimum(frame["cue_end"], frame["end"]) - np.maximum(frame["cue_start"],
                                                                      frame["start"])
    frame["overlap"] = shared / (frame["cue_end"] - frame["cue_start"])
    frame["cue_text"] = _texts(cues["text"], cue)
    frame["text"] = _texts(sents["text"], sentence)
    order = np.argsort(frame["cue_start"].fillna(frame["start"]).to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def _rows(index: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.array([i if i >= 0 else None for i in index.tolist()], dtype="Int64")


def _at(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    return np.where(index >= 0, values[np.maximum(index, 0)] if len(values) else np.nan, np.nan)


def _texts(texts: pd.Series, index: np.ndarray) -> pd.arrays.StringArray:
    values = texts.to_numpy(dtype=object, na_value=None)
    picked = [values[i] if i >= 0 else None for i in index.tolist()]
    return pd.array(picked, dtype="string")
