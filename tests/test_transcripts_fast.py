"""JSON text of the usual shapes is read by the fast reader (msgspec, a chunk at a time); it must
give exactly the timeline the general reader gives for the same transcript as decoded objects,
and anything unusual or broken must still be read, or named, the general way."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from qavix_lab.errors import TranscriptFormatError
from qavix_lab.transcripts import fast, parse

DATA = Path(__file__).resolve().parents[1] / "datasets" / "transcripts"
REAL = next((root / "shared" / "transcripts-real" for root in Path(__file__).resolve().parents[2:4]
             if (root / "shared" / "transcripts-real").is_dir()), None)


def load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def same(a, b) -> None:
    pd.testing.assert_frame_equal(a.sentences, b.sentences)
    pd.testing.assert_frame_equal(a.words, b.words)


def _st(i: int, role: str, words: list[tuple[str, int, int]], **extra) -> dict:
    return {"bg": str(1000 * i), "ed": str(1000 * i + 800), "rl": role, "sc": "0.00", **extra,
            "rt": [{"ws": [{"cw": [{"w": w, "wp": "p" if w == "." else "n", "wc": "0.9000"}],
                            "wb": b, "we": e} for w, b, e in words]}]}


WORDS = [[("hello", 0, 20), ("there", 20, 45), (".", 45, 45)], [("um", 0, 10), ("yes", 12, 30)],
         [("fine", 5, 40), ("thanks", 40, 70), (".", 70, 70)]]


def lattice(json_text: bool) -> dict:
    items = [{"json_1best": {"st": _st(i, "1" if i != 1 else "2", w, si=str(i))}}
             for i, w in enumerate(WORDS * 700)]  # several chunks
    if json_text:
        items = [{"json_1best": json.dumps(item["json_1best"])} for item in items]
    trans = [{"segId": str(i), "dst": f"translation {i}", "bg": 1000 * i, "ed": 1000 * i + 800}
             for i in range(len(items))]
    return {"lattice2": items, "transResult": trans}


def messages() -> list[dict]:
    out: list[dict] = []
    for i, w in enumerate(WORDS * 700):
        out.append({"seg_id": i, "cn": {"st": _st(i, "1" if i % 5 == 0 else "0", w, type="0")},
                    "ls": False})
        out.append({"biz": "trans", "segId": i, "dst": f"t {i}", "bg": 1000 * i,
                    "ed": 1000 * i + 800, "type": 0})
    return out


def sentence_list() -> list[dict]:
    return [{"bg": str(1000 * i), "ed": str(1000 * i + 800), "speaker": str(1 + i % 2),
             "onebest": " ".join(x for x, _, _ in w), "dst": f"t {i}",
             "wordsResultList": [{"wordBg": str(b), "wordEd": str(e), "wordsName": x,
                                  "wp": "n", "wc": "0.8000"} for x, b, e in w]}
            for i, w in enumerate(WORDS * 700)]


SHAPES = {"sentence list": sentence_list, "lfasr lattice2": lambda: lattice(False),
          "lfasr JSON in JSON": lambda: lattice(True), "rtasr": messages,
          "fixture sentences": lambda: load("sentences_dest.json"),
          "fixture lfasr lattice": lambda: load("lfasr_result.json")["content"]["orderResult"],
          "fixture rtasr word speakers": lambda: load("rtasr_word_speakers.json")}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_json_text_of_the_usual_shapes_is_read_fast_and_alike(shape):
    value = SHAPES[shape]()
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    value = json.loads(text)
    assert fast.read(text, None, False) is not None  # the fast reader took it
    same(parse(text), parse(value))
    same(parse(text.encode()), parse(value))


def test_word_text_is_a_category_of_the_distinct_words():
    t = parse(json.dumps(sentence_list()))
    assert t.words["text"].dtype == "category"
    assert set(t.words["text"].cat.categories) == {"hello", "there", ".", "um", "yes", "fine",
                                                   "thanks"}
    assert list(t.words["text"][:3]) == ["hello", "there", "."]


@pytest.mark.parametrize("name", ["lfasr_result.json", "lfasr_v1_answer.json",
                                  "rtasr_messages.json"])
def test_wrapped_or_unusual_shapes_are_left_to_the_general_reader(name):
    text = (DATA / name).read_text(encoding="utf-8")
    value = json.loads(text)
    assert fast.read(text, None, False) is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(parse(text), parse(value))


def _broken(kind: str):
    rows = sentence_list()
    if kind == "word time text":
        rows[1000]["wordsResultList"][1]["wordBg"] = "soon"
    elif kind == "missing bg":
        del rows[600]["bg"]
    elif kind == "reversed sentence":
        rows[700]["ed"] = "5"
    elif kind == "word time object":
        rows[3]["wordsResultList"][0]["wordEd"] = {"x": 1}
    elif kind == "rtasr translation of no segment":
        msgs = messages()
        msgs[-1].update(segId=99999, bg=10**8, ed=10**8 + 5)
        return msgs
    elif kind == "lattice word time":
        result = lattice(False)
        result["lattice2"][900]["json_1best"]["st"]["rt"][0]["ws"][1]["we"] = "late"
        return result
    return rows


@pytest.mark.parametrize("kind", ["word time text", "missing bg", "reversed sentence",
                                  "word time object", "rtasr translation of no segment",
                                  "lattice word time"])
def test_broken_json_text_is_named_as_the_decoded_transcript_is(kind):
    value = _broken(kind)
    with pytest.raises(TranscriptFormatError) as as_text:
        parse(json.dumps(value))
    with pytest.raises(TranscriptFormatError) as as_objects:
        parse(copy.deepcopy(value))
    assert str(as_text.value) == str(as_objects.value)
    assert "[" in str(as_text.value)  # it says where


def test_forced_format_of_another_shape_is_not_read_fast():
    text = json.dumps(sentence_list())
    assert fast.read(text, "rtasr", False) is None
    assert fast.read(text, "sentences", False) is not None


@pytest.mark.skipif(REAL is None, reason="the collected real outputs are not on this machine")
def test_real_outputs_as_text_give_what_they_give_decoded():
    for path in sorted(REAL.glob("*.json")):  # type: ignore[union-attr]
        text = path.read_text(encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                expected = parse(json.loads(text))
            except TranscriptFormatError as exc:
                with pytest.raises(TranscriptFormatError) as info:
                    parse(text)
                assert str(info.value) == str(exc), path.name
                continue
            same(parse(text), expected)
