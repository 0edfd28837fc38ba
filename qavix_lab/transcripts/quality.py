"""Quality checks a subtitler and a dubbing editor would make, as a table of findings, and the
fix for what timing can fix.

:func:`sentence_metrics` measures every sentence (reading speed, lines, gaps, how long the
translation takes to say...); :func:`qa` compares the measures with a :class:`Profile`'s limits,
checks the timing in frames of the video (``frames``: gaps, chaining, durations, shot changes,
sync with the words) and the dub's loudness, and lists what breaks them, most severe first
within a sentence and check. :func:`fix` corrects the timing and says what it changed.

The QA table (one row per finding; what the timeline player marks):

- ``sentence`` (Int64, row of ``timeline.sentences``; <NA> for the whole programme, e.g.
  loudness), ``start``/``end`` (s), ``speaker`` (string),
- ``check`` (category: no_words, reading_speed, line_length, lines, duration, overlap, gap,
  chaining, shot_change_in, shot_change_out, sync_in, sync_out, speech_fit, length_ratio,
  duration_ratio, speaking_rate, loudness, true_peak),
- ``value``/``limit`` (float, in ``unit``: frames, cps, chars, lines, ratio, LKFS, dBTP...),
- ``severity`` (ordered category info < warning < error), ``message`` (string), ``unit``.

``attrs``: sentences, profile (name), span, fps, shot_changes (frames), loudness (the measures).

The changes table of :func:`fix`: ``sentence`` (row of the original timeline), ``cue`` (row of the
fixed one), ``what`` (split/start/end), ``old``/``new`` (s), ``shift_frames``, ``text``.

>>> findings = qa(translated, profile="en", video="movie.mp4")   # doctest: +SKIP
>>> fixed, changes = fix(translated, "en", video="movie.mp4")     # doctest: +SKIP
>>> qa_summary(findings); plot_qa(findings)                        # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import frames
from .intervals import best_overlap
from .profiles import Profile, profile_for
from .script import break_lines, reading_length, text_width

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .timeline import Timeline

SEVERITY = pd.CategoricalDtype(["info", "warning", "error"], ordered=True)
_LETTERS = r"[^\W_]"  # a letter or digit in any script
_TOLERANCE = 1e-9  # times are milliseconds turned into inexact float seconds


@dataclass(frozen=True)
class Rule:
    check: str
    metric: str
    limit: Callable[[Profile], float]
    above: bool
    severity: str
    message: str


RULES = [
    Rule("no_words", "letters", lambda p: 1, False, "warning", "no words, only punctuation"),
    Rule("reading_speed", "cps", lambda p: p.max_cps, True, "warning",
         "reads at {value:.1f} chars/s (limit {limit:g}): shorten the text or extend the time"),
    Rule("reading_speed", "cps", lambda p: 1.2 * p.max_cps, True, "error",
         "reads at {value:.1f} chars/s, far above {limit:.1f}: rewrite shorter"),
    Rule("line_length", "widest_line", lambda p: p.max_chars_per_line, True, "error",
         "a line of {value:g} chars after line breaking (limit {limit:g})"),
    Rule("lines", "lines", lambda p: p.max_lines, True, "error",
         "needs {value:g} lines (limit {limit:g}): split the subtitle"),
    Rule("speech_fit", "speech_fit", lambda p: p.max_speech_fit, True, "warning",
         "said at a natural pace it needs {value:.0%} of its time: the dub will sound rushed"),
    Rule("speech_fit", "speech_fit", lambda p: 1.4, True, "error",
         "said at a natural pace it needs {value:.0%} of its time: shorten the translation"),
    Rule("length_ratio", "length_ratio", lambda p: p.max_length_ratio, True, "warning",
         "the translation takes {value:.2f}x as long to say as the original"),
    Rule("length_ratio", "length_ratio", lambda p: 1 / p.max_length_ratio / 1.5, False, "info",
         "the translation takes only {value:.2f}x as long to say as the original"),
    Rule("duration_ratio", "duration_ratio", lambda p: 1 + p.max_duration_drift, True,
         "warning", "lasts {value:.2f}x the source sentence"),
    Rule("duration_ratio", "duration_ratio", lambda p: 1 - p.max_duration_drift, False,
         "warning", "lasts only {value:.2f}x the source sentence"),
    Rule("speaking_rate", "rate_z", lambda p: p.outlier_z, True, "warning",
         "{cps:.1f} chars/s is an outlier (robust z {value:.1f}): check the timing"),
]
UNITS = {"letters": "letters", "cps": "cps", "widest_line": "chars", "lines": "lines",
         "speech_fit": "ratio", "length_ratio": "ratio", "duration_ratio": "ratio",
         "rate_z": "z"}
CHECKS = pd.CategoricalDtype(list(dict.fromkeys([
    *(r.check for r in RULES[:5]), *frames.TIMING_CHECKS, *(r.check for r in RULES[5:]),
    "loudness", "true_peak"])))


def sentence_metrics(timeline: Timeline, profile: str | Profile | None = None,
                     source: Timeline | None = None) -> pd.DataFrame:
    """Per sentence: chars (reading length), cps, lines, widest_line, duration, gap/overlap to
    the next subtitle, speaking-rate robust z; for a translation, speech_fit (time to say it at
    a natural rate / time available) and length_ratio (time to say it / time to say the
    source); with ``source``, duration_ratio (duration / the matching source sentence's)."""
    s = timeline.sentences
    p = profile_for(profile, timeline.lang, s["text"])
    texts = s["text"].fillna("")
    chars = reading_length(texts, p.wide)
    duration = s["duration"].to_numpy(dtype=np.float64)
    positive = np.where(duration > 0, duration, np.nan)
    lines, widest = _lines(texts, chars.to_numpy(), p)
    out = pd.DataFrame({
        "chars": chars,
        "letters": texts.str.contains(_LETTERS).astype("float64"),  # has any (1) or none (0)
        "cps": chars / positive,
        "lines": lines,
        "widest_line": widest,
        "duration": duration,
    }, index=s.index)
    out["short_gap"], out["overlap"] = _gaps(s)
    out["rate_z"] = _robust_z(out["cps"])
    out["speech_fit"], out["length_ratio"] = _dub_fit(timeline, chars, positive, p, source)
    out["duration_ratio"] = _duration_ratio(timeline, source)
    out.attrs["profile"] = p
    return out


def _lines(texts: pd.Series, chars: np.ndarray, p: Profile) -> tuple[np.ndarray, np.ndarray]:
    """Lines each text needs and its widest line; only texts wider than a line are broken
    (the others are one line as wide as the text, or none when empty)."""
    lines = np.where(chars > 0, 1.0, 0.0)
    widest = chars.astype(np.float64).copy()
    values = texts.to_numpy(dtype=object)
    width = len if not p.wide else (lambda line: text_width(line, True))
    for i in np.flatnonzero(chars > p.max_chars_per_line).tolist():
        broken = break_lines(values[i], p.max_chars_per_line, p.wide)
        lines[i] = len(broken)
        widest[i] = max(map(width, broken), default=0.0)
    return lines, widest


def _gaps(s: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Time to the next subtitle (by start), split into gaps (> 0) and overlaps (> 0)."""
    start, end = s["start"].to_numpy(float), s["end"].to_numpy(float)
    order = np.argsort(start, kind="stable")
    to_next = np.full(len(s), np.nan)
    to_next[order[:-1]] = start[order[1:]] - end[order[:-1]]
    return (np.where(to_next > _TOLERANCE, to_next, np.nan),
            np.where(to_next < -_TOLERANCE, -to_next, np.nan))


def _robust_z(values: pd.Series) -> np.ndarray:
    """Modified z-score (Iglewicz and Hoaglin): by the median absolute deviation, or by the
    mean absolute deviation when most values are equal and the median one is 0."""
    deviation = (values - values.median()).abs()
    if deviation.median() > 0:
        return (0.6745 * deviation / deviation.median()).to_numpy()
    if deviation.mean() > 0:
        return (deviation / (1.253314 * deviation.mean())).to_numpy()
    return np.full(len(values), np.nan)


def _dub_fit(timeline: Timeline, chars: pd.Series, duration: np.ndarray, p: Profile,
             source: Timeline | None) -> tuple[np.ndarray, np.ndarray]:
    s = timeline.sentences
    if "source_text" not in s:
        nothing = np.full(len(s), np.nan)
        return nothing, nothing
    source_profile = profile_for(None, source.lang if source else None, s["source_text"])
    spoken = chars.to_numpy() / p.speaking_cps
    original = reading_length(s["source_text"], source_profile.wide).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = spoken / (original / source_profile.speaking_cps)
    return spoken / duration, np.where(original > 0, ratio, np.nan)


def _duration_ratio(timeline: Timeline, source: Timeline | None) -> np.ndarray:
    s = timeline.sentences
    if source is None or not len(source):
        return np.full(len(s), np.nan)
    ref = source.sentences
    ids = pd.Index(ref["segment_id"])
    if ids.is_unique and s["segment_id"].isin(ids).all():
        match = ids.get_indexer(s["segment_id"])
    else:
        match = best_overlap(s["start"].to_numpy(float), s["end"].to_numpy(float),
                             ref["start"].to_numpy(float), ref["end"].to_numpy(float))
    ref_duration = ref["duration"].to_numpy(float)[np.maximum(match, 0)]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((match >= 0) & (ref_duration > 0),
                        s["duration"].to_numpy(float) / ref_duration, np.nan)


def qa(timeline: Timeline, profile: str | Profile | None = None,
       source: Timeline | None = None, *, fps: float | None = None,
       video: str | os.PathLike[str] | None = None, shot_changes: Any = None,
       speech: Timeline | None = None, dub: Any = None) -> pd.DataFrame:
    """Findings (the QA table, see the module's doc): one per sentence and check, the most
    severe.

    ``profile``: a name from ``profile_table()`` ("en", "en-children", "zh", "ko-children",
    "ja-sdh"...) or a :class:`Profile` (default: the timeline's language, else guessed from the
    script). ``source``: the source timeline, for duration ratios when ``timeline`` is a
    translation timed on its own (e.g. its SRT read back). Timing is checked in frames at
    ``fps`` (default: the video's rate, else the profile's), against ``shot_changes`` (times in
    seconds or a ``media.scenes.shot_changes`` table; default: detected in ``video``) and the
    words of ``speech`` (default: the timeline's own). ``dub``: the dubbed audio (path, bytes,
    ``Audio``...), whose dialogue-gated loudness (gated by the timeline's sentences) and true
    peak are checked against the profile's target.
    """
    metrics = sentence_metrics(timeline, profile, source)
    p: Profile = metrics.attrs["profile"]
    clock = frames.clock_for(p, fps, video, shot_changes)
    s = timeline.sentences
    parts = [frames.timing_findings(timeline, p, clock, speech)]
    for rule in RULES:
        limit = float(rule.limit(p))
        values = metrics[rule.metric].to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore"):
            hit = np.flatnonzero(values > limit + _TOLERANCE if rule.above
                                 else values < limit - _TOLERANCE)
        if len(hit):
            messages: Any
            if "{cps" in rule.message:
                cps = metrics["cps"].to_numpy(dtype=np.float64)[hit]
                messages = [rule.message.format(value=v, limit=limit, cps=c)
                            for v, c in zip(values[hit].tolist(), cps.tolist(), strict=True)]
            else:
                messages = frames.formatted(rule.message.replace("{value", "{v"), values[hit],
                                            limit=limit)
            parts.append(pd.DataFrame({
                "sentence": hit, "check": rule.check, "value": values[hit],
                "limit": limit, "severity": rule.severity, "unit": UNITS[rule.metric],
                "message": messages,
            }))
    measured = None
    if dub is not None:
        measured, programme = _loudness(timeline, p, dub)
        parts.append(programme)
    parts = [part for part in parts if len(part)]
    found = pd.concat(parts, ignore_index=True) if parts else _no_findings()
    found["severity"] = found["severity"].astype(SEVERITY)
    found["sentence"] = found["sentence"].astype("float64")  # NaN: the whole programme
    found = (found.sort_values(["sentence", "severity"], ascending=[True, False], kind="stable",
                               na_position="first")
             .drop_duplicates(["sentence", "check"])
             .sort_values(["sentence"], kind="stable", na_position="first"))
    sentence = found["sentence"].to_numpy(dtype=np.float64)
    known = ~np.isnan(sentence)
    rows = np.where(known, sentence, 0).astype(np.intp)
    out = pd.DataFrame({
        "sentence": pd.array(np.where(known, rows, -1), dtype="Int64"),
        "start": _pick(s["start"].to_numpy(float), rows, known, timeline.start),
        "end": _pick(s["end"].to_numpy(float), rows, known, timeline.end),
        "speaker": pd.array(_pick(s["speaker"].to_numpy(dtype=object), rows, known, None),
                            dtype="string"),
        "check": pd.Categorical(found["check"].astype(str), dtype=CHECKS),
        "value": found["value"].to_numpy(float), "limit": found["limit"].to_numpy(float),
        "severity": found["severity"].array,
        "message": pd.array(found["message"].to_numpy(dtype=object), dtype="string"),
        "unit": pd.array(found["unit"].to_numpy(dtype=object), dtype="string"),
    })
    out.loc[~known, "sentence"] = pd.NA
    out.attrs.update(sentences=len(timeline), profile=p.name, span=(timeline.start, timeline.end),
                     fps=clock.fps, shot_changes=clock.cuts.tolist(), loudness=measured)
    return out


def fix(timeline: Timeline, profile: str | Profile | None = None, *, fps: float | None = None,
        video: str | os.PathLike[str] | None = None, shot_changes: Any = None,
        speech: Timeline | None = None) -> tuple[Timeline, pd.DataFrame]:
    """The timeline with its timing corrected, and a table of what changed (see the module's
    doc). In this order: cues that need more lines than allowed or last longer than allowed are
    split at a linguistic break (their time shared by reading length); times go onto frames;
    cues start on their first word and end between their last word and 12 frames after it;
    in-times snap onto shot changes and out-times to 2 frames before them within the window;
    short cues are extended to the minimum duration; gaps under the chaining window close to
    2 frames (overlaps shorten the same way), within the maximum duration. Sentences come back
    in time order. Re-running :func:`qa` on the result reports no timing finding that moving
    these times could remove; what is left needs an editor (e.g. text too long for its slot).

    >>> fixed, changes = fix(translated, "en", video="movie.mp4")    # doctest: +SKIP
    """
    p = profile_for(profile, timeline.lang, timeline.sentences["text"])
    clock = frames.clock_for(p, fps, video, shot_changes)
    return frames.fix(timeline, p, clock, speech)


def _pick(values: np.ndarray, rows: np.ndarray, known: np.ndarray, fill: Any) -> np.ndarray:
    """``values[rows]`` where ``known``, else ``fill`` (programme-wide rows)."""
    out = np.full(len(rows), fill, dtype=values.dtype if fill is not None else object)
    out[known] = values[rows[known]]
    return out


def _loudness(timeline: Timeline, p: Profile, dub: Any) -> tuple[pd.Series, pd.DataFrame]:
    """The dub's dialogue-gated loudness and true peak, and findings for the whole programme
    (the programme loudness target applies when dialogue fills under 15 % of it)."""
    from ..audio.dialogue import dialogue_loudness
    from ..errors import AudioError

    s = timeline.sentences
    intervals = zip(s["start"].to_numpy(float), s["end"].to_numpy(float), strict=True)
    rows = []
    try:
        measured = dialogue_loudness(dub, intervals)
    except AudioError as exc:
        measured = pd.Series(dtype="float64")
        rows.append(("loudness", np.nan, p.dialogue_lkfs, "error", "LKFS",
                     f"cannot measure the dub's loudness: {exc.message}"))
    if len(measured):
        low_dialogue = measured["dialogue_share"] < p.min_dialogue_share
        key, target = (("program_lkfs", p.program_lkfs) if low_dialogue
                       else ("dialogue_lkfs", p.dialogue_lkfs))
        kind = "programme" if low_dialogue else "dialogue-gated"
        level = float(measured[key])
        if not np.isfinite(level) or abs(level - target) > p.dialogue_tolerance + _TOLERANCE:
            rows.append(("loudness", level, target, "error", "LKFS",
                         f"{kind} loudness {level:.1f} LKFS, target {target:g} "
                         f"+-{p.dialogue_tolerance:g}"))
        peak = float(measured["true_peak_dbtp"])
        if peak > p.max_true_peak + _TOLERANCE:
            rows.append(("true_peak", peak, p.max_true_peak, "error", "dBTP",
                         f"true peak {peak:.1f} dBTP, above {p.max_true_peak:g} dBTP"))
    frame = pd.DataFrame(rows, columns=["check", "value", "limit", "severity", "unit",
                                        "message"])
    frame.insert(0, "sentence", np.nan)
    return measured, frame


def _no_findings() -> pd.DataFrame:
    return pd.DataFrame({"sentence": pd.Series(dtype=float), "check": pd.Series(dtype=object),
                         "value": pd.Series(dtype=float), "limit": pd.Series(dtype=float),
                         "severity": pd.Series(dtype=object), "message": pd.Series(dtype=object),
                         "unit": pd.Series(dtype=object)})


def qa_summary(findings: pd.DataFrame) -> pd.DataFrame:
    """Per check: how many findings of each severity, how many sentences, and their share of
    all sentences."""
    counts = (findings.groupby(["check", "severity"], observed=True).size()
              .unstack(fill_value=0).reindex(columns=SEVERITY.categories, fill_value=0))
    counts.columns = list(SEVERITY.categories)
    counts["sentences"] = findings.groupby("check", observed=True)["sentence"].nunique()
    total = findings.attrs.get("sentences")
    if total:
        counts["share"] = counts["sentences"] / total
    return counts


def plot_qa(findings: pd.DataFrame) -> Figure:
    """Findings per check by severity (left) and where in time they fall (right)."""
    from .plot import plot_findings

    return plot_findings(findings, qa_summary(findings))
