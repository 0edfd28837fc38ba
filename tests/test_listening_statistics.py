"""Listening-test statistics: sign tests with ties, Bradley-Terry, clustered intervals, power."""

from __future__ import annotations

import math
from math import comb

import numpy as np
import pandas as pd
import pytest

from qavix_lab.audio.listening.statistics import (
    bradley_terry,
    clustered_mean,
    raters_needed,
    sign_test,
    variance_components,
)
from qavix_lab.errors import ValidationError


def two_sided(k: int, n: int) -> float:
    tail = sum(comb(n, i) for i in range(max(k, n - k), n + 1)) / 2 ** n
    return min(1.0, 2 * tail) if k != n - k else 1.0


@pytest.mark.parametrize(("wins", "losses", "ties"), [(9, 1, 0), (7, 3, 6), (0, 5, 2), (4, 4, 9)])
def test_the_sign_test_drops_or_splits_ties(wins, losses, ties):
    dropped = sign_test(wins, losses, ties)
    assert dropped.p_value == pytest.approx(two_sided(wins, wins + losses))
    split = sign_test(wins, losses, ties, ties_as="split")
    half = ties // 2
    assert split.p_value == pytest.approx(two_sided(wins + half, wins + losses + 2 * half))
    assert split.p_value >= dropped.p_value - 1e-12  # ties only ever weaken the evidence
    assert sign_test(0, 0, 5).p_value == 1.0
    with pytest.raises(ValidationError, match="ties_as"):
        sign_test(1, 2, 3, ties_as="ignore")


def test_bradley_terry_recovers_the_strengths_behind_simulated_wins():
    true = np.array([0.0, 0.7, 1.4, -0.8])
    rng = np.random.default_rng(1)
    wins = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            if i < j:
                p = 1 / (1 + np.exp(true[j] - true[i]))
                won = rng.binomial(400, p)
                wins[i, j], wins[j, i] = won, 400 - won
    estimate = bradley_terry(wins)
    assert estimate.mean() == pytest.approx(0, abs=1e-9)
    assert np.argsort(estimate).tolist() == np.argsort(true).tolist()
    assert estimate - estimate[0] == pytest.approx(true - true[0], abs=0.15)


def test_a_system_that_never_lost_still_gets_a_finite_strength():
    wins = np.array([[0, 10], [0, 0]], float)
    estimate = bradley_terry(wins)
    assert np.isfinite(estimate).all() and estimate[0] > estimate[1]


def scores(rater_sd: float, item_sd: float, noise: float, raters=8, items=10, seed=0):
    rng = np.random.default_rng(seed)
    r, i = rng.normal(0, rater_sd, raters), rng.normal(0, item_sd, items)
    rows = [(f"r{a}", f"i{b}", 0.5 + r[a] + i[b] + rng.normal(0, noise))
            for a in range(raters) for b in range(items)]
    return pd.DataFrame(rows, columns=["rater", "item", "score"])


def test_intervals_widen_when_raters_disagree_and_cover_the_mean():
    calm = clustered_mean(scores(0.0, 0.0, 0.5), boot=300)
    split = clustered_mean(scores(1.5, 0.0, 0.5), boot=300)
    for mean, low, high in (calm, split):
        assert low < mean < high
    assert (split[2] - split[1]) > 2 * (calm[2] - calm[1])


def test_variance_components_find_the_spread_of_raters_and_items():
    sd = variance_components(scores(1.0, 0.5, 0.3, raters=40, items=40))
    assert sd["sd_rater"] == pytest.approx(1.0, rel=0.35)
    assert sd["sd_item"] == pytest.approx(0.5, rel=0.35)
    assert sd["sd_residual"] == pytest.approx(0.3, rel=0.2)


def test_the_power_helper_follows_the_variance_formula():
    # no rater or item spread: R = sd²/I / (effect / (z_a + z_b))², rounded up
    z = 1.959963984540054 + 0.8416212335729143
    expected = math.ceil(1.0 / 20 / (0.3 / z) ** 2)
    assert raters_needed(0.3, items=20, sd_rater=0, sd_item=0) == max(2, expected)
    assert raters_needed(0.3, items=20) > raters_needed(0.6, items=20)
    assert raters_needed(0.3, items=40) <= raters_needed(0.3, items=20)
    with pytest.raises(ValidationError, match="add items"):
        raters_needed(0.1, items=2, sd_item=1.0)
    with pytest.raises(ValidationError, match="effect"):
        raters_needed(0.0)
