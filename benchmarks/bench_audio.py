"""How long ``qavix_lab.audio.metrics`` takes on two 60 s speech clips (goal: < 0.5 s for both).

Run: ``python benchmarks/bench_audio.py``. Baselines measured in the same run: decoding the two
files to numpy (ffmpeg), and pyloudnorm's integrated loudness alone. Each figure is the best of
three runs.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyloudnorm
from scipy.signal import resample_poly

from qavix_lab import audio
from qavix_lab.audio.metrics import true_peak
from qavix_lab.sandbox.speech import VoiceTraits, synthesize_array

GOAL_S = 0.5
SECONDS = 60
TEXT = ("Thank you for calling. Your order has shipped, and it should arrive on Tuesday. "
        "Is there anything else I can help you with today? ")


def speech_clip(traits: VoiceTraits, rate: int, channels: int) -> np.ndarray:
    """60 s of the sandbox's synthetic voice at ``rate`` Hz with ``channels`` channels."""
    text = TEXT * 12
    samples, source_rate = synthesize_array(text, traits, engine="synthetic")
    resampled = resample_poly(samples, rate // 1000, source_rate // 1000).astype(np.float32)
    looped = np.resize(resampled, SECONDS * rate)
    return np.repeat(looped[:, None], channels, axis=1)


def best_of(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-audio-") as tmp:
        files = [
            audio.Audio(speech_clip(VoiceTraits(gender="female", seed=1), 44100, 1), 44100,
                        name="female").export(Path(tmp, "female_44k_mono.mp3")),
            audio.Audio(speech_clip(VoiceTraits(gender="male", seed=2), 48000, 2), 48000,
                        name="male").export(Path(tmp, "male_48k_stereo.wav")),
        ]
        clips = [audio.load(f) for f in files]
        for clip in clips:  # warm up imports and caches outside the timings
            audio.metrics(clip)

        def loudness_alone() -> None:
            for c in clips:
                pyloudnorm.Meter(c.sample_rate).integrated_loudness(c.samples)

        rows = [
            ("decode both files to numpy (baseline)", best_of(lambda: [audio.load(f)
                                                                       for f in files])),
            ("pyloudnorm loudness alone (baseline)", best_of(loudness_alone)),
            ("  true peak (4x) both", best_of(lambda: [true_peak(c) for c in clips])),
            ("  pitch track (YIN) both", best_of(lambda: [audio.pitch_track(c) for c in clips])),
            ("metrics() both  <- goal", best_of(lambda: [audio.metrics(c, text=TEXT * 12)
                                                         for c in clips])),
            ("load + metrics() both", best_of(lambda: [audio.metrics(f) for f in files])),
        ]
    decode, loudness = rows[0][1], rows[1][1]
    print(f"qavix_lab.audio.metrics on two {SECONDS} s clips "
          "(44.1 kHz mono mp3, 48 kHz stereo wav); best of 3")
    print(f"{'step':<40} {'seconds':>8} {'x decode':>9} {'x pyloudnorm':>13}")
    for name, seconds in rows:
        print(f"{name:<40} {seconds:8.3f} {seconds / decode:9.2f} {seconds / loudness:13.2f}")
    measured = rows[4][1]
    verdict = "met" if measured < GOAL_S else "MISSED"
    print(f"goal: metrics() for both clips < {GOAL_S} s -> {measured:.3f} s ({verdict}); "
          f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
