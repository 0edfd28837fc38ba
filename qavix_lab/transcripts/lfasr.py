"""iFlytek long-audio transcription (lfasr) results.

``{"lattice": [{"json_1best": "<JSON text of {st}>"}], "lattice2": [{"lid", "begin", "end",
"spk", "json_1best": {st}}]}``, possibly as the JSON text ``content.orderResult`` of the v2
getResult answer ``{"code", "descInfo", "content": {"orderInfo", "orderResult",
"transResult"}}``, with ``st = {"bg", "ed", "rl", "sc", "si"?, "rt": [{"ws": [{"cw": [{"w",
"wp", "wc", "rl"?}], "wb", "we"}]}]}`` and translations ``transResult: [{"segId", "dst", "bg",
"ed"}]`` beside it.

``lattice`` is the smoothed result (disfluencies such as fillers removed) and ``lattice2`` the raw
one, sent beside it when smoothing is on (iFlytek's ``LfasrOrderResult``): ``lattice`` is read,
``lattice2`` on request (``raw=True``) or when it is the only one. A sentence's id is its
``st.si`` when every sentence has a distinct one (``lattice2[].lid`` is "0" on every entry of
real results), else its position; ``transResult[].segId`` refers to it. ``spk`` ("段落-0") names
a paragraph, not a speaker: speakers come from ``rl``. ``wc``/``sc`` of "0.0000" on every word
is a placeholder (sent when confidences are off): confidence is then missing, not zero.

The v2 answer's ``orderInfo.status`` -1 is a failed order: a warning says so (with
``failType``), and a failed order without sentences raises.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .draft import Draft
from .records import Records, TranscriptWarning, decoded, describe, fault, join_place
from .rtasr import read_st_words

RESULT_KEYS = ("lattice", "lattice2", "orderResult", "content")
_FAILED = -1


def is_result(obj: dict) -> bool:
    """Does this object look like an lfasr result (or the answer holding one)?"""
    return any(k in obj for k in RESULT_KEYS)


def read(value: Any, where: str, raw: bool = False) -> Draft:
    """A :class:`Draft` from an lfasr result (the getResult answer, its content, orderResult):
    the smoothed ``lattice``, or with ``raw`` the raw ``lattice2``."""
    result, where, translations, failure = _order_result(decoded(value, where), where)
    smoothed, unsmoothed = bool(result.get("lattice")), bool(result.get("lattice2"))
    if not (smoothed or unsmoothed):
        raise fault(where, (failure + ": " if failure else "") + "no sentences: lattice and "
                    f"lattice2 are missing or empty in {describe(result)}")
    if raw and not unsmoothed:
        warnings.warn(f"{where}: raw=True but there is no lattice2 (smoothing was off): the "
                      "lattice read is the raw result", TranscriptWarning, stacklevel=4)
    key = "lattice2" if unsmoothed and (raw or not smoothed) else "lattice"
    lattice = Records.of_list(result[key], join_place(where, key))
    st = lattice.child("json_1best").child("st")
    draft = Draft(
        segment_id=_segment_ids(st.texts("si", None)),
        start_ms=st.numbers("bg"),
        end_ms=st.numbers("ed"),
        speaker=st.texts("rl", "0"),
        text=[None] * len(st),
        translation=[None] * len(st),
        score=_unless_placeholder(st.numbers("sc", None)),
    )
    read_st_words(draft, st)
    draft.word_confidence = _unless_placeholder(draft.word_confidence)
    if translations is not None:
        draft.attach_translations(translations)
    return draft


def _segment_ids(si: list[str | None]) -> list[str]:
    """``st.si`` when every sentence has its own, else positions (what ``segId`` counts)."""
    if None not in si and len(set(si)) == len(si):
        return si  # type: ignore[return-value]
    return [str(i) for i in range(len(si))]


def _unless_placeholder(confidence: np.ndarray) -> np.ndarray:
    """Confidences that are all 0 are a placeholder: missing (NaN), not zero."""
    if len(confidence) and not np.any(np.nan_to_num(confidence, nan=0.0)):
        return np.full(len(confidence), np.nan)
    return confidence


def _order_result(value: Any, where: str) -> tuple[dict, str, Records | None, str]:
    """The object holding the lattices (inside ``content`` and ``orderResult`` when there),
    its place, the translations (``transResult``) found on the way, and what a failed order
    said (else "")."""
    translations, failure = None, ""
    while True:
        if not isinstance(value, dict):
            raise fault(where, f"expected an lfasr result object, found {describe(value)}")
        code = value.get("code")
        if "descInfo" in value and str(code) not in ("0", "000000"):
            raise fault(where, f"the service reported an error: code {code}, "
                        f"{value.get('descInfo')}")
        if value.get("transResult") not in (None, "", []):
            translations = Records.of_list(value["transResult"], join_place(where, "transResult"))
        failure = failure or _failure(value.get("orderInfo"), where)
        key = next((k for k in ("content", "orderResult") if k in value), None)
        if key is None:
            return value, where, translations, failure
        where = join_place(where, key)
        value = decoded(value[key], where)


def _failure(info: Any, where: str) -> str:
    """A warning (and its text) when ``orderInfo`` says the order failed."""
    if not isinstance(info, dict) or str(info.get("status")) != str(_FAILED):
        return ""
    message = (f"{join_place(where, 'orderInfo')}: the order failed (status -1, failType "
               f"{info.get('failType')}): the result may be missing or incomplete")
    warnings.warn(message, TranscriptWarning, stacklevel=5)
    return "the order failed (status -1)"
