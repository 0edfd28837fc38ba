"""Quality checks a subtitler and a dubbing editor would make, as a table of findings.

:func:`sentence_metrics` measures every sentence (reading speed, lines, gaps, how long the
translation takes to say...); :func:`qa` compares the measures with a :class:`Profile`'s limits
and lists what breaks them, most severe first within a sentence and check.

>>> findings = qa(translated, profile="en")        # doctest: +SKIP
>>> qa_summary(findings); plot_qa(findings)        # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

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
    Rule("duration", "duration", lambda p: p.min_duration, False, "warning",
         "on screen {value:.2f} s, less than {limit:.2f} s"),
    Rule("duration", "duration", lambda p: p.max_duration, True, "warning",
         "on screen {value:.2f} s, more than {limit:g} s: split it"),
    Rule("gap", "short_gap", lambda p: p.min_gap, False, "warning",
         "{value:.3f} s to the next subtitle, under {limit:.3f} s (2 frames): close or widen it"),
    Rule("overlap", "overlap", lambda p: 0.0, True, "warning",
         "overlaps the next subtitle by {value:.2f} s"),
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
CHECKS = pd.CategoricalDtype(list(dict.fromkeys(r.check for r in RULES)))


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
    broken = [break_lines(t, p.max_chars_per_line, p.wide) for t in texts.tolist()]
    out = pd.DataFrame({
        "chars": chars,
        "letters": texts.str.count(_LETTERS).astype("float64"),
        "cps": chars / positive,
        "lines": [float(len(lines)) for lines in broken],
        "widest_line": [max((text_width(line, p.wide) for line in lines), default=0.0)
                        for lines in broken],
        "duration": duration,
    }, index=s.index)
    out["short_gap"], out["overlap"] = _gaps(s)
    out["rate_z"] = _robust_z(out["cps"])
    out["speech_fit"], out["length_ratio"] = _dub_fit(timeline, chars, positive, p, source)
    out["duration_ratio"] = _duration_ratio(timeline, source)
    out.attrs["profile"] = p
    return out


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
       source: Timeline | None = None) -> pd.DataFrame:
    """Findings: sentence (row), start, end, speaker, check, value, limit, severity
    (info < warning < error), message; one per sentence and check, the most severe.

    ``profile``: "en", "en-children", "zh" or a :class:`Profile` (default: the timeline's
    language, else guessed from the script). ``source``: the source timeline, for duration
    ratios when ``timeline`` is a translation timed on its own (e.g. its SRT read back).
    """
    metrics = sentence_metrics(timeline, profile, source)
    p: Profile = metrics.attrs["profile"]
    s = timeline.sentences
    parts = []
    for rule in RULES:
        limit = float(rule.limit(p))
        values = metrics[rule.metric]
        hit = metrics[values > limit + _TOLERANCE] if rule.above \
            else metrics[values < limit - _TOLERANCE]
        if len(hit):
            parts.append(pd.DataFrame({
                "sentence": hit.index, "check": rule.check, "value": hit[rule.metric],
                "limit": limit, "severity": rule.severity,
                "message": [rule.message.format(value=row[rule.metric], limit=limit, **row)
                            for row in hit.to_dict("records")],
            }))
    found = pd.concat(parts, ignore_index=True) if parts else _no_findings()
    found["severity"] = found["severity"].astype(SEVERITY)
    found = (found.sort_values(["sentence", "severity"], ascending=[True, False], kind="stable")
             .drop_duplicates(["sentence", "check"]).sort_values(["sentence"], kind="stable"))
    rows = found["sentence"].to_numpy(dtype=np.intp)
    out = pd.DataFrame({
        "sentence": pd.array(rows, dtype="Int64"),
        "start": s["start"].to_numpy(float)[rows], "end": s["end"].to_numpy(float)[rows],
        "speaker": pd.array(s["speaker"].to_numpy(dtype=object)[rows], dtype="string"),
        "check": found["check"].astype(CHECKS).array,
        "value": found["value"].to_numpy(float), "limit": found["limit"].to_numpy(float),
        "severity": found["severity"].array,
        "message": pd.array(found["message"].to_numpy(dtype=object), dtype="string"),
    })
    out.attrs.update(sentences=len(timeline), profile=p.name, span=(timeline.start, timeline.end))
    return out


def _no_findings() -> pd.DataFrame:
    return pd.DataFrame({"sentence": pd.Series(dtype=np.intp), "check": pd.Series(dtype=object),
                         "value": pd.Series(dtype=float), "limit": pd.Series(dtype=float),
                         "severity": pd.Series(dtype=object), "message": pd.Series(dtype=object)})


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
