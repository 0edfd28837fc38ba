"""The usual transcript shapes read straight from JSON text into a :class:`Draft`'s columns.

msgspec decodes each sentence (or message) into small typed objects holding only the fields
read, numbers sent as text ("820", "1.0000") converted on the way, a few thousand sentences at a
time: the document never exists as a tree of Python dicts, which makes reading it faster than
decoding it with ``orjson.loads`` alone and keeps its peak memory small.

Only the plain usual shapes are read here: a sentence list, a long-audio result with
``lattice``/``lattice2`` (its ``json_1best`` an object or JSON text) and ``transResult``, and a
list of rtasr messages with final results and translations. Anything else (envelopes, v1/v2
answers, intermediate results, JSON text where a list is expected, an empty candidate list, a
missing field, a bad time...) makes :func:`read` return None: the general reader (``records``)
then reads it, coping with what it can and naming the place of anything wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from itertools import chain, repeat
from operator import attrgetter, itemgetter
from sys import intern
from typing import Any

import msgspec
import numpy as np
import orjson

from ..errors import TranscriptFormatError
from . import rtasr
from .draft import WORD_TAGS, Draft, carry_speakers
from .lfasr import _segment_ids, _unless_placeholder
from .sentence_list import SENTENCE_KEYS

CHUNK = 256  # sentences decoded at a time: their objects stay in the CPU's cache
# keys of wrappers and envelopes the general reader unwraps (and checks)
_WRAPPERS = frozenset({"content", "orderResult", "descInfo", "orderInfo", "code", "err_no", "ok",
                       "failed", "data", "action", "cn", "seg_id", "biz"})
Text = str | int | None


class _CW(msgspec.Struct, gc=False):
    w: str
    wp: str
    wc: float | None = None
    rl: str | None = None


class _WS(msgspec.Struct, gc=False):
    cw: list[_CW]
    wb: float
    we: float


class _RT(msgspec.Struct, gc=False):
    ws: list[_WS]


class _ST(msgspec.Struct, gc=False):
    bg: float
    ed: float
    rt: list[_RT]
    rl: Text = None
    si: Text = None
    sc: float | None = None
    type: Text = None


class _Best(msgspec.Struct, gc=False):
    st: _ST


class _Lattice(msgspec.Struct, gc=False):
    json_1best: _Best | str


class _CN(msgspec.Struct, gc=False):
    st: _ST


class _Message(msgspec.Struct, gc=False):
    seg_id: Text = None
    cn: _CN | None = None
    biz: str | None = None
    segId: Text = None  # noqa: N815 (the wire's name)
    dst: str | None = None
    bg: float | None = None
    ed: float | None = None
    type: Text = None
    data: Any = None


class _Translation(msgspec.Struct, gc=False):
    segId: str | int  # noqa: N815
    dst: str
    bg: float | None = None
    ed: float | None = None


class _Word(msgspec.Struct, gc=False):
    wordBg: float  # noqa: N815
    wordEd: float  # noqa: N815
    wordsName: str  # noqa: N815
    wp: str = "n"
    wc: float | None = None


class _Row(msgspec.Struct, gc=False):
    bg: float
    ed: float
    speaker: Text = None
    onebest: str | None = None
    wordsResultList: list[_Word] | None = None  # noqa: N815
    dst: str | None = None


# The top of a long-audio result in one scan: its lattices as lists of undecoded sentences, and
# any wrapper key (a non-empty Raw when present), which leaves the result to the general reader.
_Top = msgspec.defstruct(
    "_Top", [("lattice", list[msgspec.Raw] | None, None),
             ("lattice2", list[msgspec.Raw] | None, None),
             ("transResult", msgspec.Raw, msgspec.Raw())]
    + [(key, msgspec.Raw, msgspec.Raw()) for key in sorted(_WRAPPERS)], gc=False)


class _Unusual(Exception):
    """Not the plain usual shape: the general reader takes over."""


@cache
def _decoder(kind: Any) -> msgspec.json.Decoder:
    return msgspec.json.Decoder(kind, strict=False)


def read(data: bytes | bytearray | str, format: str | None, raw: bool) -> Draft | None:
    """The draft of a transcript given as JSON text, or None when it is not a plain usual
    shape (or ``format`` names another one)."""
    try:
        head = data[:64].lstrip()[:1]  # not the whole text: that would copy it
        if head in ("[", b"["):
            return _read_list(_decoder(list[msgspec.Raw]).decode(data), format)
        if head in ("{", b"{") and format in (None, "lfasr"):
            return _read_lfasr(_decoder(_Top).decode(data), raw)
    except (msgspec.MsgspecError, _Unusual, IndexError, UnicodeError):
        pass
    return None


def _read_list(items: list[msgspec.Raw], format: str | None) -> Draft | None:
    if not items:
        return None
    first = orjson.loads(bytes(items[0]))
    if not isinstance(first, dict) or _WRAPPERS.intersection(first) - {"cn", "seg_id", "biz"}:
        return None
    if any(k in first for k in SENTENCE_KEYS):
        shape = "sentences"
    elif rtasr.is_message(first):
        shape = "rtasr"
    elif "bg" in first and "ed" in first:
        shape = "sentences"
    else:
        return None
    if format not in (None, shape):
        return None
    return _sentence_list(items) if shape == "sentences" else _rtasr(items)


# --- the sentence list ------------------------------------------------------------------------
def _sentence_list(items: list[msgspec.Raw]) -> Draft:
    decode = _decoder(_Row).decode
    bg: list[np.ndarray] = []
    ed: list[np.ndarray] = []
    speaker: list[str] = []
    onebest: list[str | None] = []
    dst: list[str | None] = []
    words = _WordColumns()
    for chunk in _chunks(items):
        rows = [decode(r) for r in chunk]
        bg.append(_required_numbers(map(attrgetter("bg"), rows), len(rows)))
        ed.append(_required_numbers(map(attrgetter("ed"), rows), len(rows)))
        speaker += _texts(map(attrgetter("speaker"), rows), "0")
        onebest += map(attrgetter("onebest"), rows)
        dst += map(attrgetter("dst"), rows)
        per_row = [r.wordsResultList or () for r in rows]
        found = list(chain.from_iterable(per_row))
        words.add(list(map(len, per_row)), found, "wordBg", "wordEd", found, "wordsName")
        del rows, per_row, found
    draft = Draft(segment_id=[str(i) for i in range(len(speaker))],
                  start_ms=_joined(bg), end_ms=_joined(ed), speaker=speaker, text=onebest,
                  translation=dst, score=np.full(len(speaker), np.nan))
    words.into(draft)
    return draft


# --- rtasr messages ---------------------------------------------------------------------------
def _rtasr(items: list[msgspec.Raw]) -> Draft:
    decode = _decoder(_Message).decode
    sentences, words = _SentenceColumns(), _WordColumns(confidence=False)  # a placeholder
    segments: list[str] = []
    trans: list[_Message] = []
    for chunk in _chunks(items):
        messages = [decode(r) for r in chunk]
        speech = [m for m in messages if m.biz != "trans"]
        if len(speech) < len(messages):
            translations = [m for m in messages if m.biz == "trans"]
            if list(map(attrgetter("data"), translations)).count(None) != len(translations):
                raise _Unusual  # an envelope
            trans += translations
        found = list(map(attrgetter("cn"), speech))
        if found.count(None):
            raise _Unusual  # an envelope, or neither a result nor a translation
        segments += _texts(map(attrgetter("seg_id"), speech), None)
        sentences.add(list(map(attrgetter("st"), found)), words)
        del messages, speech, found
    if not segments or None in segments:
        raise _Unusual
    if len(rtasr._latest(segments, sentences.kinds)) != len(segments):
        raise _Unusual  # intermediate results that later ones replace
    draft = sentences.draft(segments, score=np.full(len(segments), np.nan))
    words.into(draft)
    draft.word_confidence = np.full(len(draft.word_confidence), np.nan)
    draft.end_ms = rtasr._ends(draft)
    if draft.word_role is None:
        draft.speaker = carry_speakers(draft.speaker)
    if trans:
        ids = _texts(map(attrgetter("segId"), trans), None)
        kinds = _texts(map(attrgetter("type"), trans), "0")
        if None in ids or len(rtasr._latest(ids, kinds)) != len(ids) \
                or list(map(attrgetter("dst"), trans)).count(None):
            raise _Unusual
        _attach(draft, ids, trans)
    return draft


# --- long-audio results ----------------------------------------------------------------------
def _read_lfasr(top: Any, raw: bool) -> Draft | None:
    if any(getattr(top, key) for key in _WRAPPERS):
        return None
    smoothed, unsmoothed = bool(top.lattice), bool(top.lattice2)
    if not (smoothed or unsmoothed) or raw and not unsmoothed:
        return None  # the general reader says why (or warns)
    lattice = top.lattice2 if unsmoothed and (raw or not smoothed) else top.lattice
    top.lattice = top.lattice2 = None  # the other one's sentences are not read
    decode, best = _decoder(_Lattice).decode, _decoder(_Best).decode
    sentences, words = _SentenceColumns(), _WordColumns()
    for chunk in _chunks(lattice):
        found = [decode(r).json_1best for r in chunk]
        sts = [(best(b) if isinstance(b, str) else b).st for b in found]
        sentences.add(sts, words)
        del found, sts
    draft = sentences.draft(_segment_ids(sentences.ids),
                            score=_unless_placeholder(_joined(sentences.scores)))
    words.into(draft)
    draft.word_confidence = _unless_placeholder(draft.word_confidence)
    translations = top.transResult
    if translations:
        found = _decoder(list[_Translation] | str | None).decode(translations)
        if isinstance(found, str):
            raise _Unusual
        if found:
            _attach(draft, _texts(map(attrgetter("segId"), found), None), found)
    return draft


# --- columns ----------------------------------------------------------------------------------
class _WordColumns:
    """Word columns gathered chunk by chunk."""

    def __init__(self, confidence: bool = True) -> None:
        self.read_confidence = confidence  # else NaN
        self.counts: list[np.ndarray] = []
        self.begin: list[np.ndarray] = []
        self.end: list[np.ndarray] = []
        self.text: list[str] = []
        self.code: list[np.ndarray] = []
        self.confidence: list[np.ndarray] = []
        self.roles: list[str | None] | None = None

    def add(self, counts: list[int], timed: list[Any], begin: str, end: str, said: list[Any],
            text: str, roles: list[str | None] | None = None) -> None:
        """Words of a chunk: ``timed`` hold their times under ``begin``/``end``, ``said`` their
        text, tag ``wp`` and confidence ``wc``."""
        n = len(timed)
        self.counts.append(np.array(counts, dtype=np.intp))
        self.begin.append(_required_numbers(map(attrgetter(begin), timed), n))
        self.end.append(_required_numbers(map(attrgetter(end), timed), n))
        # one object for each distinct word: less memory, and a quick category
        self.text += map(intern, map(attrgetter(text), said))
        self.code.append(np.fromiter(map(WORD_TAGS.get, map(attrgetter("wp"), said),
                                         repeat(0)), dtype=np.int8, count=n))
        if self.read_confidence:
            confidence = np.array(list(map(attrgetter("wc"), said)), dtype=np.float64)
            if np.isinf(confidence).any():
                raise _Unusual
        else:
            confidence = np.full(n, np.nan)
        self.confidence.append(confidence)
        if roles is not None:
            self.roles = (self.roles or [None] * (len(self.text) - n)) + roles
        elif self.roles is not None:
            self.roles += [None] * n

    def into(self, draft: Draft) -> None:
        counts = _joined(self.counts, np.intp)
        sentence = np.repeat(np.arange(len(counts), dtype=np.intp), counts)
        draft.set_words(sentence, _joined(self.begin), _joined(self.end), self.text,
                        _joined(self.code, np.int8), _joined(self.confidence))
        draft.word_role = None if self.roles is None else rtasr._named(self.roles)


class _SentenceColumns:
    """Columns of iFlytek ``st`` objects (and their words), chunk by chunk."""

    def __init__(self) -> None:
        self.begin: list[np.ndarray] = []
        self.end: list[np.ndarray] = []
        self.speakers: list[str] = []
        self.ids: list[str | None] = []
        self.scores: list[np.ndarray] = []
        self.kinds: list[str] = []

    def add(self, sts: list[_ST], words: _WordColumns) -> None:
        n = len(sts)
        self.begin.append(_required_numbers(map(attrgetter("bg"), sts), n))
        self.end.append(_required_numbers(map(attrgetter("ed"), sts), n))
        self.speakers += _texts(map(attrgetter("rl"), sts), "0")
        self.ids += _texts(map(attrgetter("si"), sts), None)
        self.kinds += _texts(map(attrgetter("type"), sts), "0")
        scores = np.array(list(map(attrgetter("sc"), sts)), dtype=np.float64)
        if np.isinf(scores).any():
            raise _Unusual
        self.scores.append(scores)
        rts = list(map(attrgetter("rt"), sts))
        if set(map(len, rts)) == {1}:  # the usual: one rt a sentence
            per_st = list(map(attrgetter("ws"), map(itemgetter(0), rts)))
        else:
            per_st = [[w for r in rt for w in r.ws] for rt in rts]
        ws = list(chain.from_iterable(per_st))
        best = list(map(itemgetter(0), map(attrgetter("cw"), ws)))  # IndexError: none
        roles = list(map(attrgetter("rl"), best))
        named = roles.count(None) != len(roles)
        words.add(list(map(len, per_st)), ws, "wb", "we", best, "w", roles if named else None)

    def draft(self, segment_id: list[str], score: np.ndarray) -> Draft:
        n = len(self.speakers)
        return Draft(segment_id=segment_id, start_ms=_joined(self.begin),
                     end_ms=_joined(self.end), speaker=self.speakers, text=[None] * n,
                     translation=[None] * n, score=score)


def _attach(draft: Draft, ids: list[str], found: list[Any]) -> None:
    n = len(found)
    start = np.array(list(map(attrgetter("bg"), found)), dtype=np.float64)
    end = np.array(list(map(attrgetter("ed"), found)), dtype=np.float64)
    if np.isinf(start).any() or np.isinf(end).any():
        raise _Unusual
    try:
        draft.attach_translation_columns(ids, start, end, list(map(attrgetter("dst"), found)),
                                         lambda k: f"translation {k} of {n}")
    except TranscriptFormatError:
        raise _Unusual from None  # the general reader names its place


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _required_numbers(values: Any, count: int) -> np.ndarray:
    column = np.fromiter(values, dtype=np.float64, count=count)
    if not np.isfinite(column).all():
        raise _Unusual
    return column


def _joined(parts: list[np.ndarray], dtype: Any = np.float64) -> np.ndarray:
    return np.concatenate(parts) if parts else np.array([], dtype=dtype)


def _texts(values: Any, default: str | None) -> list[Any]:
    """Labels as text (integers as their digits), a missing one as ``default``."""
    out = list(values)
    types = set(map(type, out))
    if types <= {str}:
        return out
    if types <= {str, int}:
        return list(map(str, out))
    return [default if v is None else v if type(v) is str else str(v) for v in out]

