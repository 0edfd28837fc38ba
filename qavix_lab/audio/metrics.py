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
_PEAK_BLOCK = 256


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
    """Integrated loudness in LUFS (ITU-R BS.1770-4, gated); AudioError if too short or silent."""
    import pyloudnorm

    clip = load(audio)
    if clip.duration < MIN_DURATION_S:
        raise AudioError(f"too short to measure: {clip.duration:.2f} s, loudness needs at least "
                         f"{MIN_DURATION_S} s", where=clip.name)
    samples = clip.samples if clip.channels <= 5 else clip.mono[:, None]  # BS.1770: 5 at most
    # column-major: pyloudnorm filters each channel's column, twice as fast when contiguous
    samples = np.asfortranarray(samples)
    lufs = pyloudnorm.Meter(clip.sample_rate).integrated_loudness(samples)
    if not np.isfinite(lufs):
        raise AudioError("silent: nothing above the -70 LUFS gate", where=clip.name)
    return float(lufs)


def true_peak(audio: AudioSource) -> float:
    """Peak magnitude of the signal 4x oversampled (BS.1770 true peak), linear.

    Values between samples come from a 12-tap Kaiser-windowed sinc interpolator. Only the
    blocks that could beat the sample peak are oversampled: an interpolated value cannot exceed
    the largest sample the filter reads times the filter's L1 gain.
    """
    from scipy.signal import upfirdn

    clip = load(audio)
    prototype, gain = _interpolator()
    magnitude = functools.reduce(np.maximum, np.abs(clip.samples.T))  # max over channels
    sample_peak = float(magnitude.max())
    blocks = -(-len(magnitude) // _PEAK_BLOCK)
    tail = blocks * _PEAK_BLOCK - len(magnitude)
    block_max = np.pad(magnitude, (0, tail)).reshape(blocks, _PEAK_BLOCK).max(axis=1)
    # the filter reads into the neighbouring blocks, so they bound a block's values too
    reach = np.maximum(block_max, np.maximum(np.roll(block_max, 1), np.roll(block_max, -1)))
    candidates = np.flatnonzero(reach * gain > sample_peak)
    if not len(candidates):
        return sample_peak
    pad = _TAPS  # more than the filter reads on either side
    padded = np.pad(clip.samples.T, ((0, 0), (pad, tail + pad)))  # channels x time: contiguous
    windows = np.stack([padded[:, b * _PEAK_BLOCK:(b + 1) * _PEAK_BLOCK + 2 * pad]
                        for b in candidates])
    upsampled = upfirdn(prototype, windows, _OVERSAMPLE)
    delay = _OVERSAMPLE * (pad + _TAPS // 2)  # output index of each window's first own sample
    inner = upsampled[..., delay:delay + _OVERSAMPLE * _PEAK_BLOCK]
    return max(sample_peak, float(np.abs(inner).max()))


@functools.cache
def _interpolator(beta: float = 7.0) -> tuple[np.ndarray, float]:
    """A 4x upsampling filter for ``upfirdn``, and its largest polyphase L1 gain.

    Phase q gives x at n + q/4 from x[n-5] .. x[n+6] by a windowed sinc (normalised to unit DC
    gain); phase 0 is x[n] itself.
    """
    offsets = np.arange(_TAPS) - (_TAPS // 2 - 1)
    prototype = np.zeros(_OVERSAMPLE * _TAPS, np.float32)
    for q in range(_OVERSAMPLE):
        t = q / _OVERSAMPLE - offsets
        window = np.i0(beta * np.sqrt(np.clip(1 - (t / (_TAPS / 2 + 0.5)) ** 2, 0, None)))
        weights = np.sinc(t) * window
        prototype[_OVERSAMPLE * (_TAPS // 2 - offsets) + q] = weights / weights.sum()
    gain = max(float(np.abs(prototype[q::_OVERSAMPLE]).sum()) for q in range(_OVERSAMPLE))
    return prototype, gain


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
