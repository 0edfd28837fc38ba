"""Parsing every iFlytek transcript shape into the same timeline, and naming what breaks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from qavix_lab.errors import TranscriptFormatError, ValidationError
from qavix_lab.transcripts import TranscriptWarning, detect, from_task, parse

DATA = Path(__file__).resolve().parents[1] / "datasets" / "transcripts"


def load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dest() -> list[dict]:
    return load("sentences_dest.json")


def words_of(sentence: dict) -> list[str]:
    return [w["wordsName"] for w in sentence["wordsResultList"]]


# --- the sentence-list form ---------------------------------------------------------------------
def test_sentence_list_gives_times_in_seconds_text_speakers_and_translations(dest):
    t = parse(json.dumps(dest, ensure_ascii=False))
    s = t.sentences
    assert list(s["start"]) == [float(x["bg"]) / 1000 for x in dest]
    assert list(s["end"]) == [float(x["ed"]) / 1000 for x in dest]
    assert np.allclose(s["duration"], s["end"] - s["start"])
    assert list(s["text"]) == [x["onebest"] for x in dest]
    assert list(s["translation"]) == [x["dst"] for x in dest]
    assert list(s["speaker"]) == [x["speaker"] for x in dest]
    assert t.speakers == list(dict.fromkeys(x["speaker"] for x in dest))


def test_sentence_list_columns_have_honest_dtypes(dest):
    t = parse(dest)
    assert t.sentences.dtypes.astype(str).to_dict() == {
        "segment_id": "string", "start": "float64", "end": "float64", "duration": "float64",
        "speaker": "string", "text": "string", "translation": "string",
        "confidence": "Float64"}
    assert t.words.dtypes.astype(str).to_dict() == {
        "sentence": "Int64", "start": "float64", "end": "float64", "text": "category",
        "kind": "category", "confidence": "Float64"}
    assert list(t.words["kind"].cat.categories) == ["word", "filler", "punct"]


def test_word_times_are_absolute_frames_after_the_sentence_start(dest):
    t = parse(dest)
    third = dest[2]
    words = t.words[t.words["sentence"] == 2]
    bg = float(third["bg"])
    assert list(words["start"]) == [(bg + 10 * float(w["wordBg"])) / 1000
                                    for w in third["wordsResultList"]]
    assert list(words["end"]) == [(bg + 10 * float(w["wordEd"])) / 1000
                                  for w in third["wordsResultList"]]
    assert list(words["text"]) == words_of(third)
    kinds = {"n": "word", "s": "filler", "p": "punct"}
    assert list(words["kind"]) == [kinds[w["wp"]] for w in third["wordsResultList"]]


def test_confidence_is_the_mean_over_words_without_punctuation(dest):
    t = parse(dest)
    first = dest[0]["wordsResultList"]
    expected = np.mean([float(w["wc"]) for w in first if w["wp"] != "p"])
    assert t.sentences["confidence"][0] == pytest.approx(expected)
    assert t.words["confidence"][0] == float(first[0]["wc"])


def test_numbers_may_be_numbers_or_strings(dest):
    numeric = copy.deepcopy(dest)
    for s in numeric:
        s["bg"], s["ed"] = int(s["bg"]), float(s["ed"])
        for w in s["wordsResultList"]:
            w["wordBg"], w["wc"] = int(w["wordBg"]), float(w["wc"])
    a, b = parse(dest), parse(numeric)
    pd.testing.assert_frame_equal(a.sentences, b.sentences)
    pd.testing.assert_frame_equal(a.words, b.words)


def test_out_of_order_sentences_are_sorted_and_words_follow_them(dest):
    t = parse(list(reversed(dest)))
    assert t.sentences["start"].is_monotonic_increasing
    assert list(t.sentences["text"]) == [x["onebest"] for x in dest]
    for i, s in enumerate(dest):
        assert list(t.words[t.words["sentence"] == i]["text"]) == words_of(s)


def test_edge_sentences_empty_words_only_punctuation_missing_text():
    t = parse([
        {"bg": "0", "ed": "900", "onebest": "No words here.", "speaker": "1",
         "wordsResultList": []},
        {"bg": "1000", "ed": "1400", "onebest": "。", "speaker": "1",
         "wordsResultList": [{"wordBg": "0", "wordEd": "0", "wordsName": "。", "wp": "p"}]},
        {"bg": "2000", "ed": "2600", "speaker": 2,
         "wordsResultList": [{"wordBg": "0", "wordEd": "20", "wordsName": "Hello", "wp": "n"},
                             {"wordBg": "20", "wordEd": "20", "wordsName": ",", "wp": "p"},
                             {"wordBg": "25", "wordEd": "50", "wordsName": "world", "wp": "n"}]},
        {"bg": "3000", "ed": "3100", "onebest": "", "wordsResultList": None},
    ])
    assert list(t.sentences["text"]) == ["No words here.", "。", "Hello, world"]
    assert list(t.sentences["speaker"]) == ["1", "1", "2"]
    assert t.words.loc[t.words["sentence"] == 1, "kind"].tolist() == ["punct"]
    assert t.words["confidence"].isna().all()
    assert t.sentences["translation"].isna().all()


def test_an_all_empty_transcript_is_an_error_not_an_empty_timeline():
    with pytest.raises(TranscriptFormatError, match="no sentence has any text"):
        parse([{"bg": "0", "ed": "10", "onebest": "", "wordsResultList": []}])


# --- rtasr messages -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rtasr() -> list[dict]:
    return load("rtasr_messages.json")


def test_rtasr_finals_replace_intermediates_and_markers_are_dropped(rtasr, dest):
    t = parse(rtasr)
    assert list(t.sentences["text"]) == [x["onebest"] for x in dest]
    assert list(t.sentences["start"]) == [float(x["bg"]) / 1000 for x in dest]
    assert list(t.sentences["end"]) == [float(x["ed"]) / 1000 for x in dest]
    assert "" not in set(t.words["text"])  # the closing "g" marker
    assert len(t.words) == sum(len(x["wordsResultList"]) for x in dest)


def test_rtasr_speaker_roles_are_carried_forward_and_translations_merged(rtasr, dest):
    t = parse(rtasr)
    assert list(t.sentences["speaker"]) == [x["speaker"] for x in dest]
    assert list(t.sentences["translation"]) == [x["dst"] for x in dest]


def test_rtasr_all_three_shapes_agree(rtasr, dest):
    columns = ["start", "end", "speaker", "text", "translation"]
    expected = parse(dest).sentences[columns]
    pd.testing.assert_frame_equal(parse(rtasr).sentences[columns], expected)
    raw = parse(load("lfasr_result.json"), raw=True)  # the sentence list is raw too
    pd.testing.assert_frame_equal(raw.sentences[columns], expected)


def rt_message(seg: int, bg: int, ed: int, words: list[tuple[str, int, int]], kind: str = "0",
               role: str | None = None) -> dict:
    ws = [{"cw": [{"w": w, "wp": "n"}], "wb": b, "we": e} for w, b, e in words]
    st = {"bg": str(bg), "ed": str(ed), "type": kind, "rt": [{"ws": ws}]}
    if role is not None:
        st["rl"] = role
    return {"seg_id": seg, "cn": {"st": st}, "ls": False}


def test_rtasr_alone_in_a_list_as_text_or_as_strings():
    one = rt_message(0, 500, 1500, [("hello", 0, 40), ("there", 40, 90)])
    for form in (one, [one], json.dumps(one), [json.dumps(one)], json.dumps([one]).encode()):
        t = parse(form)
        assert list(t.sentences["text"]) == ["hello there"]
        assert list(t.words["start"]) == [0.5, 0.9]


def test_rtasr_a_late_intermediate_never_replaces_a_final_and_unfinished_ones_stay():
    messages = [
        rt_message(0, 0, 1000, [("final", 0, 90)]),
        rt_message(0, 0, 0, [("late", 0, 0)], kind="1"),
        rt_message(1, 2000, 0, [("still", 0, 30), ("talking", 30, 70)], kind="1"),
    ]
    t = parse(messages)
    assert list(t.sentences["text"]) == ["final", "still talking"]
    assert t.sentences["end"][1] == pytest.approx(2.7)  # its last word: ed is "0"


def test_rtasr_role_on_the_sentence_or_first_word_and_zero_means_unchanged():
    messages = [rt_message(0, 0, 500, [("a", 0, 10)], role="2"),
                rt_message(1, 600, 900, [("b", 0, 10)], role="0"),
                rt_message(2, 1000, 1500, [("c", 0, 10)])]
    messages[2]["cn"]["st"]["rt"][0]["ws"][0]["cw"][0]["rl"] = 3
    assert list(parse(messages).sentences["speaker"]) == ["2", "2", "3"]


def test_rtasr_error_envelope_is_reported():
    bad = [{"action": "error", "code": "10110", "data": "", "desc": "invalid authorization"}]
    with pytest.raises(TranscriptFormatError, match="10110") as info:
        parse(bad)
    assert info.value.where == "transcript[0]"


def test_rtasr_translation_without_its_segment_goes_to_the_overlapping_sentence():
    messages = [rt_message(0, 0, 1000, [("hola", 0, 50)]),
                {"biz": "trans", "segId": 99, "dst": "hello", "src": "hola", "bg": 100,
                 "ed": 900, "type": 0}]
    assert list(parse(messages).sentences["translation"]) == ["hello"]
    messages[1].update(bg=5000, ed=6000)
    with pytest.raises(TranscriptFormatError, match="matches no sentence") as info:
        parse(messages)
    assert info.value.where == "transcript[1]"


# --- long-audio (lfasr) results -----------------------------------------------------------------
@pytest.fixture(scope="module")
def lfasr() -> dict:
    return load("lfasr_result.json")


def test_lfasr_getresult_answer_with_order_result_text(lfasr, dest):
    t = parse(lfasr, raw=True)
    assert list(t.sentences["text"]) == [x["onebest"] for x in dest]
    assert list(t.sentences["translation"]) == [x["dst"] for x in dest]
    assert list(t.sentences["segment_id"]) == [str(i) for i in range(len(dest))]
    assert t.words["confidence"].notna().all()


def test_lfasr_lattice_with_json_text_is_read_when_there_is_no_lattice2(lfasr, dest):
    order = json.loads(lfasr["content"]["orderResult"])
    del order["lattice2"]
    t = parse(order)
    smoothed = [x["onebest"].removeprefix("嗯，") for x in dest]
    assert list(t.sentences["text"]) == smoothed
    assert list(t.sentences["speaker"]) == [x["speaker"] for x in dest]
    assert t.sentences["translation"].isna().all()
    with pytest.warns(TranscriptWarning, match="no lattice2"):
        assert list(parse(order, raw=True).sentences["text"]) == smoothed


def test_lfasr_broken_json_inside_is_named(lfasr):
    order = json.loads(lfasr["content"]["orderResult"])
    del order["lattice2"]
    order["lattice"][3]["json_1best"] = '{"st": {"bg": '
    with pytest.raises(TranscriptFormatError, match="not valid JSON") as info:
        parse({"content": {"orderResult": json.dumps(order)}})
    assert info.value.where == "transcript.content.orderResult.lattice[3].json_1best"
    assert "lattice[3].json_1best" in str(info.value)


def test_lfasr_bad_word_time_is_named_down_to_the_field(lfasr):
    order = json.loads(lfasr["content"]["orderResult"])
    order["lattice2"][1]["json_1best"]["st"]["rt"][0]["ws"][2]["wb"] = "soon"
    with pytest.raises(TranscriptFormatError, match="expected a number") as info:
        parse(order, raw=True)
    assert info.value.where == "transcript.lattice2[1].json_1best.st.rt[0].ws[2].wb"


# --- what is not a transcript -------------------------------------------------------------------
@pytest.mark.parametrize(("value", "found"), [
    ({}, "empty object"), ([], "empty list"), ("not json at all", "not valid JSON"), (42, "int"),
    ({"foo": 1}, r"keys \[foo\]"), ([1, 2], "int 1"), ({"lattice": []}, "no sentences"),
    ([{"action": "started", "code": "0", "data": ""}], "no recognition results"),
])
def test_unknown_shapes_raise_a_clear_error(value, found):
    with pytest.raises(TranscriptFormatError, match=found):
        parse(value)


def test_missing_and_wrong_fields_are_named(dest):
    with pytest.raises(TranscriptFormatError, match="missing 'bg'") as info:
        parse([{"ed": "10", "onebest": "x"}])
    assert info.value.where == "transcript[0]"
    broken = copy.deepcopy(dest)
    broken[4]["wordsResultList"][1]["wordEd"] = {"frames": 3}
    with pytest.raises(TranscriptFormatError, match="expected a number, found an object") as info:
        parse(broken)
    assert info.value.where == "transcript[4].wordsResultList[1].wordEd"


def test_forced_format_is_obeyed_and_checked(rtasr, dest):
    assert detect(dest) == "sentences" and detect(rtasr) == "rtasr"
    assert len(parse(dest, format="sentences")) == len(dest)
    with pytest.raises(TranscriptFormatError):
        parse(rtasr, format="sentences")
    with pytest.raises(ValidationError, match="format must be one of"):
        parse(dest, format="srt")


# --- a task's transcripts -----------------------------------------------------------------------
def test_from_task_gives_source_and_translated_timelines():
    answer = load("task_query.json")
    dest = json.loads(answer["result"]["destRtasrInfo"])
    source, translated = from_task(answer["result"])
    assert source.lang == "zh" and translated.lang == "en"
    assert list(source.sentences["text"]) == [x["onebest"] for x in dest]
    assert list(source.sentences["translation"]) == [x["dst"] for x in dest]
    assert list(translated.sentences["text"]) == [x["dst"] for x in dest]
    assert list(translated.sentences["source_text"]) == [x["onebest"] for x in dest]
    pd.testing.assert_series_equal(translated.sentences["start"], source.sentences["start"])
    assert len(source.words) == sum(len(x["wordsResultList"]) for x in dest)


def test_from_task_takes_the_whole_answer_or_the_client_model():
    answer = load("task_query.json")
    result = answer["result"]
    model = SimpleNamespace(original_rtasr_info=json.loads(result["originalRtasrInfo"]),
                            dest_rtasr_info=result["destRtasrInfo"], original_lang="zh",
                            dest_lang="en")
    for task in (answer, model):
        source, translated = from_task(task)
        assert len(source) == len(translated) == len(json.loads(result["destRtasrInfo"]))


@pytest.mark.parametrize(("field", "value", "found"), [
    ("destRtasrInfo", None, "missing"), ("originalRtasrInfo", "", "empty"),
    ("destRtasrInfo", "[]", "empty list"),
])
def test_from_task_names_the_missing_or_empty_field(field, value, found):
    result = dict(load("task_query.json")["result"])
    result[field] = value
    with pytest.raises(TranscriptFormatError, match=found) as info:
        from_task(result)
    assert info.value.where == field


def test_from_task_without_any_translation_says_so():
    result = dict(load("task_query.json")["result"])
    result["destRtasrInfo"] = result["originalRtasrInfo"]
    with pytest.raises(TranscriptFormatError, match="no translations") as info:
        from_task(result)
    assert info.value.where == "destRtasrInfo"
