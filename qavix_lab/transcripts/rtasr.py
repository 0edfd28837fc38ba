"""iFlytek real-time ASR (rtasr) messages.

A message is ``{"seg_id", "cn": {"st": {"bg", "ed", "type", "rt": [{"ws": [{"cw": [{"w", "wp"}],
"wb", "we"}]}]}}}``, alone, in a list, or inside an envelope ``{"action", "code", "data"}`` whose
``data`` is the message as JSON text. ``type`` "1" is an intermediate result that a later message
with the same ``seg_id`` replaces. Translation messages ``{"biz": "trans", "segId", "src", "dst",
"bg", "ed", "type"}`` are put on the sentence of their segment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import repeat
from operator import contains
from typing import Any

import numpy as np

from .draft import WORD_TAGS, Draft, carry_speakers
from .records import Records, decoded, describe, fast_numbers, fault

ENVELOPE_KEYS = ("action", "data")
MESSAGE_KEYS = ("cn", "seg_id")
_FINAL = "0"


def is_message(obj: dict) -> bool:
    """Does this object look like an rtasr message, translation or envelope?"""
    return (any(k in obj for k in MESSAGE_KEYS) or obj.get("biz") == "trans"
            or all(k in obj for k in ENVELOPE_KEYS))


def read(value: Any, where: str) -> Draft:
    """A :class:`Draft` from rtasr messages (one, a list, or JSON text of either)."""
    value = decoded(value, where)
    if isinstance(value, list):
        speech, translations = _sort_messages(value, lambda i: f"{where}[{i}]")
    else:
        speech, translations = _sort_messages([value], lambda i: where)
    if not speech:
        raise fault(where, "no recognition results (messages with cn.st) among the messages")
    every_st = speech.child("cn").child("st")
    segments = speech.texts("seg_id")
    keep = _latest(segments, every_st.texts("type", _FINAL))
    st = every_st.take(keep)
    kept = segments if len(keep) == len(segments) else [segments[i] for i in keep.tolist()]
    draft = Draft(
        segment_id=kept,
        start_ms=st.numbers("bg"),
        end_ms=st.numbers("ed"),
        speaker=st.texts("rl", "0"),
        text=[None] * len(st),
        translation=[None] * len(st),
        score=np.full(len(st), np.nan),
    )
    _read_words(draft, st)
    if translations:
        draft.attach_translations(translations.take(_latest(
            translations.texts("segId"), translations.texts("type", _FINAL))))
    return draft


def _sort_messages(items: list[Any], name: Callable[[int], str]) -> tuple[Records, Records]:
    """Recognition results and translations, out of their envelopes (handshakes skipped)."""
    messages, origin, enveloped = _unwrapped(items, name)

    def place(i: int) -> str:
        return name(origin[i]) + (".data" if enveloped[i] else "")

    speech_at, trans_at = [], []
    for i, message in enumerate(messages):
        if message.get("biz") == "trans":
            trans_at.append(i)
        elif "cn" in message:
            speech_at.append(i)
        else:
            raise fault(place(i), f"not an rtasr message: {describe(message)}")
    return (Records.of_objects(list(map(messages.__getitem__, speech_at)),
                               lambda j: place(speech_at[j])),
            Records.of_objects(list(map(messages.__getitem__, trans_at)),
                               lambda j: place(trans_at[j])))


def _unwrapped(items: list[Any], name: Callable[[int], str]
               ) -> tuple[list[dict], Sequence[int], list[bool]]:
    """The messages, each one's position in ``items`` and whether it came in an envelope."""
    positions = range(len(items))
    if set(map(type, items)) <= {dict} and not any(map(contains, items, repeat("data"))):
        return items, positions, [False] * len(items)
    messages, origin, enveloped = [], [], []
    for i in positions:
        message = decoded(items[i], name(i))
        if not isinstance(message, dict):
            raise fault(name(i), f"expected an rtasr message, found {describe(message)}")
        inner = _opened(message, name(i)) if "data" in message and "cn" not in message \
            else message
        if inner is not None:
            messages.append(inner)
            origin.append(i)
            enveloped.append(inner is not message)
    return messages, origin, enveloped


def _opened(envelope: dict, where: str) -> dict | None:
    """The message inside ``{"action", "code", "data"}``; None for the handshake."""
    code, desc = str(envelope.get("code", "0")), str(envelope.get("desc") or "")
    if envelope.get("action") == "error" or code != "0":
        raise fault(where, f"the recognizer reported an error: code {code}"
                    + (f", {desc}" if desc else ""))
    if envelope["data"] in ("", None, {}):  # the handshake ("started") carries no result
        return None
    data = decoded(envelope["data"], f"{where}.data")
    if not isinstance(data, dict):
        raise fault(f"{where}.data", f"expected an rtasr message, found {describe(data)}")
    return data


def _latest(segments: list[str], kinds: list[str]) -> np.ndarray:
    """Which message stands for each segment: a final result replaces anything before it, an
    intermediate one only replaces another intermediate one."""
    if kinds.count(_FINAL) == len(kinds) and len(set(segments)) == len(segments):
        return np.arange(len(segments))  # nothing to replace: the usual stored transcript
    chosen: dict[str, int] = {}
    for i, (segment, kind) in enumerate(zip(segments, kinds, strict=True)):
        held = chosen.get(segment)
        if held is None or kind == _FINAL or kinds[held] != _FINAL:
            chosen[segment] = i
    return np.array(sorted(chosen.values()), dtype=np.intp)


def read_st_words(draft: Draft, st: Records) -> np.ndarray:
    """Words of iFlytek ``st`` objects (rtasr and lfasr alike): the 1-best candidate (first
    ``cw``) of each ``ws``, with its speaker ``rl`` when it has one. Returns each word's
    sentence."""
    draft.sentence_place = (st.place, "bg", "ed")
    columns = _plain_words(st.items)
    if columns is None:  # something unusual: the checked way names it, or copes with it
        return _read_st_words_checked(draft, st)
    sentence, begin, end, text, code, confidence, roles = columns
    draft.set_words(sentence, begin, end, text, code, confidence)
    draft.word_role = _named(roles)
    draft.word_place = (lambda j: _ws_place(st, j), "wb", "we")
    return sentence


def _ws_place(st: Records, j: int) -> str:
    """Where word ``j`` (its ``ws``, which holds ``wb``/``we``) is."""
    best = _best_words(st)[1]
    return best.parent.place(int(best.owner[j])) if best.parent else best.place(j)


def _named(roles: list[Any]) -> list[str | None] | None:
    """Word speaker labels as text, or None when no word names a speaker."""
    try:
        if set(roles) <= {None, "", "0", 0}:
            return None
    except TypeError:  # an unhashable label: taken as its text below
        pass
    return [None if r is None else str(r) for r in roles]


def _plain_words(sts: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str],
                                           np.ndarray, np.ndarray, list[Any]] | None:
    """The word columns read in one pass over the words, or None when anything is not the plain
    usual shape (lists as JSON text, empty ``cw``, missing keys, numbers as text...)."""
    counts: list[int] = []
    roles: list[Any] = []  # each word's 1-best candidate's speaker label
    begin, end, text, tag, confidence = [], [], [], [], []
    try:
        for s in sts:
            before, rt = len(roles), s["rt"]
            if type(rt) is not list:
                return None
            for r in rt:
                if type(r["ws"]) is not list:
                    return None
                for word in r["ws"]:
                    cw = word["cw"][0]
                    begin.append(word["wb"])
                    end.append(word["we"])
                    text.append(cw["w"])
                    tag.append(cw["wp"])
                    confidence.append(cw.get("wc"))
                    roles.append(cw.get("rl"))
            counts.append(len(roles) - before)
        code = np.fromiter(map(WORD_TAGS.get, tag, repeat(0)), dtype=np.int8, count=len(tag))
    except (KeyError, IndexError, TypeError):
        return None
    begin_frames, end_frames = fast_numbers(begin, False), fast_numbers(end, False)
    scores = fast_numbers(confidence, True)
    if begin_frames is None or end_frames is None or scores is None \
            or not set(map(type, text)) <= {str}:
        return None
    sentence = np.repeat(np.arange(len(sts), dtype=np.intp), counts)
    return sentence, begin_frames, end_frames, text, code, scores, roles


def _best_words(st: Records) -> tuple[Records, Records]:
    """Every ``ws`` of the sentences and the 1-best ``cw`` of each (that has one)."""
    ws = st.children("rt").children("ws")
    return ws, ws.first_of("cw")


def _read_st_words_checked(draft: Draft, st: Records) -> np.ndarray:
    """:func:`read_st_words` level by level: slower, but it decodes JSON text, skips empty
    ``cw`` and names the place of anything wrong."""
    ws, best = _best_words(st)
    word_ws = ws.take(best.owner)
    sentence = ws.index_in(st)[best.owner]
    draft.set_words(sentence, word_ws.numbers("wb"), word_ws.numbers("we"), best.texts("w"),
                    best.codes("wp", WORD_TAGS, "n"), best.numbers("wc", None))
    draft.word_role = _named(best.texts("rl", None))
    draft.word_place = (lambda j: word_ws.place(j), "wb", "we")
    return sentence


def _read_words(draft: Draft, st: Records) -> None:
    """Words, ends of unfinished results, and speakers. rtasr's ``wc`` is a placeholder (always
    "0.00"), so word confidence is left missing, not zero. Speakers: ``rl`` on the sentence or
    on any word, "0" meaning the same speaker as before (see ``Draft``)."""
    read_st_words(draft, st)
    draft.word_confidence = np.full(len(draft.word_confidence), np.nan)
    draft.end_ms = _ends(draft)
    if draft.word_role is None:
        draft.speaker = carry_speakers(draft.speaker)


def _ends(draft: Draft) -> np.ndarray:
    """An intermediate result's ``ed`` is "0": its end is then its last word's end."""
    unfinished = draft.end_ms < draft.start_ms
    if not unfinished.any():
        return draft.end_ms
    reach = np.full(len(draft.start_ms), -np.inf)
    np.maximum.at(reach, draft.word_sentence, draft.word_end_ms)
    return np.where(unfinished, np.maximum(draft.start_ms, reach), draft.end_ms)
