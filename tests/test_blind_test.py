"""BlindTest: random A/B orders kept in Python, votes, response times, and the binomial verdict."""

from __future__ import annotations

from math import comb

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qavix_lab.audio.listening.blinding import BlindTest, binomial_verdict
from qavix_lab.errors import ValidationError


def exact_p(k: int, n: int) -> float:
    """P(X >= k) for X ~ Binomial(n, 1/2), from the definition."""
    return sum(comb(n, i) for i in range(k, n + 1)) / 2 ** n


def vote_for(test: BlindTest, label: str) -> None:
    order = test.current()
    test.vote(next(slot for slot, who in order.items() if who == label))


def test_each_trial_has_its_own_random_order_reproducible_by_seed():
    def orders(seed):
        test = BlindTest(["alice", "bob"], trials=40, seed=seed)
        seen = []
        while not test.done:
            seen.append(test.current())
            test.vote("A")
        return seen

    first = orders(7)
    assert first == orders(7)
    assert first != orders(8)
    assert {tuple(o.values()) for o in first} == {("alice", "bob"), ("bob", "alice")}
    assert all(set(o) == {"A", "B"} for o in first)


def test_a_vote_records_the_slot_the_identity_behind_it_and_the_response_time():
    now = [100.0]
    test = BlindTest(["alice", "bob"], trials=3, seed=1, clock=lambda: now[0])
    now[0] += 2.5
    first = test.current()
    vote = test.vote("b", at=now[0])
    assert (vote.trial, vote.choice, vote.chosen) == (1, "B", first["B"])
    assert vote.response_s == pytest.approx(2.5)

    now[0] += 10  # the widget shows the next trial later: the timer starts then
    test.present()
    now[0] += 1.25
    second = test.current()
    test.vote("A")

    table = test.results()
    assert table["trial"].tolist() == [1, 2]
    assert table["choice"].tolist() == ["B", "A"]
    assert table["chosen"].tolist() == [first["B"], second["A"]]
    assert table[["A", "B"]].values.tolist() == [[first["A"], first["B"]],
                                                  [second["A"], second["B"]]]
    assert table["response_s"].tolist() == pytest.approx([2.5, 1.25])
    assert str(table["trial"].dtype) == "Int64"
    assert list(table["choice"].cat.categories) == ["A", "B"]
    assert list(table["chosen"].cat.categories) == ["alice", "bob"]
    assert table["response_s"].dtype == "float64"
    assert not test.done and test.number == 3


def test_the_test_ends_after_the_last_trial_and_after_a_reveal():
    test = BlindTest(["alice", "bob"], trials=2, seed=0)
    test.vote("A")
    test.vote("B")
    assert test.done
    with pytest.raises(ValidationError, match="all 2 trials"):
        test.vote("A")
    with pytest.raises(ValidationError):
        test.current()

    early = BlindTest(["alice", "bob"], trials=5, seed=0)
    early.vote("A")
    summary = early.reveal()
    assert summary.trials == 1 and early.revealed
    with pytest.raises(ValidationError, match="revealed"):
        early.vote("B")


@pytest.mark.parametrize("labels", [["alice"], ["alice", "alice"], ["a", "b", "c"], ["a", ""],
                                    "alice"])
def test_a_blind_test_needs_two_distinct_named_clips(labels):
    with pytest.raises(ValidationError, match="labels"):
        BlindTest(labels)


@pytest.mark.parametrize("trials", [0, -3, 2.5, True, "10"])
def test_trials_must_be_a_positive_whole_number(trials):
    with pytest.raises(ValidationError, match="trials"):
        BlindTest(["alice", "bob"], trials=trials)


@pytest.mark.parametrize("choice", ["C", "", None, "alice", 1])
def test_a_vote_is_a_or_b_and_never_an_identity(choice):
    test = BlindTest(["alice", "bob"], trials=2, seed=0)
    with pytest.raises(ValidationError, match="'A' or 'B'"):
        test.vote(choice)
    assert test.number == 1


def test_a_clear_preference_reports_the_exact_one_sided_binomial_p_value():
    test = BlindTest(["alice", "bob"], trials=10, seed=4)
    for label in ["bob"] * 9 + ["alice"]:
        vote_for(test, label)
    summary = test.summary()
    assert summary.counts == {"alice": 1, "bob": 9}
    assert summary.preferred == "bob" and summary.trials == 10
    assert summary.p_value == pytest.approx(exact_p(9, 10))
    assert summary.significant
    assert summary.verdict == (f"Listeners preferred bob in 9 of 10 trials "
                               f"(p = {exact_p(9, 10):.3f}): a clear preference")
    assert "bob" in summary._repr_html_()


@pytest.mark.parametrize(("alice", "bob"), [(6, 4), (3, 7), (1, 0)])
def test_a_weak_majority_is_no_reliable_preference(alice, bob):
    summary = binomial_verdict({"alice": alice, "bob": bob})
    k = max(alice, bob)
    assert summary.p_value == pytest.approx(exact_p(k, alice + bob))
    assert not summary.significant
    assert summary.verdict.endswith("no reliable preference")
    assert summary.preferred == ("alice" if alice > bob else "bob")


def test_a_tie_and_no_votes_prefer_nobody():
    tie = binomial_verdict({"alice": 5, "bob": 5})
    assert tie.preferred is None
    assert tie.verdict.startswith("Listeners chose alice and bob equally (5 of 10 each")
    assert tie.p_value == pytest.approx(exact_p(5, 10))
    empty = BlindTest(["alice", "bob"], trials=3).summary()
    assert (empty.trials, empty.preferred, empty.p_value) == (0, None, 1.0)
    assert empty.verdict == "No votes yet."
    assert len(BlindTest(["alice", "bob"]).results()) == 0


def test_a_tiny_p_value_is_not_printed_as_zero():
    verdict = binomial_verdict({"alice": 40, "bob": 0}).verdict
    assert "p < 0.001" in verdict and "p = 0.000" not in verdict


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), votes=st.lists(st.sampled_from("AB"), min_size=1,
                                                  max_size=25))
def test_counts_always_follow_the_identities_behind_the_slots(seed, votes):
    test = BlindTest(["alice", "bob"], trials=len(votes), seed=seed)
    expected = {"alice": 0, "bob": 0}
    for slot in votes:
        expected[test.current()[slot]] += 1
        test.vote(slot)
    summary = test.summary()
    assert summary.counts == expected
    assert summary.trials == len(votes) == sum(summary.counts.values())
    assert test.results()["chosen"].value_counts().to_dict() == expected


def test_each_voice_plays_first_in_half_the_trials():
    test = BlindTest(["alice", "bob"], trials=10, seed=3)
    firsts = []
    while not test.done:
        firsts.append(test.current()["A"])
        test.vote("A")
    assert firsts.count("alice") == firsts.count("bob") == 5


def test_tts_ab_blind_clips_match_in_length_and_level_so_neither_gives_a_voice_away():
    """Issue 16: the A and B players showed 0:03 and 0:02, and voting for the longer clip
    picked the same voice 10 of 10 times."""
    import numpy as np

    from qavix_lab.audio import Audio, load, loudness
    from qavix_lab.widgets.tts_ab import TtsAB

    rate = 16000

    def speechlike(seconds: float, lead: float, level: float, hz: float) -> np.ndarray:
        t = np.arange(int(seconds * rate)) / rate
        voiced = level * np.sin(2 * np.pi * hz * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
        return np.concatenate([np.zeros(int(lead * rate)), voiced, np.zeros(int(0.2 * rate))])

    ab = TtsAB(None, [{"voice_id": "1", "name": "alice"}, {"voice_id": "2", "name": "bob"}],
               trials=4, seed=1)
    ab.use_clips([Audio(speechlike(3.0, 0.0, 0.5, 180), rate, name="alice"),
                  Audio(speechlike(2.1, 0.6, 0.05, 120), rate, name="bob")], text="la la")
    raw = [load(ab.playback(name)).duration for name in ("alice", "bob")]
    assert abs(raw[0] - raw[1]) > 0.2  # the clips as synthesized do differ
    ab.start_blind()
    played = [load(bytes(ab._slot_players[slot].value)) for slot in "AB"]
    assert abs(played[0].duration - played[1].duration) < 0.010
    assert abs(loudness(played[0]) - loudness(played[1])) < 0.5
    assert {ab.blind_playback(n) for n in ("alice", "bob")} == {
        bytes(ab._slot_players[slot].value) for slot in "AB"}
