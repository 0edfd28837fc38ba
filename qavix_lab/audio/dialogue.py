"""Dialogue-gated loudness: BS.1770 loudness of the stretches where someone speaks.

Broadcast and streaming specs (Netflix: -27 LKFS +-2 dialogue-gated) measure the loudness of
dialogue, not of the whole mix: meters use Dolby's speech detector to choose what to measure.
Here the speech is known already (a transcript's sentences), so the gate is the transcript: the
samples inside the given intervals are measured together with :func:`metrics.loudness`.

>>> dialogue_loudness("dub.wav", [(0.5, 2.0), (3.0, 6.5)])      # doctest: +SKIP
dialogue_lkfs     -26.8
program_lkfs      -25.9
true_peak_dbtp     -3.1
dialogue_share     0.55
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .clip import Audio
from .load import AudioSource, load
from .metrics import MIN_DURATION_S, loudness, true_peak


def dialogue_loudness(audio: AudioSource, intervals: Iterable[tuple[float, float]]) -> pd.Series:
    """``dialogue_lkfs`` (loudness of the samples inside ``intervals``, seconds; NaN when they
    hold less than one 400 ms block), ``program_lkfs`` (the whole clip), ``true_peak_dbtp``
    (whole clip) and ``dialogue_share`` (share of the clip's duration inside the intervals).
    """
    clip = load(audio)
    rate, n = clip.sample_rate, len(clip.samples)
    inside = np.zeros(n + 1, dtype=np.int32)
    for start, end in intervals:
        a = int(np.clip(round(start * rate), 0, n))
        b = int(np.clip(round(end * rate), 0, n))
        if b > a:
            inside[a] += 1
            inside[b] -= 1
    mask = np.cumsum(inside[:-1]) > 0
    share = float(mask.mean()) if n else 0.0
    spoken = clip.samples[mask]
    dialogue = np.nan
    if len(spoken) >= MIN_DURATION_S * rate:
        dialogue = loudness(Audio(spoken, rate, name=f"{clip.name} (dialogue)"))
    program = loudness(clip) if clip.duration >= MIN_DURATION_S else np.nan
    peak = true_peak(clip)
    return pd.Series({
        "dialogue_lkfs": dialogue,
        "program_lkfs": program,
        "true_peak_dbtp": 20 * np.log10(peak) if peak > 0 else -np.inf,
        "dialogue_share": share,
    }, name=clip.name, dtype="float64")
