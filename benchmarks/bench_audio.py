"""What ``qavix_lab.audio.metrics`` costs on two 60 s speech clips, against pyloudnorm's
integrated loudness alone measured in the same process.

Run: ``python benchmarks/bench_audio.py [--runs 5]``. Goal: every metric (loudness,
true peak, pitch, rates, silences, spectrum) for at most 2x what the reference loudness meter
alone costs. Figures are CPU seconds of this process (all threads), the best of ``--runs``
interleaved runs, so that another process on the machine does not move them (it is quick as it
is: ``run_all.py --quick`` gives it no argument).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyloudnorm
from _common import Goal, report_goals
from scipy.signal import resample_poly

from qavix_lab import audio
from qavix_lab.audio.metrics import true_peak
from qavix_lab.sandbox.speech import VoiceTraits, synthesize_array

GOAL_RATIO = 2.0  # metrics() / pyloudnorm's integrated loudness alone
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


def best_of(fns: list[Callable[[], object]], runs: int = 5) -> list[float]:
    """CPU seconds of each function, the best of ``runs`` rounds run in turn (interleaved)."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, spent in zip(fns, times, strict=True):
            start = time.process_time()
            fn()
            spent.append(time.process_time() - start)
    return [min(spent) for spent in times]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="interleaved rounds; the best counts")
    args = parser.parse_args()
    runs = args.runs
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

        steps: list[tuple[str, Callable[[], object]]] = [
            ("decode both files to numpy", lambda: [audio.load(f) for f in files]),
            ("pyloudnorm loudness alone (floor)", loudness_alone),
            ("  true peak (4x) both", lambda: [true_peak(c) for c in clips]),
            ("  pitch track (YIN) both", lambda: [audio.pitch_track(c) for c in clips]),
            ("metrics() both", lambda: [audio.metrics(c, text=TEXT * 12) for c in clips]),
            ("load + metrics() both", lambda: [audio.metrics(f) for f in files]),
        ]
        seconds = best_of([fn for _, fn in steps], runs)
    floor = seconds[1]
    print(f"qavix_lab.audio.metrics on two {SECONDS} s clips "
          f"(44.1 kHz mono mp3, 48 kHz stereo wav); CPU s, best of {runs} interleaved")
    print(f"{'step':<40} {'CPU s':>8} {'x floor':>9}")
    for (name, _), spent in zip(steps, seconds, strict=True):
        print(f"{name:<40} {spent:8.3f} {spent / floor:9.2f}")
    return report_goals([Goal("metrics() / pyloudnorm loudness alone", seconds[4] / floor, "<=",
                              GOAL_RATIO)])


if __name__ == "__main__":
    sys.exit(main())
