"""``metrics()``: the numbers that tell two voices or two renders apart, units in their names."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ..errors import AudioError
from .clip import Audio
from .load import AudioSource, load
from .pitch import pitch_track
from .syllables import count_characters, count_syllables

MIN_DURATION_S = 0.4  # one BS.1770 gating block
SILENCE_BELOW_LOUDEST_DB = 40.0  # a 10 ms frame this far under the loudest one counts as silence
_FRAME_S = 0.01
_OVERSAMPLE = 4  # BS.1770 true peak
_TAPS = 12  # per phase of the true-peak interpolator
# positions per product: few enough that OpenBLAS stays on one thread (a thread waiting for a
# busy core costs more than it saves) and memory stays bounded on loud, long files
_PEAK_BATCH = 4096
_GATE_BLOCK_S, _GATE_STEP = 0.4, 0.25  # BS.1770 gating: 400 ms blocks, 75 % overlap
_ABSOLUTE_GATE_LUFS = -70.0
_CHANNEL_GAINS = np.array([1.0, 1.0, 1.0, 1.41, 1.41])  # L, R, C, Ls, Rs


def metrics(audio: AudioSource, text: str | None = None, lang: str | None = None) -> pd.Series:
    """Loudness, peaks, silences, speaking rate, pitch and brightness of one clip (float Series).

    Index: ``duration_s, loudness_lufs, sample_peak_dbfs, true_peak_dbtp, rms_dbfs,
    lead_silence_s, trail_silence_s, silence_ratio, chars_per_s, syllables_per_s, f0_median_hz,
    f0_p5_hz, f0_p95_hz, f0_range_st, centroid_hz``. Rates are per second of the span between the
    leading and trailing silence (NaN without ``text``); the F0 range runs from the 5th to the
    95th percentile of voiced frames; RMS is plain (a full-scale sine reads -3 dBFS).

    >>> metrics("hello.mp3", text="Hello there!", lang="en")["loudness_lufs"]
    """
    clip = load(audio)
    lufs = loudness(clip)
    silent = _silent_frames(clip)
    lead, trail = _edge_run(silent), _edge_run(silent[::-1])
    span = max(clip.duration - (lead + trail) * _FRAME_S, _FRAME_S)
    f0 = pitch_track(clip).f0_hz.dropna().to_numpy()
    p5, median, p95 = np.percentile(f0, [5, 50, 95]) if len(f0) else (np.nan,) * 3
    values = {
        "duration_s": clip.duration,
        "loudness_lufs": lufs,
        "sample_peak_dbfs": _db(float(np.abs(clip.samples).max())),
        "true_peak_dbtp": _db(true_peak(clip)),
        "rms_dbfs": _db(np.sqrt(np.mean(np.square(clip.samples, dtype=np.float64)))),
        "lead_silence_s": min(lead * _FRAME_S, clip.duration),
        "trail_silence_s": min(trail * _FRAME_S, clip.duration),
        "silence_ratio": float(silent.mean()),
        "chars_per_s": count_characters(text) / span if text else np.nan,
        "syllables_per_s": count_syllables(text, lang) / span if text else np.nan,
        "f0_median_hz": median,
        "f0_p5_hz": p5,
        "f0_p95_hz": p95,
        "f0_range_st": 12 * np.log2(p95 / p5) if len(f0) else np.nan,
        "centroid_hz": _centroid(clip, ~silent),
    }
    return pd.Series(values, name=clip.name, dtype="float64")


def loudness(audio: AudioSource) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770-4, gated); AudioError if too short or silent.

    The same K-weighting filters, blocks and gates as ``pyloudnorm.Meter``, without its
    per-block Python loops: the two biquads run as one 4th-order filter over all channels.
    """
    from scipy.signal import lfilter

    clip = load(audio)
    if clip.duration < MIN_DURATION_S:
        raise AudioError(f"too short to measure: {clip.duration:.2f} s, loudness needs at least "
                         f"{MIN_DURATION_S} s", where=clip.name)
    channels = clip.samples.T if clip.channels <= 5 else clip.mono[None, :]  # BS.1770: 5 at most
    weighted = lfilter(*_k_weighting(clip.sample_rate), channels.astype(np.float64), axis=-1)
    power = _CHANNEL_GAINS[: len(weighted)] @ _block_power(weighted, clip.sample_rate)
    with np.errstate(divide="ignore"):
        block_lufs = _lufs(power)
    if not (block_lufs > _ABSOLUTE_GATE_LUFS).any():
        raise AudioError("silent: nothing above the -70 LUFS gate", where=clip.name)
    relative_gate = _lufs(power[block_lufs >= _ABSOLUTE_GATE_LUFS].mean()) - 10.0
    kept = (block_lufs > relative_gate) & (block_lufs > _ABSOLUTE_GATE_LUFS)
    return float(_lufs(power[kept].mean()))


def _lufs(power: np.ndarray) -> np.ndarray:
    return -0.691 + 10.0 * np.log10(power)


@functools.cache
def _k_weighting(rate: int) -> tuple[np.ndarray, np.ndarray]:
    """BS.1770's K-weighting (pyloudnorm's high shelf, then its high pass) as one filter (b, a)."""
    from pyloudnorm.iirfilter import IIRfilter

    shelf = IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, rate, "high_shelf")
    high_pass = IIRfilter(0.0, 0.5, 38.0, rate, "high_pass")
    return np.convolve(shelf.b, high_pass.b), np.convolve(shelf.a, high_pass.a)


def _block_power(x: np.ndarray, rate: int) -> np.ndarray:
    """Mean square of each channel of ``x`` (channels x time) per 400 ms gating block.

    Block bounds follow pyloudnorm's arithmetic exactly. The blocks overlap, so the squares are
    summed once per stretch between consecutive bounds, then the stretches per block.
    """
    n = x.shape[1]
    count = int(np.round((n / rate - _GATE_BLOCK_S) / (_GATE_BLOCK_S * _GATE_STEP))) + 1
    steps = np.arange(count) * _GATE_STEP
    lower = (_GATE_BLOCK_S * steps * rate).astype(np.int64)
    upper = np.minimum((_GATE_BLOCK_S * (steps + 1) * rate).astype(np.int64), n)
    cuts = np.unique(np.concatenate([lower, upper]))
    cuts = cuts[cuts < n]
    stretches = np.add.reduceat(np.square(x), cuts, axis=1)
    stretches = np.pad(stretches, ((0, 0), (0, 1)))  # an empty stretch at the end: index n
    bounds = np.append(cuts, n).searchsorted(np.stack([lower, upper], axis=1).ravel())
    return np.add.reduceat(stretches, bounds, axis=1)[:, ::2] / (_GATE_BLOCK_S * rate)


def true_peak(audio: AudioSource) -> float:
    """Peak magnitude of the signal 4x oversampled (BS.1770 true peak), linear.

    Values between samples come from a 12-tap Kaiser-windowed sinc interpolator. They are
    computed only near samples that could make them beat the sample peak: an interpolated value
    cannot exceed the largest sample the filter reads times the filter's L1 gain.
    """
    clip = load(audio)
    phases, gain = _interpolator()
    magnitude = functools.reduce(np.maximum, np.abs(clip.samples.T))  # max over channels
    sample_peak = float(magnitude.max())
    loud = magnitude * gain > sample_peak
    near = loud.copy()  # the positions n whose interpolator reads a loud sample
    for shift in range(1, _TAPS // 2 + 1):
        near[shift:] |= loud[:-shift]
        near[:-shift] |= loud[shift:]
    candidates = np.flatnonzero(near)
    lead = _TAPS // 2 - 1  # x[n - 5] at n
    padded = np.zeros((clip.channels, len(magnitude) + _TAPS - 1), np.float32)  # channels x time
    padded[:, lead:lead + len(magnitude)] = clip.samples.T
    reads = np.lib.stride_tricks.sliding_window_view(padded, _TAPS, axis=1)
    peak = sample_peak
    for first in range(0, len(candidates), _PEAK_BATCH):
        batch = reads[:, candidates[first:first + _PEAK_BATCH]]
        peak = max(peak, float(np.abs(batch @ phases).max()))
    return peak


@functools.cache
def _interpolator(beta: float = 7.0) -> tuple[np.ndarray, float]:
    """Weights (taps x 3) giving x at n + 1/4, n + 2/4, n + 3/4 from x[n-5] .. x[n+6], and the
    largest L1 gain among them.

    Each is a Kaiser-windowed sinc normalised to unit DC gain (x at n itself is the sample).
    """
    offsets = np.arange(_TAPS) - (_TAPS // 2 - 1)
    phases = np.zeros((_TAPS, _OVERSAMPLE - 1), np.float32)
    for q in range(1, _OVERSAMPLE):
        t = q / _OVERSAMPLE - offsets
        window = np.i0(beta * np.sqrt(np.clip(1 - (t / (_TAPS / 2 + 0.5)) ** 2, 0, None)))
        weights = np.sinc(t) * window
        phases[:, q - 1] = weights / weights.sum()
    return phases, float(np.abs(phases).sum(axis=0).max())


def _db(value: float) -> float:
    return float(20 * np.log10(value)) if value > 0 else -np.inf


def _frames(x: np.ndarray, size: int) -> np.ndarray:
    """Non-overlapping frames of ``size`` samples (the tail shorter than a frame is dropped)."""
    return x[: len(x) // size * size].reshape(-1, size)


def _silent_frames(clip: Audio) -> np.ndarray:
    size = max(1, round(_FRAME_S * clip.sample_rate))
    power = np.mean(np.square(_frames(clip.mono, size), dtype=np.float64), axis=1)
    frame_db = 10 * np.log10(np.maximum(power, 1e-20))
    return frame_db < frame_db.max() - SILENCE_BELOW_LOUDEST_DB


def _edge_run(mask: np.ndarray) -> int:
    """Length of the run of True at the start of ``mask``."""
    stops = np.flatnonzero(~mask)
    return int(stops[0]) if len(stops) else len(mask)


def _centroid(clip: Audio, sounding: np.ndarray) -> float:
    """Spectral centroid (Hz) of the average magnitude spectrum over the sounding 20 ms frames."""
    from scipy import fft

    size = 2 * max(1, round(_FRAME_S * clip.sample_rate))
    # a 20 ms frame sounds when either of its two 10 ms halves does
    keep = np.asarray(_frames(sounding, 2).any(axis=1))
    if not keep.any():
        return np.nan
    frames = _frames(clip.mono, size)[: keep.size][keep]
    magnitude = np.abs(fft.rfft(frames * np.hanning(size).astype(np.float32), axis=1))
    spectrum = magnitude.mean(axis=0)
    freqs = fft.rfftfreq(size, 1 / clip.sample_rate)
    return float((freqs * spectrum).sum() / spectrum.sum()) if spectrum.sum() > 0 else np.nan
