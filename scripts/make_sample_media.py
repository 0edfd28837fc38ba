"""Regenerate the sample media in datasets/media: sample.mp4, script.json and face.png.

    python scripts/make_sample_media.py            # writes into datasets/media
    python scripts/make_sample_media.py --out DIR

The clip speaks a four-sentence script with espeak-ng when it is installed (else a synthetic
buzz per word stands in for speech), shows those sentences as burned-in subtitles while they are
spoken, carries a semi-transparent "QAVIX DEMO" watermark in the top-right corner, and keeps its
script in the ``comment`` tag, which is how the sandbox's stand-in ASR reads it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from scipy.io import wavfile

from qavix_lab.media import probe
from qavix_lab.media.ffmpeg import run_ffmpeg
from qavix_lab.sandbox.processing import burn_filter, detect_speech, script_comment

SENTENCES = [
    "Welcome to the Qavix demo.",
    "This clip has speech, subtitles and a logo.",
    "Try erasing the logo in the corner.",
    "Then translate it into another language.",
]
RATE = 22050
LEAD, GAP, TAIL = 0.4, 0.45, 0.5  # seconds of silence before, between and after sentences
WIDTH, HEIGHT, FPS = 640, 360, 24
WATERMARK = ("drawtext=fontfile='{font}':text='QAVIX DEMO':fontsize=22:fontcolor=white@0.65"
             ":box=1:boxcolor=black@0.3:boxborderw=6:x=w-tw-24:y=20")


def spoken(text: str, tmp: Path, index: int) -> tuple[np.ndarray, str]:
    """``text`` as float samples at RATE with the silent ends cut, and the engine's name."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return synthetic_speech(text), "synthetic (a buzz per word; espeak-ng was absent)"
    wav = tmp / f"sentence-{index}.wav"
    subprocess.run([espeak, "-v", "en-us", "-s", "185", "-w", str(wav), text], check=True)
    rate, samples = wavfile.read(wav)
    samples = _resample(samples.astype(np.float32) / 32768, rate)
    regions = detect_speech(wav)
    start, end = regions[0][0] - 0.03, regions[-1][1] + 0.03
    return samples[max(0, round(start * RATE)): round(end * RATE)], \
        "espeak-ng (voice en-us, 185 words per minute)"


def synthetic_speech(text: str) -> np.ndarray:
    """A stand-in for speech: one 130 Hz buzz with vowel-like overtones per word, its length
    in proportion to the word's, 60 ms apart."""
    pieces = []
    for word in text.split():
        t = np.arange(round(0.065 * len(word) * RATE)) / RATE
        buzz = sum(np.sin(2 * np.pi * 130 * k * t) / k for k in range(1, 12))
        envelope = np.sin(np.pi * t / t[-1]) ** 0.5
        pieces += [0.25 * buzz * envelope, np.zeros(round(0.06 * RATE))]
    return np.concatenate(pieces[:-1]).astype(np.float32)


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == RATE:
        return samples
    from scipy.signal import resample_poly

    return resample_poly(samples, RATE, rate).astype(np.float32)


def speech_track(tmp: Path) -> tuple[np.ndarray, list[dict], str]:
    """The whole soundtrack, each sentence's start and end (s), and the speech engine."""
    track, timings, at, engine = [np.zeros(round(LEAD * RATE), np.float32)], [], LEAD, ""
    for index, text in enumerate(SENTENCES):
        samples, engine = spoken(text, tmp, index)
        timings.append({"text": text, "start": round(at, 3),
                        "end": round(at + len(samples) / RATE, 3)})
        track += [samples, np.zeros(round(GAP * RATE), np.float32)]
        at += len(samples) / RATE + GAP
    track[-1] = np.zeros(round(TAIL * RATE), np.float32)
    return np.concatenate(track), timings, engine


def write_srt(timings: list[dict], path: Path) -> None:
    import datetime

    import srt

    cues = [srt.Subtitle(i, datetime.timedelta(seconds=s["start"]),
                         datetime.timedelta(seconds=s["end"]), s["text"])
            for i, s in enumerate(timings, 1)]
    path.write_text(srt.compose(cues), encoding="utf-8")


def render(track: np.ndarray, timings: list[dict], tmp: Path, dst: Path) -> None:
    """Moving gradients + watermark + burned subtitles + speech, H.264/AAC, script tagged."""
    wav, subs = tmp / "speech.wav", tmp / "subtitles.srt"
    wavfile.write(wav, RATE, (np.clip(track, -1, 1) * 32767).astype(np.int16))
    write_srt(timings, subs)
    import matplotlib

    bold = Path(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans-Bold.ttf")
    background = (f"gradients=s={WIDTH}x{HEIGHT}:r={FPS}:d={len(track) / RATE:.3f}:n=4"
                  ":c0=0x1d3557:c1=0x2a9d8f:c2=0xe9c46a:c3=0xe76f51:seed=7:speed=0.04")
    # a faint grid gives erasure something to visibly blur
    picture = (f"drawgrid=w=40:h=40:t=1:c=white@0.25,{WATERMARK.format(font=bold)},"
               f"{burn_filter(subs, tmp)}")
    run_ffmpeg(["-f", "lavfi", "-i", background, "-i", str(wav), "-vf", picture,
                "-c:v", "libx264", "-preset", "slow", "-crf", "27", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "64k", "-ac", "1", "-shortest", "-movflags", "+faststart",
                "-metadata", "title=Qavix sample clip",
                "-metadata", f"comment={script_comment(SENTENCES, 'en')}", str(dst)],
               what=f"render {dst}")


def draw_face(path: Path, size: int = 256) -> None:
    """A simple cartoon face on a transparent background."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    s = size / 256
    skin, hair, ink = (241, 194, 155, 255), (84, 52, 34, 255), (40, 30, 30, 255)

    def box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [x0 * s, y0 * s, x1 * s, y1 * s]

    pen.ellipse(box(40, 18, 216, 150), fill=hair)
    pen.ellipse(box(38, 110, 66, 150), fill=skin)
    pen.ellipse(box(190, 110, 218, 150), fill=skin)
    pen.ellipse(box(56, 40, 200, 236), fill=skin)
    pen.chord(box(56, 30, 200, 120), 180, 360, fill=hair)
    for x in (92, 144):
        pen.ellipse(box(x, 112, x + 22, 130), fill=(255, 255, 255, 255))
        pen.ellipse(box(x + 6, 114, x + 17, 128), fill=ink)
        pen.line(box(x - 2, 100, x + 24, 96), fill=ink, width=round(4 * s))
    pen.line(box(128, 128, 122, 164), fill=(200, 140, 110, 255), width=round(3 * s))
    pen.line(box(122, 164, 132, 166), fill=(200, 140, 110, 255), width=round(3 * s))
    pen.arc(box(98, 160, 158, 202), 20, 160, fill=(170, 60, 60, 255), width=round(5 * s))
    for x in (80, 160):
        pen.ellipse(box(x, 160, x + 18, 174), fill=(240, 150, 140, 160))
    image.save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "datasets/media")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qavix-sample-") as tmp:
        track, timings, engine = speech_track(Path(tmp))
        render(track, timings, Path(tmp), out / "sample.mp4")
    script = {"lang": "en", "speech": engine, "sentences": timings}
    (out / "script.json").write_text(json.dumps(script, indent=2) + "\n", encoding="utf-8")
    draw_face(out / "face.png")
    info = probe(out / "sample.mp4")
    print(f"sample.mp4: {info.size / 1024:.0f} KB, {info.duration:.2f} s, "
          f"{info.width}x{info.height}, speech by {engine}")


if __name__ == "__main__":
    main()
