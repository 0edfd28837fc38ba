"""Frame-accurate subtitle timing: where each cue sits in frames of the video, what a checker
flags about it, and :func:`fix`, which corrects what can be corrected.

A cue's in-time and out-time are frame numbers at the video's rate (``fps``): ``in`` is the
first frame it shows on, ``out`` the first frame it no longer shows on, so it lasts ``out - in``
frames and the gap to the next cue is ``next.in - out`` frames. The rules (see ``profiles``):

- ``duration``: at least ``min_duration`` (5/6 s: 20 frames at 24 fps), at most ``max_duration``.
- ``overlap`` (error): the next cue starts before this one ends.
- ``gap`` (error): fewer than ``min_gap_frames`` (2) frames to the next cue: a flicker.
- ``chaining`` (warning): a gap under ``chain_window`` (12 frames at 24 fps) other than 2 frames:
  close it to 2.
- ``shot_change_in`` (warning): starts within ``snap_window`` of a shot change but not on it.
- ``shot_change_out``: ends 1 frame before a cut (error), or otherwise within the window of one
  but neither 2 frames before it nor on it (warning).
- ``sync_in`` / ``sync_out`` (warning; when the words' times are known): starts more than
  ``speech_lead_frames`` (3) from the first word; ends before the speech does, or more than
  ``speech_tail_frames`` (12) after it without being chained to the next cue or set by a cut.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ValidationError
from .intervals import best_overlap
from .profiles import Profile
from .script import line_count_fits, linguistic_split, reading_length, text_width

if TYPE_CHECKING:
    from .timeline import Timeline

TIMING_CHECKS = ["duration", "overlap", "gap", "chaining", "shot_change_in", "shot_change_out",
                 "sync_in", "sync_out"]
_NONE = np.iinfo(np.int64).min // 4  # "no such frame" (far from every real one)


@dataclass(frozen=True)
class Clock:
    """The video's frame rate and its shot changes (frame numbers, sorted)."""

    fps: float
    cuts: np.ndarray

    def frames(self, seconds: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(seconds, dtype=np.float64) * self.fps).astype(np.int64)

    def nearest_cut(self, frames: np.ndarray) -> np.ndarray:
        """For each frame, the nearest shot change (``_NONE`` when there are none)."""
        if not len(self.cuts):
            return np.full(len(frames), _NONE, dtype=np.int64)
        at = np.searchsorted(self.cuts, frames)
        before = self.cuts[np.maximum(at - 1, 0)]
        after = self.cuts[np.minimum(at, len(self.cuts) - 1)]
        return np.where(np.abs(frames - before) <= np.abs(after - frames), before, after)


def clock_for(profile: Profile, fps: float | None = None,
              video: str | os.PathLike[str] | None = None,
              shot_changes: Any = None) -> Clock:
    """The frame rate (given, else the video's, else the profile's) and the shot changes
    (given as a ``media.scenes.shot_changes`` table or as times in seconds, else detected in
    ``video``, else none)."""
    if video is not None and (fps is None or shot_changes is None):
        from ..media import probe

        info = probe(video)
        fps = fps or info.fps
        if shot_changes is None:
            from ..media.scenes import shot_changes as detect

            shot_changes = detect(video, fps=fps)
    rate = float(fps if fps is not None else profile.fps)
    if not (math.isfinite(rate) and rate > 0):
        raise ValidationError(f"fps must be a positive number, not {fps!r}", where="fps")
    if shot_changes is None:
        cuts = np.array([], dtype=np.int64)
    elif isinstance(shot_changes, pd.DataFrame):
        if "frame" in shot_changes and shot_changes.attrs.get("fps") == rate:
            cuts = shot_changes["frame"].to_numpy(dtype=np.int64)
        elif "time" in shot_changes:
            cuts = np.rint(shot_changes["time"].to_numpy(dtype=np.float64) * rate)
        else:
            raise ValidationError("a shot-change table needs a time column (seconds)",
                                  where="shot_changes")
    else:
        cuts = np.rint(np.asarray(shot_changes, dtype=np.float64).ravel() * rate)
    return Clock(rate, np.unique(np.asarray(cuts, dtype=np.int64)))


@dataclass(frozen=True)
class Limits:
    """A profile's timing rules in frames at one rate."""

    min_dur: int
    max_dur: int
    min_gap: int
    chain: int
    snap: int
    lead: int
    tail: int

    @classmethod
    def of(cls, p: Profile, fps: float) -> Limits:
        return cls(min_dur=math.ceil(p.min_duration * fps - 1e-6),
                   max_dur=math.floor(p.max_duration * fps + 1e-6),
                   min_gap=p.min_gap_frames, chain=max(round(p.chain_window * fps),
                                                       p.min_gap_frames + 1),
                   snap=round(p.snap_window * fps), lead=p.speech_lead_frames,
                   tail=p.speech_tail_frames)


def speech_frames(timeline: Timeline, clock: Clock,
                  speech: Timeline | None = None) -> tuple[np.ndarray, np.ndarray]:
    """First and last frame of speech per sentence, from the words of ``speech`` (default: the
    timeline itself), matched by segment id or overlap; ``_NONE`` where unknown."""
    s = timeline.sentences
    n = len(s)
    first = np.full(n, _NONE, dtype=np.int64)
    last = np.full(n, _NONE, dtype=np.int64)
    source = speech if speech is not None else timeline
    w = source.words
    if not len(w):
        return first, last
    spoken = w[w["kind"].astype(str) != "punct"] if "kind" in w else w
    sentence = spoken["sentence"].to_numpy(dtype=np.int64, na_value=-1)
    keep = sentence >= 0
    m = len(source.sentences)
    begin = np.full(m, np.inf)
    end = np.full(m, -np.inf)
    np.minimum.at(begin, sentence[keep], spoken["start"].to_numpy(float)[keep])
    np.maximum.at(end, sentence[keep], spoken["end"].to_numpy(float)[keep])
    if source is timeline:
        match = np.arange(n)
    else:
        ids = pd.Index(source.sentences["segment_id"])
        if ids.is_unique and s["segment_id"].isin(ids).all():
            match = ids.get_indexer(s["segment_id"])
        else:
            ref = source.sentences
            match = best_overlap(s["start"].to_numpy(float), s["end"].to_numpy(float),
                                 ref["start"].to_numpy(float), ref["end"].to_numpy(float))
    known = (match >= 0) & np.isfinite(begin[np.maximum(match, 0)])
    first[known] = clock.frames(begin[match[known]])
    last[known] = clock.frames(end[match[known]])
    return first, last


def timing_findings(timeline: Timeline, p: Profile, clock: Clock,
                    speech: Timeline | None = None) -> pd.DataFrame:
    """The timing findings (columns sentence, check, value, limit, severity, message, unit)."""
    s = timeline.sentences
    lim = Limits.of(p, clock.fps)
    cue_in, cue_out = clock.frames(s["start"]), clock.frames(s["end"])
    gap = _gaps(cue_in, cue_out)
    first, last = speech_frames(timeline, clock, speech)
    cut_in = clock.nearest_cut(cue_in)
    cut_out = clock.nearest_cut(cue_out + 2)
    own_in, own_out = _cut_matters(cue_in, cut_in, cut_out, *_neighbours(cue_in, cue_out),
                                   lim.snap)
    duration = cue_out - cue_in
    with np.errstate(invalid="ignore"):
        at_cut = (cue_out == cut_out - 2) | (cue_out == cut_out)
        chained = gap == lim.min_gap
    # A cue set by a shot change, chained to the next one or stretched to the minimum duration
    # may part from the speech (within the snap window): that is the rule, not a slip.
    in_on_cut = (cue_in == cut_in) & (np.abs(first - cut_in) < lim.snap)
    out_on_cut = at_cut & (cue_out >= last - lim.snap)
    rules: list[tuple[str, np.ndarray, np.ndarray, float, str, str]] = [
        ("duration", duration < lim.min_dur, duration, lim.min_dur, "warning",
         "on screen {v:.0f} frames, under {lim:.0f} ({p.min_duration:.3g} s): extend it"),
        ("duration", duration > lim.max_dur, duration, lim.max_dur, "warning",
         "on screen {v:.0f} frames, over {lim:.0f} ({p.max_duration:g} s): split it"),
        ("overlap", gap < 0, -gap, 0, "error", "overlaps the next subtitle by {v:.0f} frames"),
        ("gap", (gap >= 0) & (gap < lim.min_gap), gap, lim.min_gap, "error",
         "{v:.0f} frames to the next subtitle: a flicker; leave {lim:.0f} at least"),
        ("chaining", (gap > lim.min_gap) & (gap < lim.chain), gap, lim.chain, "warning",
         "a {v:.0f}-frame gap to the next subtitle (under {lim:.0f}): close it to "
         f"{lim.min_gap} frames"),
        ("shot_change_in", own_in & (cue_in != cut_in) & (np.abs(cue_in - cut_in) < lim.snap),
         cue_in - cut_in, lim.snap, "warning",
         "starts {v:+.0f} frames from a shot change: start on the cut"),
        ("shot_change_out", own_out & (cue_out == cut_out - 1), cue_out - cut_out, lim.snap,
         "error",
         "ends 1 frame before a shot change: end 2 frames before it"),
        ("shot_change_out", own_out & ~at_cut & (np.abs(cue_out - (cut_out - 2)) < lim.snap),
         cue_out - cut_out, lim.snap, "warning",
         "ends {v:+.0f} frames from a shot change: end 2 frames before it"),
        ("sync_in", (first != _NONE) & (np.abs(cue_in - first) > lim.lead) & ~in_on_cut,
         cue_in - first, lim.lead, "warning",
         "starts {v:+.0f} frames from the first word (within {lim:.0f})"),
        ("sync_out", (last != _NONE) & (cue_out < last - lim.lead) & ~out_on_cut,
         cue_out - last, lim.lead, "warning", "ends {v:.0f} frames before the speech does"),
        ("sync_out", (last != _NONE) & (cue_out - last > lim.tail) & ~chained & ~at_cut
         & (duration > lim.min_dur), cue_out - last, lim.tail, "warning",
         "ends {v:.0f} frames after the speech (at most {lim:.0f} unless chained or at a cut)"),
    ]
    parts = []
    for check, hit, value, limit, severity, message in rules:
        rows = np.flatnonzero(hit)
        if len(rows):
            values = value[rows].astype(np.float64)
            parts.append(pd.DataFrame({
                "sentence": rows, "check": check, "value": values, "limit": float(limit),
                "severity": severity, "unit": "frames",
                "message": formatted(message, values, lim=limit, p=p)}))
    if not parts:
        return pd.DataFrame(columns=["sentence", "check", "value", "limit", "severity", "unit",
                                     "message"])
    return pd.concat(parts, ignore_index=True)


def formatted(template: str, values: np.ndarray, **fields: Any) -> np.ndarray:
    """``template.format(v=value, **fields)`` for each value, formatting each distinct value
    once (a long timeline repeats the same few frame counts)."""
    unique, inverse = np.unique(values, return_inverse=True)
    texts = np.array([template.format(v=v, **fields) for v in unique.tolist()], dtype=object)
    return texts[inverse.ravel()]


def _neighbours(cue_in: np.ndarray, cue_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The start of the next cue and the end of the previous one, by start (far away when
    there is none)."""
    order = np.argsort(cue_in, kind="stable")
    next_in = np.full(len(cue_in), -_NONE, dtype=np.int64)
    prev_out = np.full(len(cue_in), _NONE, dtype=np.int64)
    next_in[order[:-1]] = cue_in[order[1:]]
    prev_out[order[1:]] = cue_out[order[:-1]]
    return next_in, prev_out


def _cut_matters(cue_in: np.ndarray, cut_in: np.ndarray, cut_out: np.ndarray,
                 next_in: np.ndarray, prev_out: np.ndarray,
                 snap: int) -> tuple[np.ndarray, np.ndarray]:
    """Whether the cut near a cue's in-time (out-time) is its own to meet: not when the cue
    before still shows at that cut (the next cue starts before it)."""
    own_in = _owns_in(cue_in, cut_in, prev_out, snap)
    own_out = next_in >= cut_out
    return own_in, own_out


def _owns_in(cue_in: np.ndarray, cut: np.ndarray, prev_out: np.ndarray,
             snap: int) -> np.ndarray:
    """The cut is this cue's to start on: it falls inside the cue, or after the cue before has
    ended, or that cue's end is near the cut too (it then ends 2 frames before it)."""
    return (cut >= cue_in) | (prev_out <= cut) | (np.abs(prev_out - (cut - 2)) < snap)


def _gaps(cue_in: np.ndarray, cue_out: np.ndarray) -> np.ndarray:
    """Frames from each cue's end to the start of the next cue by start (NaN for the last)."""
    order = np.argsort(cue_in, kind="stable")
    gap = np.full(len(cue_in), np.nan)
    gap[order[:-1]] = cue_in[order[1:]] - cue_out[order[:-1]]
    return gap


# --- the fix -----------------------------------------------------------------------------------
def fix(timeline: Timeline, profile: Profile, clock: Clock,
        speech: Timeline | None = None) -> tuple[Timeline, pd.DataFrame]:
    """The timeline corrected, and what changed (see :func:`qavix_lab.transcripts.fix`)."""
    lim = Limits.of(profile, clock.fps)
    order = np.argsort(timeline.sentences["start"].to_numpy(float), kind="stable")
    split, origin = _split_overlong(_in_order(timeline, order), profile, clock, lim)
    again = np.argsort(split.sentences["start"].to_numpy(float), kind="stable")
    split, origin = _in_order(split, again), origin[again]  # a later part may pass a cue
    s = split.sentences
    before_in, before_out = clock.frames(s["start"]), clock.frames(s["end"])
    cue_in, cue_out = before_in.copy(), before_out.copy()
    first, last = speech_frames(split, clock, speech)
    if speech is not None:  # a split cue's parts do not each have the source's speech
        parted = pd.Series(origin).duplicated(keep=False).to_numpy()
        first[parted], last[parted] = _NONE, _NONE
    _sync(cue_in, cue_out, first, last, clock, lim)
    # Each pass can free the next: a cue chained short of a cut lets the next one snap to it.
    for _ in range(4):
        was_in, was_out = cue_in.copy(), cue_out.copy()
        _snap(cue_in, cue_out, first, last, clock, lim)
        np.maximum(cue_out, cue_in + lim.min_dur, out=cue_out)
        _chain(cue_in, cue_out, lim)
        _clear_cuts(cue_in, cue_out, last, clock, lim)
        if np.array_equal(was_in, cue_in) and np.array_equal(was_out, cue_out):
            break
    fixed_s = s.assign(start=cue_in / clock.fps, end=cue_out / clock.fps)
    fixed_s["duration"] = fixed_s["end"] - fixed_s["start"]
    fixed = replace(split, sentences=fixed_s)
    changes = _changes(timeline, order, origin, s, before_in, before_out, cue_in, cue_out,
                       clock)
    return fixed, changes


def _sync(cue_in: np.ndarray, cue_out: np.ndarray, first: np.ndarray, last: np.ndarray,
          clock: Clock, lim: Limits) -> None:
    """Start on the first word, end no earlier than the last and at most ``tail`` after it,
    unless a shot change sets the time (as the checks allow); no start passes another's."""
    cut = clock.nearest_cut(cue_in)
    on_cut = (cue_in == cut) & (np.abs(first - cut) < lim.snap)
    prev_in = np.r_[_NONE, cue_in[:-1]]
    next_in = np.r_[cue_in[1:], -_NONE]
    off = (first != _NONE) & (np.abs(cue_in - first) > lim.lead) & ~on_cut & (
        first > prev_in) & (first < next_in)
    cue_in[off] = first[off]
    cut = clock.nearest_cut(cue_out + 2)
    at_cut = ((cue_out == cut - 2) | (cue_out == cut))
    known = last != _NONE
    early = known & (cue_out < last - lim.lead) & ~(at_cut & (cue_out >= last - lim.snap))
    cue_out[early] = last[early]
    late = known & (cue_out - last > lim.tail) & ~at_cut
    cue_out[late] = np.maximum(last[late] + lim.tail, cue_in[late] + 1)


def _snap(cue_in: np.ndarray, cue_out: np.ndarray, first: np.ndarray, last: np.ndarray,
          clock: Clock, lim: Limits) -> None:
    """In-times onto nearby cuts, out-times 2 frames before them, where the cue (and the one
    before) keep their minimum duration, no start passes another's and the speech stays within
    the snap window."""
    cut = clock.nearest_cut(cue_in)
    near = (cut != cue_in) & (np.abs(cue_in - cut) < lim.snap)
    prev_in, prev_out = np.r_[_NONE, cue_in[:-1]], np.r_[_NONE, cue_out[:-1]]
    next_in = np.r_[cue_in[1:], -_NONE]
    # The cue before then ends 2 frames before the cut: fine if it keeps its minimum duration,
    # is not touched, or reaches the cut already (the cut rule shortens it anyway).
    prev_ok = (cut - lim.min_gap - prev_in >= lim.min_dur) | (
        prev_out <= cut - lim.min_gap) | (prev_out >= cut - 1)
    room = (cue_out - cut >= lim.min_dur) & prev_ok & (cut > prev_in + 1) & (cut < next_in) & (
        (first == _NONE) | (np.abs(first - cut) < lim.snap))
    own = _owns_in(cue_in, cut, prev_out, lim.snap)
    # A cue that would be too short once started on the cut is extended, room permitting.
    longer = np.maximum(cue_out, cut + lim.min_dur)
    extend = near & own & ~room & prev_ok & (cut > prev_in + 1) & (cut < next_in) & (
        longer <= next_in - lim.min_gap) & (longer - cut <= lim.max_dur) & (
        (first == _NONE) | (np.abs(first - cut) < lim.snap))
    move = near & own & room
    cue_in[move] = cut[move]
    cue_in[extend], cue_out[extend] = cut[extend], longer[extend]
    cut = clock.nearest_cut(cue_out + 2)
    target = cut - 2
    near = (cue_out != target) & (cue_out != cut) & (np.abs(cue_out - target) < lim.snap)
    next_in = np.r_[cue_in[1:], -_NONE]
    move = near & (next_in >= cut) & (target - cue_in >= lim.min_dur) & (
        target - cue_in <= lim.max_dur) & (target <= next_in - lim.min_gap) & (
        (last == _NONE) | (target >= last - lim.snap))
    cue_out[move] = target[move]


def _chain(cue_in: np.ndarray, cue_out: np.ndarray, lim: Limits) -> None:
    """Close gaps under the chaining window to ``min_gap`` frames (shortening overlaps the
    same way) within the maximum duration: a cue that cannot reach the next one within it ends
    a whole window before the next instead."""
    if len(cue_in) > 1:
        start, out, nxt = cue_in[:-1], cue_out[:-1], cue_in[1:]
        close = nxt - out < lim.chain
        chained = np.where(close, nxt - lim.min_gap, out)
        too_long = close & (chained - start > lim.max_dur)
        apart = np.minimum(start + lim.max_dur, nxt - lim.chain)
        fallback = np.where(apart - start >= lim.min_dur, apart,
                            np.minimum(start + lim.max_dur, nxt - lim.min_gap))
        cue_out[:-1] = np.maximum(np.where(too_long, fallback, chained), start + 1)
    np.minimum(cue_out, cue_in + max(lim.max_dur, 1), out=cue_out)


def _clear_cuts(cue_in: np.ndarray, cue_out: np.ndarray, last: np.ndarray, clock: Clock,
                lim: Limits) -> None:
    """Out-times still near a shot change (after chaining and the minimum duration moved them)
    end 2 frames before it if the cue keeps its minimum duration there; else they go past the
    window after it (chained to the next cue when that is close); else a window before it."""
    cut = clock.nearest_cut(cue_out + 2)
    target = cut - 2
    stuck = (cue_out != target) & (cue_out != cut) & (np.abs(cue_out - target) < lim.snap)
    if not stuck.any():
        return
    next_in = np.r_[cue_in[1:], -_NONE]
    stuck &= next_in >= cut  # the next cue starts before the cut: chaining rules that end
    speech_ok = (last == _NONE) | (target >= last - lim.snap)
    back = stuck & (target - cue_in >= lim.min_dur) & (target - cue_in <= lim.max_dur) & (
        speech_ok) & (
        (next_in - target >= lim.chain) | (next_in - target == lim.min_gap))
    cue_out[back] = target[back]
    past = target + lim.snap
    past = np.where(next_in - past < lim.chain, next_in - lim.min_gap, past)
    ahead = stuck & ~back & (past >= target + lim.snap) & (past - cue_in <= lim.max_dur)
    cue_out[ahead] = past[ahead]
    before = target - lim.snap
    early = stuck & ~back & ~ahead & (before - cue_in >= lim.min_dur) & (
        (last == _NONE) | (before >= last - lim.lead))
    cue_out[early] = before[early]


def _in_order(timeline: Timeline, order: np.ndarray) -> Timeline:
    """The timeline with its sentences in ``order`` (words follow their sentence)."""
    if (order[1:] > order[:-1]).all():
        return timeline
    sentences = timeline.sentences.iloc[order].reset_index(drop=True)
    w = timeline.words
    if not len(w):
        return replace(timeline, sentences=sentences)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    sentence = w["sentence"].to_numpy(dtype=np.int64, na_value=-1)
    keep = sentence >= 0
    moved = w[keep].assign(sentence=pd.array(rank[sentence[keep]], dtype="Int64"))
    moved = moved.iloc[np.argsort(rank[sentence[keep]], kind="stable")].reset_index(drop=True)
    return replace(timeline, sentences=sentences, words=moved)


def _split_overlong(timeline: Timeline, p: Profile, clock: Clock,
                    lim: Limits) -> tuple[Timeline, np.ndarray]:
    """Cues needing more lines than allowed, or lasting longer than the maximum, split at a
    linguistic break into parts that fit, their time shared by reading length (2 frames apart).
    Returns the new timeline and, per new cue, the row it came from."""
    s = timeline.sentences
    texts = s["text"].fillna("").to_numpy(dtype=object)
    width = reading_length(s["text"], p.wide).to_numpy()
    duration = s["duration"].to_numpy(float)
    per_cue = p.max_chars_per_line * p.max_lines
    parts = np.maximum(np.ceil(width / per_cue), np.ceil(duration / p.max_duration - 1e-9))
    parts = np.maximum(parts, 1).astype(np.int64)
    # A cue that fits by width may still need more lines once broken.
    maybe = np.flatnonzero((parts == 1) & (width > p.max_chars_per_line))
    for i in maybe.tolist():
        if not line_count_fits(texts[i], p.max_chars_per_line, p.max_lines, p.wide):
            parts[i] = 2
    if (parts == 1).all():
        return timeline, np.arange(len(s))
    gap = lim.min_gap / clock.fps
    start, end = s["start"].to_numpy(float), s["end"].to_numpy(float)
    seg = s["segment_id"].to_numpy(dtype=object)
    pieces: dict[int, list[str]] = {}
    for i in np.flatnonzero(parts > 1).tolist():
        pieces[i] = linguistic_split(texts[i], int(parts[i]), p.wide) or [texts[i]]
        parts[i] = len(pieces[i])
    origin = np.repeat(np.arange(len(s)), parts)
    new_start, new_end = start[origin], end[origin]
    new_texts = texts[origin].copy()
    ids = seg[origin].copy()
    first = np.cumsum(parts) - parts  # where each original row's first part lands
    for i, texts_i in pieces.items():
        widths = np.array([max(text_width(t, p.wide), 1.0) for t in texts_i])
        bounds = start[i] + (end[i] - start[i]) * np.r_[0.0, np.cumsum(widths) / widths.sum()]
        at = first[i] + np.arange(len(texts_i))
        new_start[at] = bounds[:-1]
        new_end[at] = bounds[1:] - np.r_[np.full(len(texts_i) - 1, gap), 0.0]
        new_texts[at] = texts_i
        if len(texts_i) > 1:
            ids[at] = [f"{seg[i]}.{k + 1}" for k in range(len(texts_i))]
    out = s.iloc[origin].reset_index(drop=True)
    out["start"], out["end"] = new_start, new_end
    out["duration"] = out["end"] - out["start"]
    out["text"] = pd.array(new_texts, dtype="string")
    out["segment_id"] = pd.array([str(x) for x in ids], dtype="string")
    words = _words_to_parts(timeline.words, origin, out)
    return replace(timeline, sentences=out, words=words), origin


def _words_to_parts(words: pd.DataFrame, origin: np.ndarray, parts: pd.DataFrame) -> pd.DataFrame:
    """Each word moved to the part of its sentence it starts in."""
    if not len(words):
        return words
    first_part = np.searchsorted(origin, np.arange(origin.max() + 1), side="left")
    count = np.bincount(origin, minlength=origin.max() + 1)
    sentence = words["sentence"].to_numpy(dtype=np.int64, na_value=-1)
    new = first_part[np.maximum(sentence, 0)].copy()
    starts = parts["start"].to_numpy(float)
    multi = np.flatnonzero(count[np.maximum(sentence, 0)] > 1)
    word_start = words["start"].to_numpy(float)
    for j in multi.tolist():
        lo = first_part[sentence[j]]
        k = int(np.searchsorted(starts[lo:lo + count[sentence[j]]], word_start[j],
                                side="right")) - 1
        new[j] = lo + max(k, 0)
    keep = sentence >= 0
    out = words[keep] if not keep.all() else words
    return out.assign(sentence=pd.array(new[keep], dtype="Int64")).reset_index(drop=True)


def _changes(original: Timeline, order: np.ndarray, origin: np.ndarray, s: pd.DataFrame,
             before_in: np.ndarray, before_out: np.ndarray, cue_in: np.ndarray,
             cue_out: np.ndarray, clock: Clock) -> pd.DataFrame:
    """One row per cue whose frames changed or that was split: sentence (row in the original
    timeline), cue (row in the fixed one), what (split/start/end), old and new times (s) and
    the shift in frames."""
    source_row = order[origin]
    split_from = pd.Series(origin).duplicated(keep=False).to_numpy()
    moved_in = cue_in != before_in
    moved_out = cue_out != before_out
    frames = []
    for what, mask, old, new in (("split", split_from, before_in, cue_in),
                                 ("start", moved_in, before_in, cue_in),
                                 ("end", moved_out, before_out, cue_out)):
        rows = np.flatnonzero(mask)
        if what == "split":
            rows = rows[pd.Series(origin[rows]).duplicated().to_numpy() == False]  # noqa: E712
        if not len(rows):
            continue
        frames.append(pd.DataFrame({
            "sentence": source_row[rows], "cue": rows, "what": what,
            "old": old[rows] / clock.fps, "new": new[rows] / clock.fps,
            "shift_frames": (new[rows] - old[rows]) if what != "split" else 0}))
    columns = ["sentence", "cue", "what", "old", "new", "shift_frames", "text"]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            columns, ["Int64", "Int64", "string", "float64", "float64", "int64", "string"],
            strict=True)})
    out = pd.concat(frames, ignore_index=True).sort_values(["cue", "what"], kind="stable")
    out["sentence"] = pd.array(out["sentence"].to_numpy(), dtype="Int64")
    out["cue"] = pd.array(out["cue"].to_numpy(), dtype="Int64")
    out["what"] = out["what"].astype("string")
    out["text"] = pd.array(s["text"].to_numpy(dtype=object)[out["cue"].to_numpy(int)],
                           dtype="string")
    return out.reset_index(drop=True)[columns]
