"""Analysis of every kind, the shared page, the notebook widget and the objective proxies."""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pandas as pd
import pytest
from listening_support import SYSTEMS, TEXTS, make_clips, run_rater

from qavix_lab.audio import Audio, quality
from qavix_lab.audio import proxies as quality_module
from qavix_lab.audio.listening import ListeningTest
from qavix_lab.audio.proxies import MissingExtra
from qavix_lab.errors import ValidationError


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    return make_clips(tmp_path_factory.mktemp("clips"))


@pytest.fixture(scope="module")
def tests_by_kind(clips, tmp_path_factory):
    built = {}
    for kind in ("ab", "abx", "cmos", "mushra"):
        test = ListeningTest(clips, TEXTS, kind, seed=11, folder=tmp_path_factory.mktemp(kind))
        for n in range(3):
            run_rater(test, f"r{n}", seed=n)
        built[kind] = test
    return built


@pytest.mark.parametrize("kind", ["ab", "cmos", "mushra"])
def test_the_ranking_finds_the_better_systems_with_intervals(tests_by_kind, kind, tmp_path):
    result = tests_by_kind[kind].analyze(boot=150)
    ranking = result.ranking
    assert list(ranking["system"]) == ["carol", "bob", "alice"]
    assert (ranking["ci_low"] <= ranking.iloc[:, 2]).all()
    assert (ranking.iloc[:, 2] <= ranking["ci_high"]).all()
    assert result.verdict.startswith("3 raters, 4 items.")
    assert "Ranking: carol > bob > alice." in result.verdict
    saved = result.save_figures(tmp_path)
    assert {p.stem for p in saved} >= {"screening", "ranking"}
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in saved)


def test_cmos_pairs_are_oriented_and_tested(tests_by_kind):
    pairs = tests_by_kind["cmos"].analyze(boot=150).pairs.set_index(["a", "b"])
    assert pairs.loc[("alice", "carol"), "mean"] > 1.0  # carol is two steps better
    assert pairs.loc[("alice", "carol"), "ci_low"] > 0
    assert pairs["n"].eq(4 * 3).all()
    assert pairs["p_value"].between(0, 1).all()


def test_ab_counts_no_preference_as_ties(tests_by_kind):
    pairs = tests_by_kind["ab"].analyze(boot=100).pairs
    assert (pairs["b_better"] + pairs["a_better"] + pairs["ties"] == pairs["n"]).all()


def test_abx_reports_whether_a_difference_is_audible(tests_by_kind):
    result = tests_by_kind["abx"].analyze(boot=100)
    assert "ranking" not in result.tables
    assert result.pairs["mean"].eq(1.0).all()
    assert "an audible difference" in result.verdict


def test_no_answers_is_a_clear_error(clips, tmp_path):
    test = ListeningTest({k: v[:2] for k, v in clips.items()}, TEXTS[:2], "cmos", seed=1,
                         folder=tmp_path)
    with pytest.raises(ValidationError, match="no answers yet"):
        test.analyze()


def test_human_and_objective_sit_side_by_side_and_disagreements_are_flagged(tests_by_kind):
    test = tests_by_kind["cmos"]
    rows = [(s, i, {"alice": 4.0, "bob": 3.0, "carol": 2.0}[s] if i != TEXTS[0] else
             {"alice": 2.0, "bob": 3.0, "carol": 4.0}[s], 0.1)
            for s in SYSTEMS for i in TEXTS]
    objective = pd.DataFrame(rows, columns=["system", "item", "dnsmos_ovrl", "wer"])
    result = test.analyze(quality=objective, boot=100)
    side = result.quality.set_index("system")
    assert side.loc["carol", "human_rank"] == 1 and side.loc["carol", "dnsmos_rank"] == 3
    assert not side.loc["carol", "agree"] and side.loc["bob", "agree"]
    flagged = result.disagreements.set_index("item")["disagree"]
    assert not flagged[TEXTS[0]] and flagged[TEXTS[1:]].all()
    assert "quality" in result.figures()


# --- the page ---------------------------------------------------------------------------------
def test_the_page_carries_every_stimulus_and_no_system_name(tests_by_kind, tmp_path):
    test = tests_by_kind["mushra"]
    page = test.export_html(tmp_path / "share.html").read_text()
    assert not any(name in page for name in SYSTEMS)
    assert str(test.folder) not in page and "(anchor)" not in page
    data = json.loads(re.search(r'id="qavix-test">(.*?)</script>', page, re.S).group(1))
    assert data["test"] == test.id and data["kind"] == "mushra"
    assert sorted(t["id"] for t in data["trials"]) == sorted(test.trials["trial"])
    assert set(data["stimuli"]) == set(test.stimuli["stimulus"])
    assert all(v.startswith("data:audio/ogg;base64,") for v in data["stimuli"].values())
    assert "role" not in json.dumps(data["trials"]) and "gold" not in json.dumps(data["trials"])


# --- the widget -------------------------------------------------------------------------------
def synced(widget) -> str:
    return json.dumps(widget.get_state(), default=str)


def test_raters_take_turns_in_the_widget_and_it_never_names_a_system(clips, tmp_path):
    from qavix_lab.widgets.listening import ListeningWidget

    test = ListeningTest({k: v[:2] for k, v in clips.items()}, TEXTS[:2], "ab", seed=1,
                         folder=tmp_path)
    widget = ListeningWidget(test)
    assert widget.trial == {}
    widget._on_message(widget, {"type": "start", "rater": "ann"}, [])
    total = widget.trial["total"]
    assert widget.trial["number"] == 1 and total == len(test.trials)
    for n in range(total):
        state = synced(widget)
        assert not any(name in state for name in SYSTEMS) and str(tmp_path) not in state
        assert widget.trial["number"] == n + 1
        widget._on_message(widget, {"type": "answer", "trial": widget.trial["id"],
                                    "answer": "A", "seconds": 1.25}, [])
    assert widget.trial == {} and "Thank you, ann" in widget.message
    answers = test.answers
    assert len(answers) == total and answers["response_s"].eq(1.25).all()
    widget.start("ben")
    widget.answer("=")
    widget._on_message(widget, {"type": "answer", "trial": "t999", "answer": "A"}, [])
    assert test.raters == ["ann", "ben"] and len(test.answers) == total + 1
    widget._on_message(widget, {"type": "answer", "trial": widget.trial["id"], "answer": "Z"},
                       [])
    assert "answer is one of" in widget.message
    with pytest.raises(ValidationError, match="ListeningTest"):
        ListeningWidget("not a test")


# --- objective proxies ------------------------------------------------------------------------
def test_dnsmos_scores_a_noisy_copy_below_the_clean_one(clips):
    from qavix_lab.audio import load

    clean = load(clips["carol"][0])
    rng = np.random.default_rng(0)
    noisy = Audio(clean.mono + rng.normal(0, 0.05, len(clean.mono)), clean.sample_rate,
                  name="noisy")
    table = quality([clean, noisy], dnsmos_scores=True, asr=False)
    assert list(table.columns) == ["dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl"]
    assert table["dnsmos_ovrl"].between(1, 5).all()
    assert table["dnsmos_bak"].iloc[0] > table["dnsmos_bak"].iloc[1] + 0.5


def test_the_asr_round_trip_scores_words_against_the_text(clips, monkeypatch):
    monkeypatch.setattr(quality_module, "transcribe", lambda _: "good morning welcome aboard")
    table = quality([clips["alice"][0], clips["bob"][0]],
                    texts=["Good morning, and welcome aboard.", "Good morning!"],
                    dnsmos_scores=False)
    assert table["wer"].tolist() == pytest.approx([1 / 5, 2 / 2])
    assert table["asr_text"].tolist() == ["good morning welcome aboard"] * 2


def test_the_asr_runs_for_english_only_and_needs_texts(clips):
    with pytest.raises(ValidationError, match="English model only"):
        quality(clips["alice"][:1], texts="Hallo", lang="de", asr=True)
    with pytest.raises(ValidationError, match="needs the texts"):
        quality(clips["alice"][:1], asr=True)
    german = quality(clips["alice"][:1], texts="Hallo", lang="de", dnsmos_scores=False)
    assert "wer" not in german


def test_a_missing_extra_says_what_to_install(monkeypatch, clips):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    quality_module._dnsmos_session.cache_clear()
    try:
        with pytest.raises(MissingExtra, match=r"pip install 'qavix_lab\[quality\]'"):
            quality(clips["alice"][:1])
    finally:
        quality_module._dnsmos_session.cache_clear()


def test_the_widget_leaves_a_static_line_for_exported_notebooks(tests_by_kind):
    from qavix_lab.widgets.listening import ListeningWidget

    bundle, _ = ListeningWidget(tests_by_kind["ab"])._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "answered by: r0, r1, r2" in bundle["text/html"]
    assert not any(name in bundle["text/html"] for name in SYSTEMS)


def test_dnsmos_gives_what_the_speechmos_reference_gives_on_one_segment(monkeypatch):
    """speechmos's own DNSMOS class on a 10 s clip (one segment for both). Its module imports
    librosa, used only for the P.808 mel input and for loading files: a stub stands in."""
    import importlib
    import types
    from importlib import resources

    fake = types.ModuleType("librosa")
    fake.feature = types.SimpleNamespace(
        melspectrogram=lambda y, sr, n_fft, hop_length, n_mels: np.ones((n_mels, 900),
                                                                        np.float32))
    fake.power_to_db = lambda mel, ref=None: mel
    monkeypatch.setitem(sys.modules, "librosa", fake)
    monkeypatch.delitem(sys.modules, "speechmos.dnsmos", raising=False)
    reference = importlib.import_module("speechmos.dnsmos")
    models = resources.files("speechmos").joinpath("dnsmos_models")
    scorer = reference.DNSMOS(str(models / "sig_bak_ovr.onnx"), str(models / "model_v8.onnx"))
    t = np.arange(160000) / 16000
    rng = np.random.default_rng(0)
    x = (0.3 * np.sin(2 * np.pi * 220 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
         + rng.normal(0, 0.01, len(t))).astype(np.float32)
    expected = scorer(x, 16000, False)
    ours = quality_module.dnsmos([x]).iloc[0]
    assert ours["dnsmos_sig"] == pytest.approx(expected["sig_mos"], abs=1e-4)
    assert ours["dnsmos_bak"] == pytest.approx(expected["bak_mos"], abs=1e-4)
    assert ours["dnsmos_ovrl"] == pytest.approx(expected["ovrl_mos"], abs=1e-4)
