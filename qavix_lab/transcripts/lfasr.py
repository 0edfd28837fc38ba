"""iFlytek long-audio transcription (lfasr) results.

``{"lattice": [{"json_1best": "<JSON text of {st}>"}], "lattice2": [{"lid", "begin", "end",
"spk", "json_1best": {st}}]}``, possibly as the JSON text ``content.orderResult`` of the getResult
answer, with ``st = {"bg", "ed", "rl", "sc", "rt": [{"ws": [{"cw": [{"w", "wp", "wc"}], "wb",
"we"}]}]}`` and translations ``transResult: [{"segId", "dst", "bg", "ed"}]`` beside it. Both
lattices hold the same sentences: ``lattice2`` is read when present (its objects need no second
decoding), else ``lattice``.
"""

from __future__ import annotations

from typing import Any

from .draft import Draft
from .records import Records, decoded, describe, fault, join_place
from .rtasr import read_st_words

RESULT_KEYS = ("lattice", "lattice2", "orderResult", "content")


def is_result(obj: dict) -> bool:
    """Does this object look like an lfasr result (or the answer holding one)?"""
    return any(k in obj for k in RESULT_KEYS)


def read(value: Any, where: str) -> Draft:
    """A :class:`Draft` from an lfasr result (the getResult answer, its content, orderResult)."""
    result, where, translations = _order_result(decoded(value, where), where)
    key = "lattice2" if result.get("lattice2") else "lattice"
    if not result.get(key):
        raise fault(where, f"no sentences: lattice and lattice2 are missing or empty in "
                    f"{describe(result)}")
    lattice = Records.of_list(result[key], join_place(where, key))
    st = lattice.child("json_1best").child("st")
    ids = lattice.texts("lid", None) if key == "lattice2" else [None] * len(st)
    roles = zip(st.texts("rl", None), lattice.texts("spk", "0"), strict=True)
    draft = Draft(
        segment_id=[s if s is not None else str(i) for i, s in enumerate(ids)],
        start_ms=st.numbers("bg"),
        end_ms=st.numbers("ed"),
        speaker=[role if role is not None else spk for role, spk in roles],
        text=[None] * len(st),
        translation=[None] * len(st),
        score=st.numbers("sc", None),
    )
    read_st_words(draft, st)
    if translations is not None:
        draft.attach_translations(translations)
    return draft


def _order_result(value: Any, where: str) -> tuple[dict, str, Records | None]:
    """The object holding the lattices (inside ``content`` and ``orderResult`` when there),
    its place, and the translations (``transResult``) found on the way."""
    translations = None
    while True:
        if not isinstance(value, dict):
            raise fault(where, f"expected an lfasr result object, found {describe(value)}")
        if value.get("transResult") not in (None, "", []):
            translations = Records.of_list(value["transResult"], join_place(where, "transResult"))
        key = next((k for k in ("content", "orderResult") if k in value), None)
        if key is None:
            return value, where, translations
        where = join_place(where, key)
        value = decoded(value[key], where)
