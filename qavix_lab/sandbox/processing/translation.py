"""The video translation tasks: a dubbed track, or translated subtitles (burned or not)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ...errors import AudioError, MediaError
from .encode import H264, Progress, encode, part, report_progress, video_info
from .listening import RATE, as_sentence, pcm, speech_regions, transcript
from .text import burn_filter, script_comment, translate_text, write_srt


def translate(video: str | Path, dst_video: str | Path, dst_srt: str | Path, *,
              original_lang: str, dest_lang: str, synthesize: Callable[[str], bytes],
              progress: Progress = None) -> tuple[list[dict], list[dict]]:
    """Dub ``video`` into ``dest_lang``: each sentence is translated, spoken by ``synthesize``
    (text -> encoded audio), sped up (at most 1.6x) or slowed (at least 0.85x) towards its
    source segment, trimmed to fit, and the new track replaces the original audio. Writes
    the video (picture copied) and an SRT; returns the original and dubbed sentence lists,
    the dubbed ones timed on the new track and carrying ``dst``."""
    info = video_info(video)
    if not info.has_audio:
        raise MediaError("it has no audio track to translate", where=str(video))
    original = transcript(video, original_lang)
    track = np.zeros(round(info.duration * RATE), dtype=np.float32)
    dubbed = []
    with tempfile.TemporaryDirectory(prefix="qavix-dub-") as tmp:
        for i, sentence in enumerate(original):
            text = translate_text(sentence["onebest"], original_lang, dest_lang)
            start, end = int(sentence["bg"]) / 1000, int(sentence["ed"]) / 1000
            speech = _fitted_speech(synthesize(text), end - start, Path(tmp), i)
            at = min(round(start * RATE), len(track))
            speech = speech[: len(track) - at]
            track[at: at + len(speech)] = speech
            dubbed.append({**as_sentence(sentence["onebest"], start, start + len(speech) / RATE),
                           "dst": text})
            report_progress(progress, 0.8 * (i + 1) / len(original))
        wav = _write_wav(track, Path(tmp) / "dub.wav")
        comment = script_comment([s["dst"] for s in dubbed], dest_lang)
        encode(["-i", str(video), "-i", str(wav), "-map", "0:v:0", "-map", "1:a:0",
                "-c:v", "copy", "-c:a", "aac", "-b:a", "96k", "-metadata", f"comment={comment}",
                str(dst_video)], info, part(progress, 0.8, 1.0), what=f"dub {video}")
    write_srt(dubbed, dst_srt)
    return original, dubbed


def subtitles(video: str | Path, dst_video: str | Path, dst_srt: str | Path, *,
              original_lang: str, dest_lang: str, burn: bool, width: int | None = None,
              height: int | None = None,
              progress: Progress = None) -> tuple[list[dict], list[dict]]:
    """Write the SRT of the translated speech; burn it into the bottom of the picture when
    ``burn`` (else copy the video). ``width``/``height``, when given, are the frame size the
    subtitle layout is computed for (libass scales it to the real frame). Returns the original
    sentence list and the translated one (with ``dst``)."""
    info = video_info(video)
    original = transcript(video, original_lang)
    translated = [{**s, "dst": translate_text(s["onebest"], original_lang, dest_lang)}
                  for s in original]
    write_srt(translated, dst_srt)
    if not burn:
        shutil.copyfile(video, dst_video)
        report_progress(progress, 1.0)
        return original, translated
    with tempfile.TemporaryDirectory(prefix="qavix-subs-") as tmp:
        srt_copy = shutil.copy(dst_srt, Path(tmp, "subtitles.srt"))  # a path filters can take
        encode(["-i", str(video), "-vf", burn_filter(srt_copy, Path(tmp), width, height),
                "-map", "0:v:0", "-map", "0:a?", *H264, "-c:a", "copy", str(dst_video)],
               info, progress, what=f"burn subtitles into {video}")
    return original, translated


def _fitted_speech(encoded: bytes, slot: float, tmp: Path, index: int) -> np.ndarray:
    """Decode synthesized speech, cut its silent ends, change its tempo towards ``slot``
    seconds (0.85x..1.6x) and cut what still overruns, with a 30 ms fade-out."""
    where = f"synthesized speech for sentence {index + 1}"
    source = tmp / f"tts-{index}.audio"
    source.write_bytes(encoded)
    samples = pcm(source, what=where)
    regions = speech_regions(samples, min_gap=10.0)
    if not regions:
        raise AudioError("it is silent or empty", where=where)
    samples = samples[round(regions[0][0] * RATE): round(regions[-1][1] * RATE)]
    tempo = min(max(len(samples) / RATE / slot, 0.85), 1.6)
    if abs(tempo - 1) > 0.02:
        trimmed = _write_wav(samples, tmp / f"tts-{index}.wav")
        samples = pcm(trimmed, what=where, audio_filter=f"atempo={tempo:.4f}")
    samples = samples[: round(slot * RATE)].copy()
    fade = min(len(samples), round(0.03 * RATE))
    samples[len(samples) - fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
    return samples


def _write_wav(samples: np.ndarray, path: Path) -> Path:
    from scipy.io import wavfile

    wavfile.write(path, RATE, (np.clip(samples, -1, 1) * 32767).astype(np.int16))
    return path
