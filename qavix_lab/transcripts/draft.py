"""The columns every dialect reads, and how they become a :class:`Timeline`.

A dialect fills a :class:`Draft` with raw columns (times in milliseconds, word kind codes);
:meth:`Draft.timeline` does the shared work once: drop segment markers, fill missing sentence
text from the words, derive confidences, drop empty sentences, sort by time, set dtypes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .intervals import best_overlap
from .records import Records, fault
from .script import join_sentences
from .timeline import WORD_KINDS, Timeline

# wb/we (rtasr, lfasr) and wordBg/wordEd (the sentence list) count 10 ms frames from the start
# of their sentence (its bg, in ms from the start of the media): word start = bg + 10 * wb.
WORD_FRAME_MS = 10

# iFlytek word tags (wp): n word, s filler (disfluency), p punctuation, g segment marker (dropped,
# code -1); an unknown tag counts as a word. Codes index WORD_KINDS.
WORD_TAGS = {"n": 0, "s": 1, "p": 2, "g": -1}
_PUNCT, _MARKER = 2, -1

# Times beyond a week are not a recording's times but a broken field (or a unit mix-up): they
# are refused, so nothing downstream (SRT's hh:mm:ss, timedelta) meets an absurd number.
MAX_MS = 7 * 24 * 3600 * 1000.0
Place = Callable[[int], str]


@dataclass
class Draft:
    """Raw sentence and word columns, in reading order of the source."""

    segment_id: list[str]
    start_ms: np.ndarray
    end_ms: np.ndarray
    speaker: list[str]
    text: list[str | None]
    translation: list[str | None]
    score: np.ndarray
    word_sentence: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.intp))
    word_start_ms: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.float64))
    word_end_ms: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.float64))
    word_text: list[str] = field(default_factory=list)
    word_code: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int8))
    word_confidence: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.float64))
    # Each word's own speaker label as sent (rl on the word; None or "0" when it has none).
    word_role: list[str | None] | None = None
    # Where sentence i and word j came from, with the names of their time fields, for errors.
    sentence_place: tuple[Place, str, str] | None = None
    word_place: tuple[Place, str, str] | None = None

    def set_words(self, sentence: np.ndarray, begin_frames: np.ndarray, end_frames: np.ndarray,
                  text: list[str], code: np.ndarray, confidence: np.ndarray) -> None:
        """Words with times in frames relative to their sentence's start."""
        base = self.start_ms[sentence]
        self.word_sentence = sentence
        self.word_start_ms = base + WORD_FRAME_MS * begin_frames
        self.word_end_ms = base + WORD_FRAME_MS * end_frames
        self.word_text, self.word_code, self.word_confidence = text, code, confidence

    def attach_translations(self, translations: Records) -> None:
        """Put each translation (iFlytek's ``{"segId", "dst", "bg", "ed"}``) on the sentence with
        its segment id, or failing that the one it overlaps most in time; several translations
        of one sentence are joined."""
        self.attach_translation_columns(
            translations.texts("segId"), translations.numbers("bg", None),
            translations.numbers("ed", None), translations.texts("dst"), translations.place)

    def attach_translation_columns(self, segment_ids: list[str], start_ms: np.ndarray,
                                   end_ms: np.ndarray, dst: list[str], place: Place) -> None:
        """:meth:`attach_translations` from its columns (``place`` names translation k)."""
        texts: list[str | None] = list(map(str.strip, dst))
        if segment_ids == self.segment_id and not any(self.translation):
            self.translation = texts  # one for each sentence, in order: the usual case
            return
        position = {seg: i for i, seg in enumerate(self.segment_id)}
        target = np.array([position.get(seg, -1) for seg in segment_ids], dtype=np.intp)
        loose = np.flatnonzero(target < 0)
        if len(loose):
            target[loose] = best_overlap(start_ms[loose], end_ms[loose], self.start_ms,
                                         self.end_ms)
        for k, (i, text) in enumerate(zip(target.tolist(), texts, strict=True)):
            if i < 0:
                raise fault(place(k), f"translation of segment "
                            f"{segment_ids[k]!r} matches no sentence by id or time")
            if text:
                old = self.translation[i]
                self.translation[i] = f"{old} {text}" if old else text

    def timeline(self, where: str, lang: str | None = None) -> Timeline:
        """The finished :class:`Timeline`; an empty one is an error (naming ``where``), and so
        is a negative, reversed or absurd time (naming its field)."""
        self._check_times(where)
        words = self._words()
        text = self._texts(words)
        order = np.lexsort((self.end_ms, self.start_ms))  # by start, then end (as SRT does)
        order = order[np.fromiter(map(bool, map(str.strip, text)), dtype=bool,
                                   count=len(text))[order]]
        if not len(order):
            raise fault(where, f"no sentence has any text ({len(text)} found, all empty)")
        confidence = self._confidence(words)
        speaker = self._speakers(words)
        start, end = self.start_ms[order] / 1000.0, self.end_ms[order] / 1000.0
        sentences = pd.DataFrame({
            "segment_id": _strings(self.segment_id, order),
            "start": start,
            "end": end,
            "duration": end - start,
            "speaker": _strings(speaker, order),
            "text": _strings(text, order),
            "translation": _strings([t.strip() or None if t else None
                                     for t in self.translation], order),
            "confidence": _nullable(confidence[order]),
        }, copy=False)  # every column is new: no need to copy it again
        return Timeline(sentences, words.frame(order, len(self.segment_id)), lang=lang)

    def _check_times(self, where: str) -> None:
        """Sentence and word times must be finite, >= 0, end >= start and under a week."""
        if self.end_ms.dtype != np.float64 or len(self.start_ms) != len(self.end_ms):
            raise fault(where, "sentence start and end times do not pair up")
        _check_span(self.start_ms, self.end_ms, self.sentence_place, where, "sentence")
        _check_span(self.word_start_ms, self.word_end_ms, self.word_place, where, "word")

    def _words(self) -> _Words:
        """The words without segment markers, with kind codes and speakers."""
        roles = self._word_speakers()
        words = _Words(self.word_sentence, self.word_start_ms, self.word_end_ms,
                       self.word_text, self.word_code, self.word_confidence, roles)
        markers = self.word_code == _MARKER
        return words.take(np.flatnonzero(~markers)) if markers.any() else words

    def _word_speakers(self) -> list[str] | None:
        """Each word's speaker when any word names one (rtasr and lfasr may put ``rl`` on the
        word): a label other than "0" starts a speaker, carried on over later words and
        sentences, as a sentence's own ``rl`` does. None when no word names a speaker."""
        roles = self.word_role
        if roles is None or not any(r not in (None, "", "0") for r in roles):
            return None
        first = np.searchsorted(self.word_sentence, np.arange(len(self.speaker)))
        starts = dict(zip(first.tolist(), self.speaker, strict=True))
        current, out = "0", []
        for j, role in enumerate(roles):
            said = starts.pop(j, None)  # the sentence's own label, at its first word
            if said not in (None, "", "0"):
                current = said
            if role not in (None, "", "0"):
                current = role
            out.append(current)
        return out

    def _speakers(self, words: _Words) -> list[str]:
        """Sentence speakers: when words name speakers, whoever says most of the sentence's
        words (the first of them on a tie); else the sentence's own label."""
        if words.speaker is None or not len(words.sentence):
            return self.speaker
        speakers = list(self.speaker)
        codes, labels = pd.factorize(np.array(words.speaker, dtype=object))
        counts = np.zeros((len(speakers), len(labels)), dtype=np.intp)
        np.add.at(counts, (words.sentence, codes), 1)
        spoken = np.flatnonzero(counts.sum(axis=1))
        # A tie goes to the label heard first in the transcript (argmax takes the first).
        best = counts[spoken].argmax(axis=1)
        for i, k in zip(spoken.tolist(), best.tolist(), strict=True):
            speakers[i] = str(labels[k])
        return speakers

    def _texts(self, words: _Words) -> list[str]:
        """Sentence texts, missing ones joined from their words."""
        joined: list[str] = []
        if not all(self.text):
            offsets = np.searchsorted(words.sentence, np.arange(len(self.text) + 1), side="left")
            joined = join_sentences(words.text, offsets)
            if not any(self.text):  # rtasr and lfasr carry no sentence text at all
                return joined
        # Given texts may carry stray spaces (a real lfasr result has " 好的。").
        return [t.strip() if t else joined[i] for i, t in enumerate(self.text)]

    def _confidence(self, words: _Words) -> np.ndarray:
        """Mean confidence of a sentence's words (punctuation aside), else its own score."""
        counted = (words.codes != _PUNCT) & ~np.isnan(words.confidence)
        n = len(self.segment_id)
        total = np.bincount(words.sentence[counted], words.confidence[counted], minlength=n)
        count = np.bincount(words.sentence[counted], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / count, self.score)


class _Words(NamedTuple):
    sentence: np.ndarray
    start_ms: np.ndarray
    end_ms: np.ndarray
    text: list[str]
    codes: np.ndarray
    confidence: np.ndarray
    speaker: list[str] | None

    def take(self, index: np.ndarray) -> _Words:
        picked = index.tolist()
        return _Words(self.sentence[index], self.start_ms[index], self.end_ms[index],
                      [self.text[j] for j in picked], self.codes[index],
                      self.confidence[index],
                      None if self.speaker is None else [self.speaker[j] for j in picked])

    def frame(self, order: np.ndarray, sentences: int) -> pd.DataFrame:
        """The words table for the sentences ``order`` keeps (in that order)."""
        words = self
        if not (len(order) == sentences and (order[1:] > order[:-1]).all()):
            new_index = np.full(sentences, -1, dtype=np.intp)
            new_index[order] = np.arange(len(order))
            moved = new_index[self.sentence]
            kept = np.flatnonzero(moved >= 0)
            words = self.take(kept[np.argsort(moved[kept], kind="stable")])._replace(
                sentence=np.sort(moved[moved >= 0]))
        frame = pd.DataFrame({
            "sentence": pd.array(words.sentence, dtype="Int64"),
            "start": words.start_ms / 1000.0,
            "end": words.end_ms / 1000.0,
            "text": pd.Categorical(words.text),
            "kind": pd.Categorical.from_codes(words.codes, categories=WORD_KINDS),
            "confidence": _nullable(words.confidence),
        }, copy=False)
        if words.speaker is not None:
            frame["speaker"] = pd.Categorical(words.speaker)
        return frame


def _strings(values: list[Any], order: np.ndarray | None = None) -> pd.arrays.StringArray:
    """A string column (None is <NA>); the values are known to be str already."""
    column = np.array(values, dtype=object)
    return pd.arrays.StringArray(column if order is None else column[order])


def _nullable(values: np.ndarray) -> pd.arrays.FloatingArray:
    return pd.array(values, dtype="Float64")


def _check_span(start: np.ndarray, end: np.ndarray, place: tuple[Place, str, str] | None,
                where: str, what: str) -> None:
    with np.errstate(invalid="ignore"):
        bad = ~((start >= 0) & (end >= start) & (end <= MAX_MS))
    if not bad.any():
        return
    i = int(np.flatnonzero(bad)[0])
    a, b = float(start[i]), float(end[i])
    name, start_key, end_key = place if place else (lambda k: f"{where}[{k}]", "start", "end")
    if not (np.isfinite(a) and np.isfinite(b)):
        key, why = (start_key if not np.isfinite(a) else end_key), "is not a finite number"
    elif a < 0:
        key, why = start_key, f"is negative ({a:g} ms)"
    elif a > MAX_MS or b > MAX_MS:
        key = start_key if a > MAX_MS else end_key
        why = f"is absurd: {max(a, b):g} ms is more than a week ({MAX_MS:g} ms) into the media"
    else:
        key, why = end_key, f"ends before it starts ({b:g} ms < {a:g} ms)"
    raise fault(f"{name(i)}.{key}", f"{what} time {why}")


def carry_speakers(roles: list[str]) -> list[str]:
    """rtasr announces a speaker only when it changes ("0" = same as before): carry it on."""
    current, out = "0", []
    for role in roles:
        if role and role != "0":
            current = role
        out.append(current)
    return out
