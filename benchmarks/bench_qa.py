"""Frame-accurate subtitle QA at scale, as real-time factors (seconds of media per second of work).

1. Shot changes and QA of a 10-minute 720p video (24 fps, H.264, a cut every 4 s): the video's
   duration over the wall-clock time of ``qa(timeline, video=...)``, which probes the video,
   detects the cuts with the bundled ffmpeg (2 threads) and checks every cue. Goal: >= 10.
2. QA + fix of a 10-hour timeline, CPU time of this process: a subtitle timeline (cues of
   1-6 s, gaps of 0-1 s, a cut every 4.7 s) and the 10-hour ASR transcript of
   ``bench_transcripts`` (120,000 sentences of 250 ms: every cue is too short, most are flagged
   three times). Goal: 10 h in under 2 s, a real-time factor >= 18,000, for each.

Ends with one line per goal, MET or MISSED, and exits 1 on a miss.

    python benchmarks/bench_qa.py [--minutes 10] [--repeat 2]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_transcripts import _sentences, sentence_list  # noqa: E402

from qavix_lab.media.ffmpeg import run_ffmpeg  # noqa: E402
from qavix_lab.transcripts import Timeline, fix, parse, qa  # noqa: E402

VIDEO_GOAL = 10.0
TIMELINE_GOAL = 36_000 / 2.0  # 10 hours in 2 seconds
SHOT = 4.0
WORDS = ("we are going to talk about the future of video translation today and why it matters "
         "so much to everyone watching at home").split()


def make_video(path: Path, minutes: float) -> None:
    """A 20 s clip of five 4 s shots, looped (stream copy) to ``minutes``."""
    clip = path.with_name("clip.mp4")
    sources = ["testsrc=s=1280x720:r=24:d=4", "color=c=0x3050a0:s=1280x720:r=24:d=4",
               "testsrc2=s=1280x720:r=24:d=4", "smptebars=s=1280x720:r=24:d=4",
               "rgbtestsrc=s=1280x720:r=24:d=4"]
    inputs = [arg for source in sources for arg in ("-f", "lavfi", "-i", source)]
    streams = "".join(f"[{i}:v]" for i in range(len(sources)))
    run_ffmpeg([*inputs, "-filter_complex", f"{streams}concat=n={len(sources)}:v=1:a=0[v]",
                "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-g", "48", str(clip)], what="benchmark clip")
    loops = max(1, round(minutes * 60 / 20))
    run_ffmpeg(["-stream_loop", str(loops - 1), "-i", str(clip), "-c", "copy", str(path)],
               what="benchmark video")


def subtitle_timeline(hours: float, seed: int = 3) -> tuple[Timeline, list[float]]:
    rng = random.Random(seed)
    rows, t = [], 0.5
    while t < hours * 3600:
        duration = rng.uniform(1.0, 6.0)
        words = " ".join(rng.choice(WORDS) for _ in range(max(1, int(duration * 2.6))))
        rows.append({"start": round(t, 3), "end": round(t + duration, 3),
                     "text": words[:1].upper() + words[1:] + "."})
        t += duration + rng.choice([0.0, 0.05, 0.2, 0.4, 1.0])
    return Timeline.from_sentences(rows, lang="en"), [i * 4.7 for i in range(1, int(
        hours * 3600 / 4.7))]


def cpu(run, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "movie.mp4"
        make_video(video, args.minutes)
        from qavix_lab.media import probe

        duration = probe(video).duration
        cues = Timeline.from_sentences(
            [{"start": s + 0.3, "end": s + 3.5, "text": "A line of dialogue."}
             for s in range(0, int(duration) - 4, 4)], lang="en")
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            found = qa(cues, video=video)
            best = min(best, time.perf_counter() - started)
        cuts = len(found.attrs["shot_changes"])
        factor = duration / best
        print(f"video: {duration:.0f} s 1280x720 24 fps, {cuts} cuts found "
              f"(expected {int(duration / SHOT) - 1}), qa with scene detection "
              f"{best:.1f} s wall: real-time factor {factor:.1f}")
        results.append(("10-min 720p video, QA with scene detection: real-time factor "
                        f">= {VIDEO_GOAL:g}", factor, factor >= VIDEO_GOAL))

    subtitles, sub_cuts = subtitle_timeline(10)
    asr = parse(sentence_list(_sentences(120_000)), lang="en")
    asr_cuts = [i * 4.7 for i in range(1, int(36_000 / 4.7))]
    for name, timeline, cuts_at in (("10 h subtitle timeline", subtitles, sub_cuts),
                                    ("10 h ASR transcript", asr, asr_cuts)):
        took = cpu(lambda t=timeline, c=cuts_at: fix(t, fps=24, shot_changes=c), args.repeat)
        took += cpu(lambda t=timeline, c=cuts_at: qa(t, fps=24, shot_changes=c), args.repeat)
        found = qa(timeline, fps=24, shot_changes=cuts_at)
        factor = timeline.duration / took
        print(f"{name}: {len(timeline)} cues, {len(found)} findings, qa + fix {took:.2f} CPU s: "
              f"real-time factor {factor:,.0f}")
        results.append((f"{name}, QA + fix: real-time factor >= {TIMELINE_GOAL:,.0f} "
                        "(10 h in < 2 s)", factor, factor >= TIMELINE_GOAL))
    print()
    for goal, value, met in results:
        print(f"{'MET' if met else 'MISSED'}: {goal} (measured {value:,.1f})")
    return 0 if all(met for _, _, met in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
