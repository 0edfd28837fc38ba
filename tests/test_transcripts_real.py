"""Real iFlytek shapes and their quirks, reproduced in the project's own fixtures with values of
its own (datasets/transcripts/), checked against values worked out by hand. When the real outputs
collected for development are on this machine (../shared/transcripts-real/), they are parsed too.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from qavix_lab.errors import TranscriptFormatError
from qavix_lab.transcripts import Timeline, TranscriptWarning, detect, parse

DATA = Path(__file__).resolve().parents[1] / "datasets" / "transcripts"
# shared/ lies beside the checkout (CI, /work/main) or beside the folder of worktrees
REAL = next((root / "shared" / "transcripts-real" for root in Path(__file__).resolve().parents[2:4]
             if (root / "shared" / "transcripts-real").is_dir()),
            Path(__file__).resolve().parents[2] / "shared" / "transcripts-real")


def load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


# --- lfasr v2: lattice (smoothed) vs lattice2 (raw), lid "0" everywhere, si, spk paragraphs --
def test_lfasr_reads_the_smoothed_lattice_and_the_raw_one_on_request():
    answer = load("lfasr_result.json")
    smooth, raw = parse(answer), parse(answer, raw=True)
    assert smooth.sentences["text"][2] == "这个话题很有意思。"  # the filler 嗯 smoothed away
    assert raw.sentences["text"][2] == "嗯，这个话题很有意思。"
    assert "filler" not in set(smooth.words["kind"]) and "filler" in set(raw.words["kind"])
    assert list(smooth.sentences["start"]) == list(raw.sentences["start"]) == [
        0.0, 3.5, 7.0, 9.45, 13.2]


@pytest.mark.parametrize("raw", [False, True])
def test_lfasr_translations_land_on_their_own_sentence_although_every_lid_is_0(raw):
    t = parse(load("lfasr_result.json"), raw=raw)
    assert list(t.sentences["segment_id"]) == ["0", "1", "2", "3", "4"]
    assert t.sentences["translation"][1] == ("Today we are going to have a little chat about "
                                             "artificial intelligence.")
    assert t.sentences["translation"][2] == "Well, this topic is very interesting."
    assert t.sentences["translation"][4] == "Sure, go ahead."


def test_lfasr_speakers_come_from_rl_not_from_the_paragraph_label():
    t = parse(load("lfasr_result.json"), raw=True)
    assert list(t.sentences["speaker"]) == ["1", "1", "2", "2", "1"]


def test_lfasr_failed_order_warns_and_without_sentences_raises():
    answer = load("lfasr_result.json")
    answer["content"]["orderInfo"].update(status=-1, failType=11)
    with pytest.warns(TranscriptWarning, match=r"order failed \(status -1, failType 11\)"):
        parse(answer)
    answer["content"]["orderResult"] = json.dumps({"lattice": [], "lattice2": []})
    with pytest.warns(TranscriptWarning), \
            pytest.raises(TranscriptFormatError, match="the order failed"):
        parse(answer)


def test_lfasr_service_error_code_raises():
    with pytest.raises(TranscriptFormatError, match="code 26600, order not found"):
        parse({"code": "26600", "descInfo": "order not found", "content": None})


def test_all_zero_confidences_are_a_placeholder_not_zero():
    order = json.loads(load("lfasr_result.json")["content"]["orderResult"])
    for entry in order["lattice2"]:
        for ws in entry["json_1best"]["st"]["rt"][0]["ws"]:
            ws["cw"][0]["wc"] = "0.0000"
    t = parse({"lattice2": order["lattice2"]})
    assert t.words["confidence"].isna().all() and t.sentences["confidence"].isna().all()


# --- lfasr v1: {"ok", "err_no", "failed", "data": "<JSON text>"} ---------------------------
def test_lfasr_v1_answer_is_unwrapped_and_texts_are_stripped():
    assert detect(load("lfasr_v1_answer.json")) == "sentences"
    t = parse(load("lfasr_v1_answer.json"))
    s = t.sentences
    assert list(s["text"]) == ["今天的会议现在开始。", "好的。", "先看一下上周的数据。"]
    assert list(s["start"]) == [0.24, 3.12, 5.4] and list(s["end"]) == [3.11, 5.4, 8.93]
    assert s["confidence"][0] == pytest.approx((1 + 0.965 + 1 + 0.99 + 1) / 5)
    first = t.words[t.words["sentence"] == 1]
    assert list(first["text"]) == ["好的", "。"]
    assert list(first["start"]) == [3.22, 5.12] and list(first["end"]) == [5.12, 5.12]


def test_lfasr_v1_error_answer_raises_with_its_reason():
    answer = {"ok": -1, "err_no": 26605, "failed": "task not finished", "data": None}
    with pytest.raises(TranscriptFormatError, match="err_no 26605, task not finished"):
        parse(answer)


# --- rtasr: rl per word, wc placeholders, zero-length intermediate results -----------------
@pytest.fixture(scope="module")
def talk() -> Timeline:
    return parse(load("rtasr_word_speakers.json"))


def test_rtasr_speaker_change_inside_a_sentence_is_read_per_word(talk):
    w = talk.words
    assert list(w["speaker"][w["sentence"] == 0]) == ["1"] * 5 + ["2"] * 2
    # Speaker 2 took over mid-sentence: the next sentence ("rl" 0 = same as before) is theirs.
    assert list(talk.sentences["speaker"]) == ["1", "2", "2"]


def test_rtasr_texts_times_and_translations_by_hand(talk):
    s = talk.sentences
    assert list(s["text"]) == ["Good morning, everyone. Morning!", "Shall we start?",
                               "Yes let's"]
    assert list(s["translation"][:2]) == ["大家早上好。早！", "我们开始吧？"]
    assert list(s["start"]) == [1.0, 3.3, 4.8] and list(s["end"]) == [3.1, 4.5, 4.8]
    first = talk.words[talk.words["sentence"] == 0]
    assert list(first["start"][:2]) == [1.02, 1.31] and list(first["end"][:2]) == [1.3, 1.8]


def test_rtasr_word_confidence_is_missing_not_zero(talk):
    assert talk.words["confidence"].isna().all()
    assert talk.sentences["confidence"].isna().all()


def test_zero_length_cue_is_kept_in_srt_with_a_warning_and_in_vtt(talk):
    with pytest.warns(TranscriptWarning, match="1 zero-length cue"):
        srt_text = talk.to_srt()
    assert "3\n00:00:04,800 --> 00:00:04,840\nYes let's" in srt_text
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vtt = talk.to_vtt()
        assert "00:00:04.800 --> 00:00:04.800\nYes let's" in vtt
    with pytest.warns(TranscriptWarning, match="last 0.08 s"):
        assert "00:00:04,800 --> 00:00:04,880" in talk.to_srt(instant=0.08)


# --- broken times are named -----------------------------------------------------------------
@pytest.mark.parametrize(("field", "value", "found"), [
    ("bg", "-40", "negative"), ("ed", "100", "ends before it starts"),
    ("ed", "1e300", "absurd"), ("bg", "1e20", "absurd"),
])
def test_bad_sentence_times_raise_naming_the_field(field, value, found):
    answer = load("lfasr_v1_answer.json")
    data = json.loads(answer["data"])
    data[2][field] = value
    answer["data"] = json.dumps(data)
    with pytest.raises(TranscriptFormatError, match=found) as info:
        parse(answer)
    assert info.value.where == f"transcript.data[2].{field}"


def test_reversed_word_time_is_named():
    messages = load("rtasr_word_speakers.json")
    messages[2]["cn"]["st"]["rt"][0]["ws"][1]["we"] = 3
    with pytest.raises(TranscriptFormatError, match="ends before it starts") as info:
        parse(messages)
    assert info.value.where == "transcript[2].cn.st.rt[0].ws[1].we"


@pytest.mark.parametrize("end", [float("inf"), float("nan"), 1e300, -1.0])
def test_subtitles_never_overflow_on_impossible_times(end, tmp_path):
    s = parse(load("lfasr_v1_answer.json")).sentences.copy()
    s.loc[1, "end"] = end
    t = Timeline(s)
    for write in (t.to_srt, t.to_vtt, lambda: t.save_srt(tmp_path / "x.srt")):
        with pytest.raises(TranscriptFormatError) as info:
            write()
        assert info.value.where == "sentences row 1"


# --- the real outputs, when present -----------------------------------------------------------
real = pytest.mark.skipif(not REAL.is_dir(), reason="the real outputs are not on this machine")


def _real(name: str):
    return (REAL / name).read_bytes()


@real
def test_real_lfasr_v2_smoothed_ids_and_placeholder_confidences():
    t = parse(_real("lfasr_v2_orderResult.json"))
    assert list(t.sentences["text"]) == ["打开QQ音乐", "播放。"]
    assert list(t.sentences["start"]) == [0.14, 2.11] and list(t.sentences["end"]) == [1.89, 2.65]
    assert t.words["confidence"].isna().all()
    raw = parse(_real("lfasr_v2_orderResult.json"), raw=True)
    assert list(raw.sentences["segment_id"]) == ["0", "1"]  # st.si, not lid ("0" twice)


@real
def test_real_rtasr_messages():
    seg7 = parse(_real("csdn_u013283476_108660898__rtasr_seg7_envelope.json"))
    assert seg7.sentences["text"][0] == "我们生活的世界里有两个世界"
    assert (seg7.sentences["start"][0], seg7.sentences["end"][0]) == (5.12, 8.52)
    assert (seg7.words["start"][0], seg7.words["end"][0]) == (5.35, 5.82)
    seg8 = parse(_real("rtasr_seg8_message.json"))
    assert seg8.sentences["text"][0] == "床前明月光，疑是地上霜，举头望明月，低头思故乡。"
    assert seg8.words["confidence"].isna().all()
    intermediate = parse(_real("xfyun_doc_rtasr_API__result_example_envelope.json"))
    with pytest.warns(TranscriptWarning):
        assert "啊喂！你好！我是上" in intermediate.to_srt()


@real
def test_real_lfasr_v1_sentence_lists():
    t = parse(_real("lfasr_v1_py2demo_with_participle.json"))
    assert len(t) == 3 and t.sentences["start"][0] == 0.18 and t.sentences["end"][2] == 10.01
    assert t.words["text"][0] == "你" and t.words["start"][0] == 0.22
    assert np.isclose(t.words["confidence"][1], 0.971)
