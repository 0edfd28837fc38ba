"""Stacked plots of several clips (waveform, spectrogram, pitch) on one shared time axis."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ValidationError
from .clip import Audio
from .compare import load_all
from .load import AudioSource
from .pitch import pitch_track

KINDS = ("waveform", "spectrogram", "pitch")
_ENVELOPE_POINTS = 2000  # a waveform is drawn as a min/max band, not millions of line segments


def plot(*clips: AudioSource, kinds: Sequence[str] = KINDS, labels: Sequence[str] | None = None,
         max_hz: float = 8000.0, width: float = 10.0) -> Any:
    """A matplotlib Figure: for each clip one row per kind, all sharing time, each kind its y axis.

    >>> plot("alice.mp3", "bob.mp3", kinds=("waveform", "pitch")).savefig("ab.png")
    """
    from matplotlib.figure import Figure

    unknown = [k for k in kinds if k not in _DRAW]
    if unknown or not kinds:
        raise ValidationError(f"unknown plot kinds {unknown}; choose from {list(KINDS)}",
                              where="kinds")
    loaded = load_all(clips, labels)
    fig = Figure(figsize=(width, 0.6 + 1.5 * len(loaded) * len(kinds)), layout="constrained")
    axes = fig.subplots(len(loaded) * len(kinds), 1, sharex=True, squeeze=False)[:, 0]
    for i, clip in enumerate(loaded):
        for j, kind in enumerate(kinds):
            ax = axes[i * len(kinds) + j]
            if i:
                ax.sharey(axes[j])
            _DRAW[kind](ax, clip, max_hz)
        axes[i * len(kinds)].set_title(clip.name, loc="left", fontsize=10, fontweight="bold")
    axes[0].set_xlim(0, max(c.duration for c in loaded))
    axes[-1].set_xlabel("time (s)")
    return fig


def _waveform(ax: Any, clip: Audio, max_hz: float) -> None:
    x = clip.mono
    bins = min(_ENVELOPE_POINTS, len(x))
    edges = np.linspace(0, len(x), bins + 1).astype(int)
    low, high = np.minimum.reduceat(x, edges[:-1]), np.maximum.reduceat(x, edges[:-1])
    ax.fill_between(edges[:-1] / clip.sample_rate, low, high, color="tab:blue", linewidth=0.5)
    ax.set_ylim(-1, 1)
    ax.set_ylabel("amplitude")


def _spectrogram(ax: Any, clip: Audio, max_hz: float) -> None:
    from scipy.signal import spectrogram

    size = 2 ** int(np.log2(0.025 * clip.sample_rate))  # ~25 ms: formants and harmonics visible
    freqs, _, power = spectrogram(clip.mono, clip.sample_rate, nperseg=size,
                                  noverlap=size * 3 // 4)
    shown = freqs <= max_hz
    db = 10 * np.log10(np.maximum(power[shown], 1e-12))
    image = ax.imshow(db, origin="lower", aspect="auto", cmap="magma", vmin=db.max() - 80,
                      vmax=db.max(), extent=(0, clip.duration, 0, freqs[shown][-1]))
    # after a shorter clip ends the shared time axis shows silence, not a white gap
    ax.set_facecolor(image.cmap(0))
    ax.set_ylabel("Hz")


def _pitch(ax: Any, clip: Audio, max_hz: float) -> None:
    track = pitch_track(clip)
    ax.plot(track.time_s, track.f0_hz, ".", markersize=2.5, color="tab:red")
    ax.set_ylabel("F0 (Hz)")
    ax.grid(True, alpha=0.3)


_DRAW: dict[str, Callable[[Any, Audio, float], None]] = {
    "waveform": _waveform, "spectrogram": _spectrogram, "pitch": _pitch,
}
