"""``Timeline``: who said what when, and its translation, as two DataFrames and a picture."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import ValidationError
from . import intervals

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WORD_KINDS = ["word", "filler", "punct"]
SENTENCE_DTYPES = {
    "segment_id": "string", "start": "float64", "end": "float64", "duration": "float64",
    "speaker": "string", "text": "string", "translation": "string", "confidence": "Float64",
}
WORD_DTYPES = {
    "sentence": "Int64", "start": "float64", "end": "float64", "text": "category",
    "kind": pd.CategoricalDtype(WORD_KINDS), "confidence": "Float64",
}


def empty_words() -> pd.DataFrame:
    """A words table with no rows (the right columns and dtypes)."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in WORD_DTYPES.items()})


@dataclass(frozen=True, eq=False)
class Timeline:
    """Sentences (and their words) on a time axis in seconds.

    ``sentences``: segment_id (string), start, end, duration (float64 seconds), speaker,
    text, translation (string; <NA> when none), confidence (Float64; <NA> when the recognizer
    gives none); a translated timeline also has source_text. ``words``: sentence (Int64, row of
    ``sentences``), start, end (float64 s), text (category: a long transcript repeats its
    words), kind (category word/filler/punct),
    confidence (Float64), and speaker (category) when the transcript names speakers per word
    (a sentence's speaker is then whoever says most of its words). ``lang`` is the language of
    ``text`` when known. Operations return new timelines; ``fix`` returns sentences in time
    order with split cues' segment_id suffixed ".1", ".2"...

    >>> source, translated = from_task(task)          # doctest: +SKIP
    >>> source.crop(60, 120).plot(other=translated)    # doctest: +SKIP
    """

    sentences: pd.DataFrame
    words: pd.DataFrame = field(default_factory=empty_words)
    lang: str | None = None

    def __post_init__(self) -> None:
        for frame, columns, name in ((self.sentences, SENTENCE_DTYPES, "sentences"),
                                     (self.words, WORD_DTYPES, "words")):
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ValidationError(f"the {name} table lacks {', '.join(missing)}; build "
                                      "timelines with parse() or Timeline.from_sentences()",
                                      where=f"Timeline.{name}")

    @classmethod
    def from_sentences(cls, rows: pd.DataFrame | Iterable[Mapping[str, Any]],
                       lang: str | None = None) -> Timeline:
        """A timeline from your own sentences: ``start``, ``end`` (seconds) and ``text``, with
        optional ``speaker``, ``translation`` and ``segment_id``.

        >>> Timeline.from_sentences([{"start": 0.0, "end": 1.2, "text": "Hi."}])
        Timeline(1 sentences, 0 words, 1 speakers, 0:00:00-0:00:01)
        """
        from .draft import Draft
        from .records import Records

        frame = pd.DataFrame(rows).astype(object)
        records = Records.of_list(frame.where(frame.notna(), None).to_dict("records"),
                                  "sentences")
        n = len(records)
        draft = Draft(
            segment_id=records.texts("segment_id", None),
            start_ms=records.numbers("start") * 1000, end_ms=records.numbers("end") * 1000,
            speaker=records.texts("speaker", "0"), text=records.texts("text"),
            translation=records.texts("translation", None), score=np.full(n, np.nan))
        draft.segment_id = [s if s is not None else str(i)
                            for i, s in enumerate(draft.segment_id)]
        return draft.timeline("sentences", lang=lang)

    def __len__(self) -> int:
        return len(self.sentences)

    def __repr__(self) -> str:
        span = f"{_clock(self.start)}-{_clock(self.end)}" if len(self) else "empty"
        lang = f", {self.lang}" if self.lang else ""
        return (f"Timeline({len(self)} sentences, {len(self.words)} words, "
                f"{len(self.speakers)} speakers, {span}{lang})")

    @property
    def start(self) -> float:
        """Start of the first sentence, in seconds (NaN when empty)."""
        return float(self.sentences["start"].min()) if len(self) else float("nan")

    @property
    def end(self) -> float:
        """End of the last sentence, in seconds (NaN when empty)."""
        return float(self.sentences["end"].max()) if len(self) else float("nan")

    @property
    def duration(self) -> float:
        """Seconds from the first sentence's start to the last one's end (0 when empty)."""
        return self.end - self.start if len(self) else 0.0

    @property
    def speakers(self) -> list[str]:
        """Speakers in order of first appearance."""
        return list(pd.unique(self.sentences["speaker"].dropna()))

    @property
    def has_translation(self) -> bool:
        """Does any sentence carry a translation?"""
        return bool(self.sentences["translation"].notna().any())

    # --- selections ---------------------------------------------------------------------------
    def crop(self, start: float, end: float,
             mode: Literal["overlap", "inside", "clip"] = "overlap") -> Timeline:
        """Sentences between ``start`` and ``end`` seconds: those that ``overlap`` the window,
        only those ``inside`` it, or overlapping ones with their times ``clip``-ped to it."""
        if mode not in ("overlap", "inside", "clip"):
            raise ValidationError(f"crop mode must be overlap, inside or clip, not {mode!r}",
                                  where="crop(mode)")
        s = self.sentences
        if mode == "inside":
            keep = (s["start"] >= start) & (s["end"] <= end)
        else:
            keep = (s["start"] < end) & (s["end"] > start) | (s["start"] == s["end"]) & (
                s["start"] >= start) & (s["start"] < end)
        cropped = self._subset(keep.to_numpy())
        if mode != "clip":
            return cropped
        w = cropped.words
        in_window = ((w["start"] < end) & (w["end"] > start)).to_numpy()
        return replace(cropped, sentences=_clipped(cropped.sentences, start, end),
                       words=_clipped(w[in_window].reset_index(drop=True), start, end))

    def for_speaker(self, *speakers: str) -> Timeline:
        """Only the sentences of these speakers."""
        wanted = [str(s) for s in speakers]
        return self._subset(self.sentences["speaker"].isin(wanted).to_numpy())

    def _subset(self, keep: np.ndarray) -> Timeline:
        new_index = np.full(len(self), -1, dtype=np.intp)
        new_index[keep] = np.arange(int(keep.sum()))
        sentence = self.words["sentence"].to_numpy(dtype=np.intp, na_value=-1)
        mapped = np.where(sentence >= 0, new_index[sentence], -1)
        words = self.words[mapped >= 0].copy()
        words["sentence"] = pd.array(mapped[mapped >= 0], dtype="Int64")
        return replace(self, sentences=self.sentences[keep].reset_index(drop=True),
                       words=words.reset_index(drop=True))

    def translated(self, lang: str | None = None) -> Timeline:
        """The translation as a timeline of its own: same times, ``text`` is the translation,
        ``source_text`` the original; sentences without a translation are left out."""
        s = self.sentences[self.sentences["translation"].notna()]
        out = s.assign(source_text=s["text"], text=s["translation"],
                       translation=pd.array([pd.NA] * len(s), dtype="string"),
                       confidence=pd.array([pd.NA] * len(s), dtype="Float64"))
        return Timeline(out.reset_index(drop=True), empty_words(), lang=lang)

    def with_translations(self, other: Timeline) -> Timeline:
        """This timeline with the translations of ``other`` (another parse of the same speech):
        each sentence gets the translation of the sentence of ``other`` it overlaps most."""
        mine, theirs = self.sentences, other.sentences
        if len(mine) == len(theirs) and np.array_equal(mine["start"], theirs["start"]) \
                and np.array_equal(mine["end"], theirs["end"]):
            match = np.arange(len(mine))
        else:
            match = intervals.best_overlap(*_times(mine), *_times(theirs))
        found = theirs["translation"].to_numpy(dtype=object, na_value=None)[np.maximum(match, 0)]
        translation = np.where(match >= 0, found, None)
        sentences = mine.assign(translation=pd.array(translation, dtype="string"))
        return replace(self, sentences=sentences)

    # --- time structure -----------------------------------------------------------------------
    def gaps(self, min_duration: float = 0.0) -> pd.DataFrame:
        """Silences between sentences: before/after (sentence rows), start, end, duration."""
        start, end, order = self._sorted_times()
        before, after = intervals.gaps(start, end)
        frame = pd.DataFrame({
            "before": pd.array(order[before], dtype="Int64"),
            "after": pd.array(order[after], dtype="Int64"),
            "start": end[before], "end": start[after], "duration": start[after] - end[before],
        })
        return frame[frame["duration"] >= min_duration].reset_index(drop=True)

    def overlaps(self) -> pd.DataFrame:
        """Pairs of sentences that share time: first/second (rows), start, end, duration and
        both speakers."""
        start, end, order = self._sorted_times()
        first, second = intervals.overlaps(start, end)
        until = np.minimum(end[first], end[second])
        speaker = self.sentences["speaker"].to_numpy(dtype=object)
        return pd.DataFrame({
            "first": pd.array(order[first], dtype="Int64"),
            "second": pd.array(order[second], dtype="Int64"),
            "start": start[second], "end": until, "duration": until - start[second],
            "first_speaker": pd.array(speaker[order[first]], dtype="string"),
            "second_speaker": pd.array(speaker[order[second]], dtype="string"),
        })

    def _sorted_times(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        start, end = _times(self.sentences)
        order = np.argsort(start, kind="stable")
        return start[order], end[order], order

    # --- pictures -----------------------------------------------------------------------------
    def plot(self, ax: Axes | None = None, other: Timeline | None = None) -> Axes:
        """Lanes per speaker on a time axis; the translation (``other``, or this timeline's
        translation column) in a lane just below each speaker's source lane."""
        from .plot import plot_timeline

        return plot_timeline(self, ax=ax, other=other)

    def _repr_png_(self) -> bytes:
        from .plot import timeline_png

        return timeline_png(self)

    # --- subtitles ----------------------------------------------------------------------------
    def to_srt(self, max_chars: int | None = None, instant: float = 0.04) -> str:
        """SubRip text; lines broken at ``max_chars`` (default: the language's profile); a
        zero-length cue lasts ``instant`` seconds (with a warning)."""
        from .subtitles import to_srt

        return to_srt(self, max_chars=max_chars, instant=instant)

    def to_bilingual_srt(self, max_chars: int | None = None) -> str:
        """SubRip text with the translation (or source text) under each subtitle."""
        from .subtitles import to_srt

        return to_srt(self, max_chars=max_chars, bilingual=True)

    def to_vtt(self, max_chars: int | None = None) -> str:
        """WebVTT text."""
        from .subtitles import to_vtt

        return to_vtt(self, max_chars=max_chars)

    def save_srt(self, path: str | Path, bilingual: bool = False,
                 max_chars: int | None = None) -> Path:
        """Write SubRip (UTF-8) to ``path``."""
        text = self.to_bilingual_srt(max_chars) if bilingual else self.to_srt(max_chars)
        return _write(path, text)

    def save_vtt(self, path: str | Path, max_chars: int | None = None) -> Path:
        """Write WebVTT (UTF-8) to ``path``."""
        return _write(path, self.to_vtt(max_chars))


def _times(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return (frame["start"].to_numpy(dtype=np.float64), frame["end"].to_numpy(dtype=np.float64))


def _clipped(frame: pd.DataFrame, start: float, end: float) -> pd.DataFrame:
    clipped = frame.assign(start=frame["start"].clip(lower=start, upper=end),
                           end=frame["end"].clip(lower=start, upper=end))
    if "duration" in frame:
        clipped["duration"] = clipped["end"] - clipped["start"]
    return clipped


def _write(path: str | Path, text: str) -> Path:
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
