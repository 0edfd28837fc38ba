"""ListeningTest: balanced, counterbalanced trials; prepared, opaque stimuli; sessions; merging."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import numpy as np
import pytest
from listening_support import SYSTEMS, TEXTS, careless_answer, make_clips, run_rater

from qavix_lab.audio import Audio, load, loudness
from qavix_lab.audio.listening import ListeningTest
from qavix_lab.audio.listening.stimuli import prepare
from qavix_lab.audio.metrics import metrics
from qavix_lab.errors import ValidationError


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    return make_clips(tmp_path_factory.mktemp("clips"))


@pytest.fixture(scope="module")
def cmos(clips, tmp_path_factory):
    return ListeningTest(clips, TEXTS, "cmos", seed=5, folder=tmp_path_factory.mktemp("cmos"))


def test_every_pair_meets_on_every_item_and_each_order_equally_often(cmos):
    tests = cmos.trials[cmos.trials["role"] == "test"]
    pairs = Counter(frozenset(s) for s in tests["systems"])
    assert pairs == {frozenset(p): len(TEXTS) for p in itertools.combinations(SYSTEMS, 2)}
    orders = Counter(tuple(s) for s in tests["systems"])
    for a, b in itertools.combinations(SYSTEMS, 2):
        assert orders[a, b] == orders[b, a] == len(TEXTS) // 2
    firsts = Counter(s[0] for s in tests["systems"])
    assert set(firsts.values()) == {len(TEXTS)}  # position bias cancels per system
    for item, group in tests.groupby("item"):
        assert len(group) == 3, item


def test_duplicates_swap_the_slots_and_gold_trials_hold_the_anchor(cmos):
    trials = cmos.trials.set_index("trial")
    dups = trials[trials["role"] == "duplicate"]
    gold = trials[trials["role"] == "gold"]
    assert len(dups) >= 1 and len(gold) >= 1
    for dup in dups.itertuples():
        original = trials.loc[dup.repeats]
        assert original["role"] == "test" and original["item"] == dup.item
        assert dup.systems == original["systems"][::-1]
    assert all("(anchor)" in s and len(set(s)) == 2 for s in gold["systems"])
    # IDs are numbered in a shuffled order: the last IDs are not the extras
    positions = sorted(trials.index).index
    extras = [positions(t) for t in [*dups.index, *gold.index]]
    assert min(extras) < len(trials) - len(extras)


def test_the_seed_makes_the_design_reproducible(clips, cmos, tmp_path):
    again = ListeningTest(clips, TEXTS, "cmos", seed=5, folder=tmp_path / "a")
    other = ListeningTest(clips, TEXTS, "cmos", seed=6, folder=tmp_path / "b")
    assert again.trials.equals(cmos.trials) and again.id == cmos.id
    assert not other.trials.equals(cmos.trials) and other.id != cmos.id
    assert [t.id for t in cmos.order("r1")] == [t.id for t in again.order("r1")]
    assert [t.id for t in cmos.order("r1")] != [t.id for t in cmos.order("r2")]


def test_abx_plays_x_as_a_in_half_the_trials_and_mushra_rotates_the_slots(clips, tmp_path):
    abx = ListeningTest(clips, TEXTS, "abx", seed=1, gold=0, duplicates=0,
                        folder=tmp_path / "abx")
    rows = abx.trials["systems"]
    assert Counter(s[2] == s[0] for s in rows) == {True: 6, False: 6}
    assert all(s[2] in s[:2] for s in rows)
    assert abx.trial(abx.trials["trial"][0]).letters == ("A", "B", "X")
    for stimuli in abx.trials["stimuli"]:  # X is its own file, never A's or B's again
        assert len(set(stimuli)) == 3
        bodies = [abx.paths[s].read_bytes() for s in stimuli]
        assert bodies[2] not in bodies[:2]
    mushra = ListeningTest(clips, TEXTS, "mushra", seed=1, duplicates=0,
                           folder=tmp_path / "mushra")
    tests = mushra.trials["systems"]  # the hidden anchor is in every trial
    assert len(tests) == len(TEXTS)
    assert all(sorted(s) == sorted([*SYSTEMS, "(anchor)"]) for s in tests)
    assert len({s[0] for s in tests}) == len(TEXTS)  # each trial starts with another slot
    plain = ListeningTest(clips, TEXTS, "mushra", seed=1, duplicates=0, gold=0,
                          folder=tmp_path / "plain")
    assert all(sorted(s) == sorted(SYSTEMS) for s in plain.trials["systems"])


def test_stimuli_of_an_item_have_one_length_one_level_and_no_lead_in(cmos):
    """The blind leak of issue 16: durations, levels and silences must not tell systems apart."""
    for item, group in cmos.stimuli.groupby("item"):
        decoded = [load(p) for p in group["path"]]
        durations = [clip.duration for clip in decoded]
        assert max(durations) - min(durations) < 0.010, item
        systems = [load(p) for p, s in zip(group["path"], group["system"], strict=True)
                   if s != "(anchor)"]
        levels = [loudness(c) for c in systems]
        assert max(levels) - min(levels) < 1.0, item
        assert all(metrics(c)["lead_silence_s"] < 0.1 for c in systems)
    assert cmos.stimuli["gain_db"].abs().max() > 6  # the inputs really differed


def test_nothing_outside_python_names_a_system(cmos):
    for path in cmos.stimuli["path"]:
        name = path.rsplit("/", 1)[1]
        assert not any(system in name for system in SYSTEMS)
        with open(path, "rb") as f:
            data = f.read()
        assert data[:4] == b"OggS"
        assert not any(system.encode() in data for system in SYSTEMS)
    assert cmos.stimuli["stimulus"].str.fullmatch(r"[0-9a-f]{12}").all()


def test_short_clips_get_a_guarded_gain_and_loud_ones_lower_everyone():
    rate = 16000
    t = np.arange(int(0.2 * rate)) / rate
    short = Audio(0.001 * np.sin(2 * np.pi * 300 * t), rate, name="short")  # under 400 ms
    t = np.arange(rate) / rate
    spiky = np.sin(2 * np.pi * 200 * t) * 0.02
    spiky[8000] = 0.9  # a loud click in a quiet clip: matching would push it over full scale
    out = prepare({"x": {"short": short, "spiky": Audio(spiky, rate, name="spiky")}})
    assert out["x", "short"].gain_db <= 20.0 + 1e-9
    peak = max(np.abs(p.audio.samples).max() for p in out.values())
    assert 20 * np.log10(peak) <= -1.0 + 1e-3
    assert len(out["x", "short"].audio.samples) == len(out["x", "spiky"].audio.samples)


def test_a_session_walks_the_rater_through_every_trial_once(cmos):
    test = cmos
    now = [0.0]
    session = test.session("walker", clock=lambda: now[0])
    seen = []
    while not session.done:
        seen.append(session.trial.id)
        now[0] += 2.0
        session.answer(1)
    assert sorted(seen) == sorted(test.trials["trial"]) and session.number == session.total + 1
    answers = test.answers[test.answers["rater"] == "walker"]
    assert len(answers) == len(test.trials) and (answers["response_s"] == 2.0).all()
    with pytest.raises(ValidationError, match="answered all"):
        session.answer(1)


@pytest.mark.parametrize(("kind", "bad"), [("cmos", 4), ("cmos", "B"), ("cmos", True),
                                           ("ab", "C"), ("abx", "="), ("mushra", [10, 20]),
                                           ("mushra", [10, 20, 120])])
def test_a_wrong_answer_says_what_a_right_one_is(clips, tmp_path, kind, bad):
    test = ListeningTest({k: v[:2] for k, v in clips.items()}, TEXTS[:2], kind, seed=1,
                         duplicates=0, gold=0, folder=tmp_path)
    trial = test.trials["trial"][0]
    with pytest.raises(ValidationError, match="answer is"):
        test.record("r1", trial, bad)
    assert test.answers.empty


def test_bad_designs_are_refused(clips):
    with pytest.raises(ValidationError, match="kind"):
        ListeningTest(clips, TEXTS, "mos")
    with pytest.raises(ValidationError, match="two or more systems"):
        ListeningTest({"alice": clips["alice"]}, TEXTS)
    with pytest.raises(ValidationError, match="has 3 clips for 4 items"):
        ListeningTest({**clips, "bob": clips["bob"][:3]}, TEXTS)
    with pytest.raises(ValidationError, match="distinct"):
        ListeningTest(clips, [TEXTS[0]] * 4)
    with pytest.raises(ValidationError, match="codec"):
        ListeningTest(clips, TEXTS, codec="wma")


def results_file(test, rater: str, answer) -> dict:
    return {"format": "qavix-listening-results/1", "test": test.id, "kind": test.kind,
            "rater": rater, "answers": [{"trial": t.id, "answer": answer, "response_s": 1.5}
                                        for t in test.order(rater)]}


def test_results_files_merge_and_foreign_ones_are_refused(cmos, tmp_path):
    first = tmp_path / "r-one.json"
    first.write_text(json.dumps(results_file(cmos, "page one", 2)))
    pasted = json.dumps(results_file(cmos, "page two", -1))
    assert cmos.add_results([first, pasted]) == ["page one", "page two"]
    merged = cmos.answers.set_index("rater")
    assert (merged.loc["page one", "answer"] == 2).all()
    assert len(merged.loc["page two"]) == len(cmos.trials)
    foreign = {**results_file(cmos, "x", 1), "test": "0" * 16}
    with pytest.raises(ValidationError, match="another test"):
        cmos.add_results([foreign])
    with pytest.raises(ValidationError, match="not a results file"):
        cmos.add_results("{broken")
    with pytest.raises(ValidationError, match="no such results file"):
        cmos.add_results(str(tmp_path / "missing.json"))
    with pytest.raises(ValidationError, match="whole number"):
        cmos.add_results([results_file(cmos, "x", 7)])


def test_the_careless_rater_is_screened_out(clips, tmp_path):
    test = ListeningTest(clips, TEXTS, "cmos", seed=2, duplicates=4, gold=4,
                         folder=tmp_path)
    run_rater(test, "careful 1", seed=1)
    run_rater(test, "careful 2", seed=2)
    run_rater(test, "careless", careless_answer, seed=3)
    result = test.analyze(boot=100)
    screen = result.screening.set_index("rater")
    assert screen.loc["careless", "flagged"] and not screen.loc["careful 1", "flagged"]
    assert result.excluded == ["careless"]
    assert "left out 1 flagged (careless)" in result.verdict
    assert list(result.ranking["system"]) == ["carol", "bob", "alice"]


def test_a_tts_batch_table_becomes_a_test_and_failed_clips_are_named(clips, tmp_path):
    import pandas as pd

    rows = [{"voice_id": f"73{k}", "text": text, "audio_path": str(clips[name][i]),
             "error": None} for k, name in enumerate(SYSTEMS) for i, text in enumerate(TEXTS[:2])]
    frame = pd.DataFrame(rows)
    voices = pd.DataFrame({"voice_id": ["730", "731", "732"], "name": list(SYSTEMS)})
    test = ListeningTest.from_batch(frame, "ab", names=voices, seed=1, folder=tmp_path)
    assert test.systems == list(SYSTEMS) and test.items == TEXTS[:2]
    alice = test.stimuli[(test.stimuli["system"] == "alice")]
    assert len(alice) == 2
    broken = frame.assign(audio_path=frame["audio_path"].mask(frame.index == 3),
                          error=frame["error"].mask(frame.index == 3, "TaskFailed: [[fail]]"))
    with pytest.raises(ValidationError, match="1 clips failed .*voice 731"):
        ListeningTest.from_batch(broken)
