"""The statistics of listening tests, on plain arrays and DataFrames.

- :func:`sign_test`: two-sided exact sign test; ties are dropped (the usual test) or split.
- :func:`bradley_terry`: strengths from pairwise wins (ties count half), by Hunter's MM updates.
- :func:`cluster_bootstrap`: weights that resample raters and items together, so intervals
  carry both rater and sentence effects (Rosenberg & Ramabhadran 2017; Camp et al. 2023).
- :func:`raters_needed`: how many raters a given difference needs, from variance components.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import ValidationError


@dataclass(frozen=True)
class SignTest:
    wins: int  # for the second option
    losses: int
    ties: int
    p_value: float  # two-sided


def sign_test(wins: int, losses: int, ties: int = 0, *, ties_as: str = "drop") -> SignTest:
    """Two-sided exact sign test of ``wins`` against ``losses``.

    ``ties_as="drop"`` leaves ties out (the classic sign test); ``"split"`` gives half of them
    to each side (rounded down), which is more conservative when ties are many.

    >>> sign_test(9, 1).p_value
    0.021484375
    """
    from scipy.stats import binomtest

    if ties_as not in ("drop", "split"):
        raise ValidationError(f"ties_as is 'drop' or 'split', got {ties_as!r}", where="ties_as")
    k, n = wins, wins + losses
    if ties_as == "split":
        k, n = wins + ties // 2, n + 2 * (ties // 2)
    p = 1.0 if n == 0 else float(binomtest(k, n, 0.5).pvalue)
    return SignTest(wins, losses, ties, p)


def bradley_terry(wins: np.ndarray, iterations: int = 500, tol: float = 1e-9) -> np.ndarray:
    """Log-strengths (mean 0) from ``wins[i, j]`` = times i beat j (ties: 0.5 to each).

    Hunter's (2004) MM algorithm with a tiny prior win against every other system, so a
    system that never lost (or never won) still gets a finite strength.
    """
    w = np.asarray(wins, dtype=float) + 0.1 * (1 - np.eye(len(wins)))
    games = w + w.T
    p = np.ones(len(w))
    for _ in range(iterations):
        new = w.sum(axis=1) / (games / (p[:, None] + p[None, :])).sum(axis=1)
        new /= np.exp(np.log(new).mean())
        if np.abs(new - p).max() < tol:
            p = new
            break
        p = new
    return np.log(p)


def cluster_bootstrap(raters: int, items: int, boot: int, seed: int = 0
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Resampling weights (boot x raters, boot x items): multinomial counts of each rater and
    item drawn with replacement. A cell (r, i) counts ``wr[b, r] * wi[b, i]`` times."""
    rng = np.random.default_rng(seed)
    wr = rng.multinomial(raters, np.full(raters, 1 / raters), size=boot).astype(float)
    wi = rng.multinomial(items, np.full(items, 1 / items), size=boot).astype(float)
    return wr, wi


def interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile interval of bootstrap ``values`` (NaN replicates ignored)."""
    values = values[np.isfinite(values)]
    if not len(values):
        return math.nan, math.nan
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def clustered_mean(scores: pd.DataFrame, confidence: float = 0.95, boot: int = 400,
                   seed: int = 0) -> tuple[float, float, float]:
    """Mean of ``scores.score`` with an interval from a bootstrap over raters and items."""
    if scores.empty:
        return math.nan, math.nan, math.nan
    raters = pd.Categorical(scores["rater"])
    items = pd.Categorical(scores["item"])
    total = np.zeros((len(raters.categories), len(items.categories)))
    count = np.zeros_like(total)
    np.add.at(total, (raters.codes, items.codes), scores["score"].to_numpy(float))
    np.add.at(count, (raters.codes, items.codes), 1)
    wr, wi = cluster_bootstrap(*total.shape, boot, seed)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.einsum("br,ri,bi->b", wr, total, wi) / np.einsum("br,ri,bi->b", wr, count, wi)
    return (float(total.sum() / count.sum()), *interval(means, confidence))


def variance_components(scores: pd.DataFrame, within: list[str] | None = None
                        ) -> dict[str, float]:
    """Rater, item and residual standard deviations of ``score`` (rater, item columns),
    by the method of moments on rater and item means (floored at 0). ``within``: columns whose
    groups differ on purpose (the pair, the system): scores are centred per group first."""
    if scores.empty:
        return {}
    if within:
        centred = scores["score"] - scores.groupby(within)["score"].transform("mean")
    else:
        centred = scores["score"] - scores["score"].mean()
    rater_var = float(centred.groupby(scores["rater"]).mean().var(ddof=1) or 0.0)
    item_var = float(centred.groupby(scores["item"]).mean().var(ddof=1) or 0.0)
    residual = centred - centred.groupby(scores["rater"]).transform("mean") \
        - centred.groupby(scores["item"]).transform("mean")
    res_var = float(residual.var(ddof=1) or 0.0)
    clean = {k: v for k, v in {"sd_rater": rater_var, "sd_item": item_var,
                               "sd_residual": res_var}.items() if np.isfinite(v)}
    return {k: math.sqrt(max(v, 0.0)) for k, v in clean.items()}


def raters_needed(effect: float, *, items: int = 20, sd_rater: float = 0.3,
                  sd_item: float = 0.3, sd_residual: float = 1.0, alpha: float = 0.05,
                  power: float = 0.8) -> int:
    """Raters needed to detect a mean difference of ``effect`` (two-sided ``alpha``, ``power``).

    The variance of a mean over R raters and I items is sd_rater²/R + sd_item²/I +
    sd_residual²/(R·I). Defaults are typical CMOS spreads; pass your own (e.g. from a pilot:
    :func:`variance_components`).

    >>> raters_needed(0.3, items=20)
    """
    from scipy.stats import norm

    if not effect > 0 or items < 1 or not 0 < alpha < 1 or not 0 < power < 1:
        raise ValidationError("effect must be > 0, items >= 1, alpha and power in (0, 1)",
                              where="raters_needed")
    budget = (effect / (norm.ppf(1 - alpha / 2) + norm.ppf(power))) ** 2 - sd_item ** 2 / items
    if budget <= 0:
        raise ValidationError(f"with {items} items the sentence-to-sentence spread alone hides a "
                              f"difference of {effect}: add items, not raters",
                              where="raters_needed")
    return max(2, math.ceil((sd_rater ** 2 + sd_residual ** 2 / items) / budget))
