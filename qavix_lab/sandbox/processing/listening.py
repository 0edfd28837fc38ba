"""The sandbox's ASR: where speech is in a clip, its script, and the sentence list of both."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from ...media import probe
from ...media.ffmpeg import run_ffmpeg
from .text import translate_text

RATE = 22050  # Hz, for speech analysis and the dubbed track
_TOKEN = re.compile(r"\w+(?:['’-]\w+)*|[^\w\s]")
_WORD = re.compile(r"\w")


def detect_speech(media: str | Path) -> list[tuple[float, float]]:
    """Where someone speaks in ``media``: ``[(start_s, end_s), ...]`` from an energy gate on
    its first audio track (pauses under 0.3 s do not split a region). No audio: ``[]``."""
    if not probe(media).has_audio:
        return []
    return speech_regions(pcm(media, what=f"audio of {media}"))


def read_script(media: str | Path) -> list[str] | None:
    """The sentences of the script in the media's ``comment`` tag, or None without one."""
    return _script_tag(media)[0]


def transcript(media: str | Path, lang: str) -> list[dict]:
    """The sandbox's ASR: the sentence-list form of what is said in ``media``, in ``lang``.

    The script's sentences are laid on the speech regions, one each (the closest regions are
    merged, or the longest split, until the counts agree); words share a sentence's time in
    proportion to their length. Without a script, one placeholder sentence per region.
    """
    regions = detect_speech(media)
    sentences, script_lang = _script_tag(media)
    if sentences is None:
        sentences, script_lang = [f"Speech segment {i + 1}." for i in range(len(regions))], "en"
    if not regions:
        return []
    return [as_sentence(translate_text(text, script_lang, lang), start, end)
            for text, (start, end) in zip(sentences, _fit_regions(regions, len(sentences)),
                                          strict=True)]


def as_sentence(text: str, start: float, end: float) -> dict[str, Any]:
    """A sentence in the contract's sentence-list form; word times are 10 ms frames from its
    start, shared in proportion to word length; punctuation takes no time."""
    tokens = [(token, _WORD.match(token) is not None) for token in _TOKEN.findall(text)]
    frames = round((end - start) * 100)
    letters = sum(len(token) for token, is_word in tokens if is_word) or 1
    words, at = [], 0.0
    for token, is_word in tokens:
        begin, at = at, at + (frames * len(token) / letters if is_word else 0.0)
        words.append({"wordBg": str(round(begin)), "wordEd": str(round(at)), "wordsName": token,
                      "wp": "n" if is_word else "p", "wc": "1.0000" if is_word else "0.0000"})
    return {"bg": str(round(start * 1000)), "ed": str(round(end * 1000)), "onebest": text,
            "speaker": "0", "wordsResultList": words}


def _script_tag(media: str | Path) -> tuple[list[str] | None, str]:
    probe(media)  # a clear MediaError for a missing or corrupt file
    text = run_ffmpeg(["-i", str(media), "-f", "ffmetadata", "pipe:"], what=f"tags of {media}")
    try:
        tag = json.loads(_ffmetadata_tags(text.decode("utf-8", "replace"))["comment"])
        sentences = [str(s).strip() for s in tag["qavix_script"] if str(s).strip()]
        lang = str(tag.get("lang") or "en")
    except (KeyError, TypeError, ValueError):
        return None, "en"
    return sentences or None, lang


def _ffmetadata_tags(text: str) -> dict[str, str]:
    """``key=value`` lines of ffmpeg's FFMETADATA1 text, unescaping ``\\`` escapes; the first
    occurrence of a key (the file's own tags come before the streams')."""
    tags: dict[str, str] = {}
    key, part, chars = None, [], iter(text)
    for char in chars:
        if char == "\\":
            part.append(next(chars, ""))
        elif char == "=" and key is None:
            key, part = "".join(part).lower(), []
        elif char == "\n":
            if key is not None:
                tags.setdefault(key, "".join(part))
            key, part = None, []
        else:
            part.append(char)
    return tags


def pcm(media: str | Path, *, what: str, audio_filter: str | None = None) -> np.ndarray:
    """The first audio track as mono float32 samples at ``RATE``."""
    args = ["-i", str(media), "-map", "0:a:0", "-ac", "1", "-ar", str(RATE)]
    args += ["-af", audio_filter] if audio_filter else []
    return np.frombuffer(run_ffmpeg([*args, "-f", "f32le", "pipe:"], what=what), np.float32)


def speech_regions(samples: np.ndarray, min_gap: float = 0.3) -> list[tuple[float, float]]:
    """Runs of 20 ms frames louder than 30 dB under the peak (and than -50 dBFS)."""
    hop = RATE // 50
    frames = samples[: len(samples) // hop * hop].reshape(-1, hop)
    if not len(frames):
        return []
    level = 10 * np.log10(np.mean(np.square(frames, dtype=np.float64), axis=1) + 1e-12)
    loud = np.concatenate([[0], level > max(level.max() - 30, -50), [0]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(loud))
    regions: list[list[float]] = []
    for start, end in zip(edges[::2] / 50, edges[1::2] / 50, strict=True):
        if regions and start - regions[-1][1] < min_gap:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    return [(round(float(start), 3), round(float(end), 3))
            for start, end in regions if end - start >= 0.1]


def _fit_regions(regions: list[tuple[float, float]], count: int) -> list[tuple[float, float]]:
    """Merge the two regions with the shortest pause, or halve the longest, until ``count``."""
    regions = list(regions)
    while len(regions) > count:
        i = min(range(len(regions) - 1), key=lambda k: regions[k + 1][0] - regions[k][1])
        regions[i: i + 2] = [(regions[i][0], regions[i + 1][1])]
    while len(regions) < count:
        i = max(range(len(regions)), key=lambda k: regions[k][1] - regions[k][0])
        start, end = regions[i]
        middle = round((start + end) / 2, 3)
        regions[i: i + 1] = [(start, middle), (middle, end)]
    return regions
