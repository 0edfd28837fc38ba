"""Pictures: speaker lanes with source and translation aligned in time; a QA summary.

matplotlib is imported here only, and pictures for ``_repr_png_`` are drawn on a bare
``Figure`` (the Agg renderer): no pyplot state, no display needed.
"""

from __future__ import annotations

import functools
import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .script import break_lines, is_wide

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .timeline import Timeline

_SEVERITY_COLORS = {"info": "#7f9fbf", "warning": "#f0a030", "error": "#d03030"}
_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Noto Sans CJK JP",
                 "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback",
                 "Microsoft YaHei", "PingFang SC", "Heiti SC", "SimHei", "Arial Unicode MS")
_MAX_LABELS = 80
_CHAR_INCHES = 0.062  # average width of one 7 pt character


@functools.cache
def _cjk_font() -> str | None:
    """An installed font family with Chinese glyphs, if any."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in _CJK_FAMILIES if family in installed), None)


def plot_timeline(timeline: Timeline, ax: Axes | None = None,
                  other: Timeline | None = None) -> Axes:
    """Draw the timeline's lanes on ``ax`` (a new figure when None) and return it."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(12, _height(timeline, other)), layout="constrained")
    draw_lanes(ax, timeline, other)
    return ax


def timeline_png(timeline: Timeline) -> bytes:
    """PNG of :func:`plot_timeline` for notebooks (``Timeline._repr_png_``)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12, _height(timeline, None)), layout="constrained")
    draw_lanes(figure.add_subplot(), timeline, None)
    return _png(figure)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _lanes(timeline: Timeline, other: Timeline | None) -> list[tuple[str, pd.DataFrame, int]]:
    """(label, sentences, speaker number) per lane: each speaker's source, then its translation."""
    source = timeline.sentences
    if other is not None:
        below = other.sentences
    else:
        below = source[source["translation"].notna()].assign(text=source["translation"])
    speakers = list(dict.fromkeys([*timeline.speakers, *pd.unique(below["speaker"].dropna())]))
    lanes = []
    for number, speaker in enumerate(speakers):
        lanes.append((f"speaker {speaker}", source[source["speaker"] == speaker], number))
        mine = below[below["speaker"] == speaker]
        if len(mine):
            lanes.append(("translation", mine, number))
    return lanes


def _height(timeline: Timeline, other: Timeline | None) -> float:
    return 1.2 + 0.55 * max(len(_lanes(timeline, other)), 1)


def draw_lanes(ax: Axes, timeline: Timeline, other: Timeline | None) -> None:
    """Sentences as bars in one lane per speaker (translations in the lane below), labelled
    with their text when few enough to read."""
    from matplotlib import colormaps

    lanes = _lanes(timeline, other)
    palette = colormaps["tab10"]
    frames = [frame for _, frame, _ in lanes]
    starts = pd.concat([f["start"] for f in frames]) if frames else pd.Series([0.0])
    ends = pd.concat([f["end"] for f in frames]) if frames else pd.Series([1.0])
    low, high = float(starts.min()), float(max(ends.max(), starts.min() + 1e-3))
    pad = 0.01 * (high - low)
    label = sum(len(f) for f in frames) <= _MAX_LABELS
    # the axes' own width (not the figure's), so axes in a subfigure or a grid measure right
    root = ax.get_figure(root=True)
    width_inches = ax.get_position().width * (root.get_figwidth() if root else 10.0)
    chars_per_second = width_inches / _CHAR_INCHES / (high - low + 2 * pad)
    missing_font = False
    for row, (_, frame, number) in enumerate(lanes):
        translation = row > 0 and lanes[row - 1][2] == number
        color = palette(number % 10)
        ax.broken_barh(list(zip(frame["start"], frame["duration"], strict=True)),
                       (-row - 0.38, 0.76), facecolors=color, alpha=0.4 if translation else 0.8,
                       edgecolor="white", linewidth=0.5 if label else 0)
        if label and not _label_bars(ax, frame, -row, chars_per_second):
            missing_font = True
    ax.set_yticks([-row for row in range(len(lanes))],
                  [name for name, _, _ in lanes], fontsize=9)
    ax.set_ylim(-len(lanes) + 0.4, 0.6)
    ax.set_xlim(low - pad, high + pad)
    _time_axis(ax, high - low)
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    if missing_font:
        ax.set_title("(no CJK font installed: install e.g. Noto Sans CJK to see Chinese text)",
                     fontsize=8, loc="right", color="gray")


def _label_bars(ax: Axes, frame: pd.DataFrame, y: float, chars_per_second: float) -> bool:
    """Write each sentence in its bar (two lines at most); False when some text needs a CJK
    font that is not installed (those bars stay blank: better than a row of boxes)."""
    cjk = _cjk_font()
    family = ["DejaVu Sans", cjk] if cjk else ["DejaVu Sans"]
    drawable = True
    for start, duration, text in zip(frame["start"], frame["duration"], frame["text"],
                                     strict=True):
        wide = isinstance(text, str) and is_wide(text)
        if wide and cjk is None:
            drawable = False
            continue
        room = int(duration * chars_per_second)
        if not isinstance(text, str) or room < 3:
            continue
        lines = break_lines(text, room, wide)
        if len(lines) > 2:
            lines = [lines[0], lines[1][:max(room - 1, 1)] + "…"]
        ax.text(start + duration / 2, y, "\n".join(lines), ha="center", va="center",
                fontsize=7, family=family, clip_on=True, linespacing=1.1)
    return drawable


def _clock(seconds: float, hours: bool = False) -> str:
    """m:ss (h:mm:ss past an hour or when asked), with tenths when not on a whole second."""
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    whole = int(seconds + 1e-6)
    tenths = f".{int(round((seconds - whole) * 10)) % 10}" if seconds - whole > 0.05 else ""
    if whole >= 3600 or hours:
        return f"{sign}{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}{tenths}"
    return f"{sign}{whole // 60}:{whole % 60:02d}{tenths}"


def plot_findings(findings: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Counts per check by severity, and findings on the time axis."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    checks = list(summary.index)
    figure = Figure(figsize=(12, 1.6 + 0.35 * max(len(checks), 1)), layout="constrained")
    counts_ax, time_ax = figure.subplots(1, 2, width_ratios=[1, 2], sharey=True)
    if not checks:
        counts_ax.text(0.5, 0.5, "no findings", ha="center", va="center",
                       transform=counts_ax.transAxes)
        return figure
    y = np.arange(len(checks))
    left = np.zeros(len(checks))
    for severity, color in _SEVERITY_COLORS.items():
        values = summary[severity].to_numpy(float)
        counts_ax.barh(y, values, left=left, color=color, label=severity)
        left += values
    counts_ax.set_yticks(y, checks)
    counts_ax.invert_yaxis()
    counts_ax.set_xlabel("findings")
    counts_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.legend(loc="outside upper left", ncol=3, fontsize=8, frameon=False)
    position = {check: i for i, check in enumerate(checks)}
    for severity, color in _SEVERITY_COLORS.items():
        hits = findings[findings["severity"] == severity]
        time_ax.scatter(hits["start"], [position[c] for c in hits["check"]], marker="|",
                        s=160, color=color, linewidths=2)
    low, high = findings.attrs.get("span") or (findings["start"].min(), findings["end"].max())
    pad = 0.01 * (high - low)
    time_ax.set_xlim(low - pad, high + pad)
    _time_axis(time_ax, high - low)
    time_ax.grid(axis="x", alpha=0.3)
    for ax in (counts_ax, time_ax):
        ax.spines[["top", "right"]].set_visible(False)
    total = findings.attrs.get("sentences")
    title = f"{len(findings)} findings" + (f" in {total} sentences" if total else "")
    figure.suptitle(f"{title} (profile {findings.attrs.get('profile', '?')})", fontsize=10)
    return figure


_TICK_SECONDS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


def _time_axis(ax: Axes, span: float) -> None:
    """Ticks on round clock times (every 15 s, 5 min, 1 h...), labelled m:ss or h:mm:ss."""
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    step = next((s for s in _TICK_SECONDS if span / s <= 10), 3600 * np.ceil(span / 36000))
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _clock(x, hours=span >= 3600)))
    ax.set_xlabel("time (h:mm:ss)" if span >= 3600 else "time (m:ss)")
