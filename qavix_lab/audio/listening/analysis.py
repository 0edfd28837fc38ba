"""From answers to a reviewer's tables: screening, pairwise tests, rankings, intervals, verdict.

Intervals resample raters and items together (:func:`.statistics.cluster_bootstrap`). Raters who
fail gold trials or contradict themselves on hidden duplicates are flagged and, by default,
left out; the verdict says so.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...errors import ValidationError
from . import statistics as st

if TYPE_CHECKING:
    from .design import ListeningTest

GOLD_PASS = 0.75  # a rater passing fewer gold trials than this is flagged
CONSISTENT = 0.5  # ... or agreeing with themselves on fewer duplicates than this
CMOS_TOLERANCE = 1  # duplicate CMOS answers this close count as consistent
MUSHRA_TOLERANCE = 20.0
FEW_RATERS = 5  # below this, a bootstrap over raters has too little to resample
ANCHOR = "(anchor)"


def _oriented(kind: str, row: Any) -> float:
    """The answer as "how much better is the second slot" (AB: -1, 0, +1; CMOS: the score)."""
    if kind == "ab":
        return {"A": -1.0, "B": 1.0, "=": 0.0}[row.answer]
    return float(row.answer)


def pair_scores(test: ListeningTest, answers: pd.DataFrame) -> pd.DataFrame:
    """AB/CMOS answers per pair in the systems' order: score > 0 favours ``b`` over ``a``."""
    rank = {s: i for i, s in enumerate([*test.systems, ANCHOR])}
    rows = []
    for row in answers.itertuples():
        first, second = row.systems[:2]
        score = _oriented(test.kind, row)
        a, b = (first, second) if rank[first] < rank[second] else (second, first)
        rows.append((row.rater, row.item, row.trial, row.role, a, b,
                     score if a == first else -score))
    return pd.DataFrame(rows, columns=["rater", "item", "trial", "role", "a", "b", "score"])


def abx_scores(answers: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for row in answers.itertuples():
        a, b, x = row.systems
        picked = a if row.answer == "A" else b
        pair = sorted((a, b))
        rows.append((row.rater, row.item, row.trial, row.role, pair[0], pair[1], picked,
                     float(picked == x)))
    return pd.DataFrame(rows, columns=["rater", "item", "trial", "role", "a", "b", "picked",
                                       "score"])


def mushra_scores(answers: pd.DataFrame) -> pd.DataFrame:
    rows = [(row.rater, row.item, row.trial, row.role, system, score)
            for row in answers.itertuples()
            for system, score in zip(row.systems, row.answer, strict=True)]
    return pd.DataFrame(rows, columns=["rater", "item", "trial", "role", "system", "score"])


def scores_frame(test: ListeningTest, answers: pd.DataFrame | None = None) -> pd.DataFrame:
    """One score per rater and item for the kind (for variance components and power)."""
    answers = test.answers if answers is None else answers
    answers = answers[answers["role"] == "test"]
    if test.kind == "mushra":
        return mushra_scores(answers)
    return abx_scores(answers) if test.kind == "abx" else pair_scores(test, answers)


# -- screening ---------------------------------------------------------------------------------
def _gold_passed(kind: str, row: Any) -> bool:
    systems = row.systems
    if kind == "mushra":
        scores = dict(zip(systems, row.answer, strict=True))
        others = [v for k, v in scores.items() if k != ANCHOR]
        return bool(scores[ANCHOR] < np.median(others))
    if kind == "abx":
        return (systems[0] if row.answer == "A" else systems[1]) == systems[2]
    better_second = systems[1] != ANCHOR
    score = _oriented(kind, row)
    return score > 0 if better_second else score < 0


def _consistent(kind: str, first: Any, second: Any) -> bool:
    if kind == "mushra":
        a = dict(zip(first.systems, first.answer, strict=True))
        b = dict(zip(second.systems, second.answer, strict=True))
        return bool(np.mean([abs(a[s] - b[s]) for s in a]) <= MUSHRA_TOLERANCE)
    if kind == "abx":
        def pick(row: Any) -> str:
            return row.systems[0] if row.answer == "A" else row.systems[1]
        return pick(first) == pick(second)
    # the duplicate swaps the slots: the same opinion reads with the opposite sign
    if kind == "ab":
        return _oriented(kind, first) == -_oriented(kind, second)
    return abs(_oriented(kind, first) + _oriented(kind, second)) <= CMOS_TOLERANCE


def screening(test: ListeningTest, answers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per rater: gold trials passed, duplicates answered consistently, and a flag with why."""
    answers = test.answers if answers is None else answers
    rows = []
    for rater, mine in answers.groupby("rater", sort=False):
        checks = mine["role"] == "gold"
        if test.kind == "mushra":
            checks = mine["systems"].map(lambda s: ANCHOR in s)
        gold = [_gold_passed(test.kind, r) for r in mine[checks].itertuples()]
        by_trial = {r.trial: r for r in mine.itertuples()}
        dups = [_consistent(test.kind, by_trial[r.repeats], r)
                for r in mine[mine["role"] == "duplicate"].itertuples() if r.repeats in by_trial]
        gold_rate = np.mean(gold) if gold else np.nan
        dup_rate = np.mean(dups) if dups else np.nan
        reasons = []
        if gold and gold_rate < GOLD_PASS:
            reasons.append(f"passed {sum(gold)} of {len(gold)} gold trials")
        if dups and dup_rate < CONSISTENT:
            reasons.append(f"consistent on {sum(dups)} of {len(dups)} duplicates")
        rows.append({"rater": rater, "answers": len(mine), "gold": len(gold),
                     "gold_passed": gold_rate, "duplicates": len(dups),
                     "consistent": dup_rate, "median_response_s": mine["response_s"].median(),
                     "flagged": bool(reasons), "reason": "; ".join(reasons)})
    frame = pd.DataFrame(rows, columns=["rater", "answers", "gold", "gold_passed", "duplicates",
                                        "consistent", "median_response_s", "flagged", "reason"])
    return frame.astype({"rater": "string", "reason": "string", "flagged": "bool"})


# -- per kind ----------------------------------------------------------------------------------
def _pairs_table(test: ListeningTest, scores: pd.DataFrame, confidence: float, boot: int
                 ) -> pd.DataFrame:
    rows = []
    for (a, b), group in scores.groupby(["a", "b"], sort=False):
        wins, losses = int((group["score"] > 0).sum()), int((group["score"] < 0).sum())
        ties = len(group) - wins - losses
        if test.kind == "abx":
            from scipy.stats import binomtest

            correct = int(group["score"].sum())
            p = float(binomtest(correct, len(group), 0.5, alternative="greater").pvalue)
        else:
            p = st.sign_test(wins, losses, ties).p_value
        mean, low, high = st.clustered_mean(group, confidence, boot)
        rows.append({"a": a, "b": b, "n": len(group), "b_better": wins, "a_better": losses,
                     "ties": ties, "mean": mean, "ci_low": low, "ci_high": high, "p_value": p})
    return pd.DataFrame(rows, columns=["a", "b", "n", "b_better", "a_better", "ties", "mean",
                                       "ci_low", "ci_high", "p_value"])


def _ranking_bt(test: ListeningTest, scores: pd.DataFrame, confidence: float, boot: int
                ) -> pd.DataFrame:
    systems = test.systems
    index = {s: i for i, s in enumerate(systems)}
    raters = pd.Categorical(scores["rater"])
    items = pd.Categorical(scores["item"])
    cells = np.zeros((len(raters.categories), len(items.categories), len(systems),
                      len(systems)))
    for r, i, a, b, score in zip(raters.codes, items.codes, scores["a"], scores["b"],
                                 scores["score"], strict=True):
        win_b = 1.0 if score > 0 else 0.0 if score < 0 else 0.5
        cells[r, i, index[b], index[a]] += win_b
        cells[r, i, index[a], index[b]] += 1 - win_b
    strength = st.bradley_terry(cells.sum(axis=(0, 1)))
    wr, wi = st.cluster_bootstrap(cells.shape[0], cells.shape[1], boot)
    reps = np.array([st.bradley_terry(np.einsum("r,rist,i->st", wr[k], cells, wi[k]),
                                      iterations=200, tol=1e-6) for k in range(boot)])
    rows = [{"system": s, "strength": strength[k],
             **dict(zip(("ci_low", "ci_high"), st.interval(reps[:, k], confidence),
                        strict=True)),
             "wins": cells.sum(axis=(0, 1, 3))[k]} for k, s in enumerate(systems)]
    table = pd.DataFrame(rows).sort_values("strength", ascending=False, ignore_index=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


def _ranking_means(scores: pd.DataFrame, confidence: float, boot: int) -> pd.DataFrame:
    rows = []
    for system, group in scores.groupby("system", sort=False):
        mean, low, high = st.clustered_mean(group, confidence, boot)
        rows.append({"system": system, "mean": mean, "ci_low": low, "ci_high": high,
                     "n": len(group)})
    table = pd.DataFrame(rows).sort_values("mean", ascending=False, ignore_index=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


def _per_item_human(test: ListeningTest, scores: pd.DataFrame) -> pd.DataFrame:
    """A human score per item and system: MUSHRA means, or mean advantage over the others."""
    if test.kind == "mushra":
        return scores.groupby(["item", "system"])["score"].mean().unstack()
    both = pd.concat([scores.assign(system=scores["b"], value=scores["score"]),
                      scores.assign(system=scores["a"], value=-scores["score"])])
    return both.groupby(["item", "system"])["value"].mean().unstack()


def side_by_side(test: ListeningTest, scores: pd.DataFrame, quality: pd.DataFrame
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Human and objective per system, and the items where they disagree (Kendall tau < 0)."""
    from scipy.stats import kendalltau

    if test.kind == "abx":
        raise ValidationError("ABX asks whether a difference is audible, not which is better: "
                              "there is no human score to set beside DNSMOS",
                              where="analyze(quality=...)")
    missing = {"system", "item", "dnsmos_ovrl"} - set(quality.columns)
    if missing:
        raise ValidationError(f"the quality table lacks {sorted(missing)}; make it with "
                              "test.quality()", where="analyze(quality=...)")
    human = _per_item_human(test, scores)
    objective = quality.pivot_table(index="item", columns="system", values="dnsmos_ovrl")
    per_system = pd.DataFrame({"human": human.mean(), "dnsmos_ovrl": objective.mean()})
    if "wer" in quality:
        per_system["wer"] = quality.groupby("system")["wer"].mean()
    per_system["human_rank"] = per_system["human"].rank(ascending=False)
    per_system["dnsmos_rank"] = per_system["dnsmos_ovrl"].rank(ascending=False)
    per_system["agree"] = per_system["human_rank"] == per_system["dnsmos_rank"]
    rows = []
    for item in human.index.intersection(objective.index):
        h, o = human.loc[item].dropna(), objective.loc[item].dropna()
        common = h.index.intersection(o.index)
        tau = kendalltau(h[common], o[common]).statistic if len(common) > 1 else np.nan
        rows.append({"item": item, "human_best": h[common].idxmax(),
                     "dnsmos_best": o[common].idxmax(), "tau": tau,
                     "disagree": bool(tau < 0) if np.isfinite(tau) else False})
    items = pd.DataFrame(rows, columns=["item", "human_best", "dnsmos_best", "tau", "disagree"])
    return per_system.rename_axis("system").reset_index(), items


# -- the result --------------------------------------------------------------------------------
@dataclass
class Analysis:
    """Tables (``.tables``: screening, pairs, ranking, [quality, disagreements]), a verdict,
    and one figure per table (:meth:`figures`, :meth:`save_figures`)."""

    kind: str
    tables: dict[str, pd.DataFrame]
    verdict: str
    confidence: float
    excluded: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def figures(self) -> dict[str, Any]:
        from .plots import figures

        return figures(self)

    def save_figures(self, folder: str | Path) -> list[Path]:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for name, figure in self.figures().items():
            saved.append(folder / f"{name}.png")
            figure.savefig(saved[-1], dpi=96, bbox_inches="tight")
        return saved

    def _repr_html_(self) -> str:
        parts = [f"<p><b>{html.escape(self.verdict)}</b></p>"]
        for name, table in self.tables.items():
            parts.append(f"<h4>{html.escape(name)}</h4>" + table.to_html(
                index=False, float_format=lambda v: f"{v:.3g}", border=0))
        return "".join(parts)


def _p(p: float) -> str:
    return f"p = {p:.3f}" if p >= 0.001 else "p < 0.001"


def _verdict(test: ListeningTest, tables: dict[str, pd.DataFrame], raters: int,
             excluded: list[str], confidence: float) -> str:
    level = f"{confidence:.0%}"
    parts = []
    ranking = tables.get("ranking")
    if ranking is not None and len(ranking):
        value = "mean" if "mean" in ranking else "strength"
        order = list(ranking["system"])
        parts.append(f"Ranking: {' > '.join(order)}.")
        top, second = ranking.iloc[0], ranking.iloc[1]
        separated = top["ci_low"] > second["ci_high"]
        parts.append(f"{top['system']} leads{' clearly' if separated else ''} "
                     f"({value} {top[value]:.2f}, {level} interval {top['ci_low']:.2f} to "
                     f"{top['ci_high']:.2f}" + ("" if separated else
                                               f"; it overlaps {second['system']}") + ").")
    for row in tables.get("pairs", pd.DataFrame()).itertuples():
        if test.kind == "abx":
            heard = row.p_value < 1 - confidence
            parts.append(f"{row.a} vs {row.b}: X identified in {row.mean:.0%} of {row.n} "
                         f"trials ({_p(row.p_value)}): "
                         + ("an audible difference." if heard else "no audible difference shown."))
            continue
        reliable = row.ci_low > 0 or row.ci_high < 0
        better, worse = (row.b, row.a) if row.mean >= 0 else (row.a, row.b)
        low, high = (row.ci_low, row.ci_high) if row.mean >= 0 else (-row.ci_high, -row.ci_low)
        what = "CMOS" if test.kind == "cmos" else "net preference"
        parts.append(f"{better} over {worse}: {what} {abs(row.mean):.2f} "
                     f"[{level}: {low:+.2f} to {high:+.2f}], {row.n} answers, "
                     f"{row.ties} ties, sign test {_p(row.p_value)}: "
                     + ("a reliable difference." if reliable else "not a reliable difference."))
    head = f"{raters} raters, {len(test.items)} items"
    if excluded:
        head += f"; left out {len(excluded)} flagged ({', '.join(excluded)})"
    if raters < FEW_RATERS:
        parts.append(f"With fewer than {FEW_RATERS} raters the intervals are rough: "
                     "treat them as a first look.")
    return f"{head}. " + " ".join(parts)


def analyze(test: ListeningTest, *, quality: pd.DataFrame | None = None,
            exclude_flagged: bool = True, confidence: float = 0.95, boot: int = 400
            ) -> Analysis:
    """Screen raters, then test, rank and summarise; see :class:`Analysis`."""
    answers = test.answers
    if answers.empty:
        raise ValidationError("no answers yet: run the widget, or add_results() from the page",
                              where="ListeningTest.analyze")
    screen = screening(test, answers)
    excluded = screen.loc[screen["flagged"], "rater"].tolist() if exclude_flagged else []
    kept = answers[~answers["rater"].isin(excluded)]
    if kept.empty:
        raise ValidationError(f"every rater was flagged ({', '.join(excluded)}); pass "
                              "exclude_flagged=False to look anyway", where="analyze")
    scores = scores_frame(test, kept)
    tables: dict[str, pd.DataFrame] = {"screening": screen}
    if test.kind == "mushra":
        tables["ranking"] = _ranking_means(scores[scores["system"] != ANCHOR], confidence, boot)
    else:
        tables["pairs"] = _pairs_table(test, scores, confidence, boot)
        if len(test.systems) > 2 and test.kind != "abx":
            tables["ranking"] = _ranking_bt(test, scores, confidence, boot)
    if quality is not None:
        tables["quality"], tables["disagreements"] = side_by_side(test, scores, quality)
    raters = kept["rater"].nunique()
    return Analysis(test.kind, tables, _verdict(test, tables, raters, excluded, confidence),
                    confidence, excluded)

