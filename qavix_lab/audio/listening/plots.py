"""One figure per table of an :class:`~.analysis.Analysis` (matplotlib, imported lazily)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .analysis import Analysis


def _errorbars(ax: Any, labels: list[str], values: Any, low: Any, high: Any) -> None:
    y = np.arange(len(labels))[::-1]
    values, low, high = (np.asarray(v, float) for v in (values, low, high))
    # a percentile interval may miss the full-data estimate by a rounding error
    errors = [np.maximum(values - low, 0), np.maximum(high - values, 0)]
    ax.errorbar(values, y, xerr=errors, fmt="o", capsize=4, color="C0")
    ax.set_yticks(y, labels)
    ax.grid(axis="x", alpha=0.3)


def figures(analysis: Analysis) -> dict[str, Any]:
    """{"screening", "pairs", "ranking", "quality"}: the figures of the tables present."""
    import matplotlib.pyplot as plt

    out: dict[str, Any] = {}
    level = f"{analysis.confidence:.0%} interval over raters and items"
    tables = analysis.tables
    screen = tables["screening"]
    fig, ax = plt.subplots(figsize=(7.5, 1.0 + 0.5 * len(screen)))
    y = np.arange(len(screen))[::-1]
    ax.barh(y + 0.2, screen["gold_passed"].fillna(0), 0.4, label="gold passed")
    ax.barh(y - 0.2, screen["consistent"].fillna(0), 0.4, label="duplicates consistent")
    ax.set_yticks(y, [f"{r}{' (flagged)' if f else ''}" for r, f in
                      zip(screen["rater"], screen["flagged"], strict=True)])
    ax.set_xlim(0, 1)
    ax.axvline(0.75, color="grey", ls=":")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    ax.set_title("Rater screening")
    out["screening"] = fig
    if "pairs" in tables and len(tables["pairs"]):
        pairs = tables["pairs"]
        fig, ax = plt.subplots(figsize=(6, 0.8 + 0.5 * len(pairs)))
        _errorbars(ax, [f"{b} over {a}" for a, b in zip(pairs["a"], pairs["b"], strict=True)],
                   pairs["mean"], pairs["ci_low"], pairs["ci_high"])
        centre = 0.5 if analysis.kind == "abx" else 0.0
        ax.axvline(centre, color="grey", ls="--")
        xlabel = {"cmos": "CMOS (> 0: the first named is better)",
                  "ab": "net preference (> 0: the first named is preferred)",
                  "abx": "share of X identified"}[analysis.kind]
        ax.set_xlabel(f"{xlabel}; {level}")
        ax.set_title("Pairwise comparisons")
        out["pairs"] = fig
    if "ranking" in tables:
        ranking = tables["ranking"]
        value = "mean" if "mean" in ranking else "strength"
        fig, ax = plt.subplots(figsize=(6, 0.8 + 0.45 * len(ranking)))
        _errorbars(ax, list(ranking["system"]), ranking[value], ranking["ci_low"],
                   ranking["ci_high"])
        ax.set_xlabel(("MUSHRA score" if value == "mean" else "Bradley-Terry log-strength")
                      + f"; {level}")
        ax.set_title("Ranking")
        out["ranking"] = fig
    if "quality" in tables:
        quality = tables["quality"]
        fig, ax = plt.subplots(figsize=(5, 4))
        ax.scatter(quality["dnsmos_ovrl"], quality["human"])
        for row in quality.itertuples():
            ax.annotate(str(row.system), (row.dnsmos_ovrl, row.human), fontsize=8,
                        xytext=(4, 4), textcoords="offset points")
        ax.set_xlabel("DNSMOS OVRL (predicted)")
        ax.set_ylabel({"cmos": "human: mean CMOS against the others",
                       "ab": "human: net preference against the others",
                       "mushra": "human: MUSHRA mean"}.get(analysis.kind, "human"))
        ax.margins(0.2)
        flagged = int(tables["disagreements"]["disagree"].sum())
        ax.set_title(f"Human vs objective ({flagged} items disagree)")
        out["quality"] = fig
    for fig in out.values():
        fig.tight_layout()
        plt.close(fig)
    return out
