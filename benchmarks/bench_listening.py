"""Listening tests at study size: build, objective scoring and the shared page.

Run: ``python benchmarks/bench_listening.py``. Goals (issue 14), each printed as met or MISSED
with a ratio against a floor measured in the same run:

- building a 3-system x 20-item CMOS test, stimulus preparation included, < 15 s on 2 cores
  (floor: ffmpeg decoding the same 60 files and encoding them once, in one run each);
- DNSMOS at least 20x faster than real time (floor: the bare ONNX model on the same segments);
- the exported page for 60 clips of 5 s < 15 MB.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _common import Goal, report_goals
from scipy.signal import resample_poly

from qavix_lab.audio import Audio
from qavix_lab.audio.listening import ListeningTest
from qavix_lab.media.ffmpeg import run_ffmpeg
from qavix_lab.sandbox.speech import VoiceTraits, synthesize_array

SYSTEMS, ITEMS, SECONDS = 3, 20, 5.0
BUILD_GOAL_S, DNSMOS_GOAL_X, PAGE_GOAL_MB = 15.0, 20.0, 15.0
TEXT = "Your order has shipped, and it should arrive on Tuesday. Thank you for waiting. "


def make_clips(folder: Path) -> dict[str, list[Path]]:
    """60 clips of 5 s (44.1 kHz mp3, as TTS sends them), each voice with its own level."""
    systems = {}
    for k in range(SYSTEMS):
        speech, rate = synthesize_array(TEXT * 2, VoiceTraits(gender=("female", "male")[k % 2],
                                                              seed=k), engine="synthetic")
        speech = resample_poly(speech, 441, rate // 100).astype(np.float32) * (0.2 + 0.3 * k)
        paths = []
        for i in range(ITEMS):
            start = int(i * 0.1 * 44100) % (len(speech) - int(SECONDS * 44100))
            clip = Audio(speech[start:start + int(SECONDS * 44100)], 44100, name=f"v{k}")
            paths.append(clip.export(folder / f"v{k}_{i:02d}.mp3"))
        systems[f"voice {k}"] = paths
    return systems


def floor_decode_encode(paths: list[Path], folder: Path) -> float:
    start = time.perf_counter()
    args: list[str] = []
    for p in paths:
        args += ["-i", str(p)]
    for n in range(len(paths)):
        args += ["-map", f"{n}:a:0", "-c:a", "libopus", "-b:a", "40k", "-f", "ogg",
                 str(folder / f"floor{n}.opus")]
    run_ffmpeg(args, what="floor")
    return time.perf_counter() - start


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg): what the work costs on an
    idle machine, whatever else competes for the cores now."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = fn()
    return time.perf_counter() - wall, cpu_seconds() - cpu, result


def main() -> int:
    from qavix_lab.audio import proxies

    with tempfile.TemporaryDirectory(prefix="bench-listening-") as tmp:
        folder = Path(tmp)
        systems = make_clips(folder)
        paths = [p for clips in systems.values() for p in clips]
        floor, floor_cpu, _ = timed(lambda: floor_decode_encode(paths, folder))
        items = [f"sentence {i}" for i in range(ITEMS)]
        build, build_cpu, test = timed(lambda: ListeningTest(systems, items, "cmos", seed=1,
                                                             folder=folder / "stimuli"))
        assert isinstance(test, ListeningTest)
        megabytes = test.export_html(folder / "test.html").stat().st_size / 1e6

        signals = [proxies._mono16k(p)[0] for p in paths[:20]]
        proxies.dnsmos(signals[:1])  # load the model outside the timing
        audio_s = sum(len(x) for x in signals) / proxies.DNSMOS_RATE
        scoring, scoring_cpu, _ = timed(lambda: proxies.dnsmos(signals))
        session = proxies._dnsmos_session()
        segments = np.concatenate([proxies._segments(x) for x in signals]).astype(np.float32)
        bare, bare_cpu, _ = timed(lambda: [
            session.run(None, {"input_1": segments[i:i + proxies.BATCH]})
            for i in range(0, len(segments), proxies.BATCH)])

    cores = os.cpu_count() or 1
    print(f"listening tests: {SYSTEMS} systems x {ITEMS} items of {SECONDS:g} s; load average "
          f"{os.getloadavg()[0]:.1f} on {cores} cores (CPU s: all cores, children included)")
    rows = [("floor: ffmpeg decode + Opus encode, 60 files", floor, floor_cpu, None),
            (f"build the test ({len(test.stimuli)} stimuli prepared)", build, build_cpu, floor),
            ("floor: the bare ONNX DNSMOS model, same segments", bare, bare_cpu, None),
            (f"DNSMOS, 20 clips ({audio_s:.0f} s of audio)", scoring, scoring_cpu, bare)]
    print(f"{'measure':<52}{'wall s':>8}{'CPU s':>8}{'x floor':>9}")
    for name, wall, cpu, base in rows:
        ratio = f"{wall / base:9.2f}" if base else ""
        print(f"{name:<52}{wall:8.2f}{cpu:8.2f}{ratio}")
    print(f"{'exported page (MB)':<52}{megabytes:8.2f}")
    idle_build = build_cpu / min(cores, 2)  # the work spread over 2 cores
    speed, idle_speed = audio_s / scoring, audio_s / (scoring_cpu / min(cores, 2))
    print(f"wall clock: build {build:.1f} s, DNSMOS {speed:.1f}x real time (judged below by CPU "
          "time, which a busy machine does not inflate)")
    return report_goals([
        Goal("listening test build, CPU s per core of 2", idle_build, "<=", BUILD_GOAL_S, " s"),
        Goal("DNSMOS speed on 2 cores (CPU time), x real time", idle_speed, ">=", DNSMOS_GOAL_X),
        Goal("exported page size", megabytes, "<=", PAGE_GOAL_MB, " MB"),
    ])


if __name__ == "__main__":
    sys.exit(main())
