"""The columns every dialect reads, and how they become a :class:`Timeline`.

A dialect fills a :class:`Draft` with raw columns (times in milliseconds, word kind codes);
:meth:`Draft.timeline` does the shared work once: drop segment markers, fill missing sentence
text from the words, derive confidences, drop empty sentences, sort by time, set dtypes.
"""

from __future__ import annotations

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
        segment_ids = translations.texts("segId")
        start_ms, end_ms = translations.numbers("bg", None), translations.numbers("ed", None)
        texts: list[str | None] = list(map(str.strip, translations.texts("dst")))
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
                raise fault(translations.place(k), f"translation of segment "
                            f"{segment_ids[k]!r} matches no sentence by id or time")
            if text:
                old = self.translation[i]
                self.translation[i] = f"{old} {text}" if old else text

    def timeline(self, where: str, lang: str | None = None) -> Timeline:
        """The finished :class:`Timeline`; an empty one is an error (naming ``where``)."""
        words = self._words()
        text = self._texts(words)
        order = np.lexsort((self.end_ms, self.start_ms))  # by start, then end (as SRT does)
        order = order[np.fromiter(map(bool, map(str.strip, text)), dtype=bool,
                                   count=len(text))[order]]
        if not len(order):
            raise fault(where, f"no sentence has any text ({len(text)} found, all empty)")
        confidence = self._confidence(words)
        start, end = self.start_ms[order] / 1000.0, self.end_ms[order] / 1000.0
        sentences = pd.DataFrame({
            "segment_id": _strings(self.segment_id, order),
            "start": start,
            "end": end,
            "duration": end - start,
            "speaker": _strings(self.speaker, order),
            "text": _strings(text, order),
            "translation": _strings([t.strip() or None if t else None
                                     for t in self.translation], order),
            "confidence": _nullable(confidence[order]),
        }, copy=False)  # every column is new: no need to copy it again
        return Timeline(sentences, words.frame(order, len(self.segment_id)), lang=lang)

    def _words(self) -> _Words:
        """The words without segment markers, with kind codes."""
        words = _Words(self.word_sentence, self.word_start_ms, self.word_end_ms,
                       self.word_text, self.word_code, self.word_confidence)
        markers = self.word_code == _MARKER
        return words.take(np.flatnonzero(~markers)) if markers.any() else words

    def _texts(self, words: _Words) -> list[str]:
        """Sentence texts, missing ones joined from their words."""
        joined: list[str] = []
        if not all(self.text):
            offsets = np.searchsorted(words.sentence, np.arange(len(self.text) + 1), side="left")
            joined = join_sentences(words.text, offsets)
            if not any(self.text):  # rtasr and lfasr carry no sentence text at all
                return joined
        return [t or joined[i] for i, t in enumerate(self.text)]

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

    def take(self, index: np.ndarray) -> _Words:
        picked = index.tolist()
        return _Words(self.sentence[index], self.start_ms[index], self.end_ms[index],
                      [self.text[j] for j in picked], self.codes[index],
                      self.confidence[index])

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
        return pd.DataFrame({
            "sentence": pd.array(words.sentence, dtype="Int64"),
            "start": words.start_ms / 1000.0,
            "end": words.end_ms / 1000.0,
            "text": _strings(words.text),
            "kind": pd.Categorical.from_codes(words.codes, categories=WORD_KINDS),
            "confidence": _nullable(words.confidence),
        }, copy=False)


def _strings(values: list[Any], order: np.ndarray | None = None) -> pd.arrays.StringArray:
    """A string column (None is <NA>); the values are known to be str already."""
    column = np.array(values, dtype=object)
    return pd.arrays.StringArray(column if order is None else column[order])


def _nullable(values: np.ndarray) -> pd.arrays.FloatingArray:
    return pd.array(values, dtype="Float64")


def carry_speakers(roles: list[str]) -> list[str]:
    """rtasr announces a speaker only when it changes ("0" = same as before): carry it on."""
    current, out = "0", []
    for role in roles:
        if role and role != "0":
            current = role
        out.append(current)
    return out
