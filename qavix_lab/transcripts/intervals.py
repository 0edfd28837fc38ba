"""Time intervals as arrays of starts and ends: matching, gaps and overlaps."""

from __future__ import annotations

import numpy as np


def best_overlap(start: np.ndarray, end: np.ndarray, ref_start: np.ndarray,
                 ref_end: np.ndarray) -> np.ndarray:
    """For each interval, the index of the reference interval it overlaps most (-1: none)."""
    order = np.argsort(ref_start, kind="stable")
    rs, re_ = ref_start[order], ref_end[order]
    longest = float((re_ - rs).max()) if len(rs) else 0.0
    lows = np.searchsorted(rs, np.asarray(start) - longest, side="left")
    highs = np.searchsorted(rs, end, side="left")
    match = np.full(len(start), -1, dtype=np.intp)
    for i, (lo, hi) in enumerate(zip(lows.tolist(), highs.tolist(), strict=True)):
        if hi <= lo:
            continue
        shared = np.minimum(end[i], re_[lo:hi]) - np.maximum(start[i], rs[lo:hi])
        best = int(shared.argmax())
        if shared[best] > 0:
            match[i] = order[lo + best]
    return match


def gaps(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Silences between intervals sorted by start: ``(before, after)`` index pairs where the
    interval ``after`` starts later than every earlier interval has ended."""
    if len(start) < 2:
        empty = np.array([], dtype=np.intp)
        return empty, empty
    reach = np.maximum.accumulate(end)
    position = np.arange(len(end))
    # Which interval reaches furthest so far: the latest one whose end is the running maximum.
    furthest = np.maximum.accumulate(np.where(end == reach, position, 0))
    after = np.flatnonzero(start[1:] > reach[:-1]) + 1
    return furthest[after - 1], after


def overlaps(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(first, second)`` of intervals (sorted by start) that share time."""
    later_starts = np.searchsorted(start, end, side="left")
    counts = np.maximum(later_starts - np.arange(len(start)) - 1, 0)
    first = np.repeat(np.arange(len(start)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    second = first + 1 + offsets
    shared = np.minimum(end[first], end[second]) > start[second]
    return first[shared], second[shared]
