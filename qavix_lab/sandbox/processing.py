"""What the sandbox's video tasks really do to a file, with the bundled ffmpeg.

Every task is a plain function on local paths. It reports how far it got to ``progress`` (a
fraction 0..1, called as work advances) and raises MediaError when an input is not usable media.

Stand-ins for the service's AI, deterministic so tests can check them:
- ASR: the clip's script travels in its ``comment`` tag (:func:`script_comment`); its sentences
  are laid on the speech regions found in the audio (:func:`detect_speech`). A clip without a
  script gets one placeholder sentence ("Speech segment 1.") per speech region.
- translation: a small phrase table, else the sentence marked with the target language
  ("[fr] Hello."); see :func:`translate_text`.
- erasure: a strong box blur (text) or ffmpeg ``delogo`` (logos) over the boxes.
- face swap: the face image laid over the upper centre of the picture.

>>> erase("in.mp4", "out.mp4", areas=None, mode=1, erase_type=3, progress=print)
"""

from __future__ import annotations

import concurrent.futures
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._ffmpeg import run_ffmpeg
from ..errors import AudioError, MediaError, ValidationError
from ..media import MediaInfo, probe

__all__ = ["cover", "erase", "detect_speech", "read_script", "transcript", "translate",
           "subtitles", "lipsync", "faceswap", "translate_text", "script_comment", "burn_filter"]

Progress = Callable[[float], None] | None
Box = tuple[int, int, int, int]  # x, y, w, h in pixels

_RATE = 22050  # Hz, for speech analysis and the dubbed track
_H264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
         "-movflags", "+faststart"]
_SUBTITLE_STYLE = "FontName=DejaVu Sans,FontSize=16,Outline=1.5,Shadow=0,MarginV=12"
_TOKEN = re.compile(r"\w+(?:['’-]\w+)*|[^\w\s]")
_WORD = re.compile(r"\w")

# The sample clip's script (datasets/media) and a few greetings, so demos read naturally.
_PHRASES = [
    {"en": "Welcome to the Qavix demo.", "fr": "Bienvenue dans la démo Qavix.",
     "es": "Bienvenido a la demo de Qavix.", "de": "Willkommen zur Qavix-Demo.",
     "zh": "欢迎来到 Qavix 演示。"},
    {"en": "This clip has speech, subtitles and a logo.",
     "fr": "Ce clip contient de la parole, des sous-titres et un logo.",
     "es": "Este clip tiene voz, subtítulos y un logotipo.",
     "de": "Dieser Clip hat Sprache, Untertitel und ein Logo.",
     "zh": "这个片段有语音、字幕和标志。"},
    {"en": "Try erasing the logo in the corner.", "fr": "Essayez d'effacer le logo dans le coin.",
     "es": "Intenta borrar el logotipo de la esquina.",
     "de": "Versuche, das Logo in der Ecke zu entfernen.", "zh": "试着擦除角落里的标志。"},
    {"en": "Then translate it into another language.",
     "fr": "Puis traduisez-le dans une autre langue.", "es": "Luego tradúcelo a otro idioma.",
     "de": "Dann übersetze es in eine andere Sprache.", "zh": "然后把它翻译成另一种语言。"},
    {"en": "Hello.", "fr": "Bonjour.", "es": "Hola.", "de": "Hallo.", "zh": "你好。"},
    {"en": "Thank you.", "fr": "Merci.", "es": "Gracias.", "de": "Danke.", "zh": "谢谢。"},
]
_PHRASE_ROWS = {" ".join(text.lower().split()): row for row in _PHRASES for text in row.values()}


# --- the tasks -----------------------------------------------------------------------------
def cover(video: str | Path, dst_jpg: str | Path, *, progress: Progress = None) -> None:
    """Write a JPEG still of ``video`` (from 1 s in, or its middle if shorter)."""
    info = _video_info(video)
    run_ffmpeg(["-ss", f"{min(1.0, info.duration / 2):.3f}", "-i", str(video), "-map", "0:v:0",
                "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2", "-update", "1",
                str(dst_jpg)], what=f"cover of {video}")
    _report(progress, 1.0)


def erase(video: str | Path, dst: str | Path, *, areas: list[dict] | None, mode: int,
          erase_type: int | None, progress: Progress = None) -> None:
    """Erase subtitles/logos: blur text boxes (type 2), ``delogo`` logo boxes (type 1).

    ``mode``: -2 copies the video; 1 erases the automatic boxes for ``erase_type`` (1 subtitles:
    the bottom 15% band, 2 watermark: a top-right corner box, 3 or None: both); 2 erases
    ``areas``; 3 erases the automatic boxes but keeps the pixels of ``areas`` (protected).
    Audio is copied; pixels outside the erased boxes keep their values (up to re-encoding).
    """
    info = _video_info(video)
    if mode == -2:
        shutil.copyfile(video, dst)
        _report(progress, 1.0)
        return
    if mode not in (1, 2, 3):
        raise ValidationError(f"eraseMode must be -2, 1, 2 or 3, got {mode!r}", where="eraseMode")
    if mode == 2 and not areas:
        raise ValidationError("manual erasure (eraseMode 2) needs areas", where="areas")
    given = _boxes(areas or [], info)
    erased = given if mode == 2 else _boxes(_automatic_areas(info, erase_type), info)
    graph = _erase_graph(erased, [box for box, _ in given] if mode == 3 else [], info)
    _encode(["-i", str(video), "-filter_complex", graph, "-map", "[out]", "-map", "0:a?",
             *_H264, "-c:a", "copy", str(dst)], info, progress, what=f"erase {video}")


def detect_speech(media: str | Path) -> list[tuple[float, float]]:
    """Where someone speaks in ``media``: ``[(start_s, end_s), ...]`` from an energy gate on
    its first audio track (pauses under 0.3 s do not split a region). No audio: ``[]``."""
    if not probe(media).has_audio:
        return []
    return _speech_regions(_pcm(media, what=f"audio of {media}"))


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
    return [_sentence(translate_text(text, script_lang, lang), start, end)
            for text, (start, end) in zip(sentences, _fit_regions(regions, len(sentences)),
                                          strict=True)]


def translate(video: str | Path, dst_video: str | Path, dst_srt: str | Path, *,
              original_lang: str, dest_lang: str, synthesize: Callable[[str], bytes],
              progress: Progress = None) -> tuple[list[dict], list[dict]]:
    """Dub ``video`` into ``dest_lang``: each sentence is translated, spoken by ``synthesize``
    (text -> encoded audio), sped up (at most 1.6x) or slowed (at least 0.85x) towards its
    source segment, trimmed to fit, and the new track replaces the original audio. Writes
    the video (picture copied) and an SRT; returns the original and dubbed sentence lists,
    the dubbed ones timed on the new track and carrying ``dst``."""
    info = _video_info(video)
    if not info.has_audio:
        raise MediaError("it has no audio track to translate", where=str(video))
    original = transcript(video, original_lang)
    track = np.zeros(round(info.duration * _RATE), dtype=np.float32)
    dubbed = []
    with tempfile.TemporaryDirectory(prefix="qavix-dub-") as tmp:
        for i, sentence in enumerate(original):
            text = translate_text(sentence["onebest"], original_lang, dest_lang)
            start, end = int(sentence["bg"]) / 1000, int(sentence["ed"]) / 1000
            speech = _fitted_speech(synthesize(text), end - start, Path(tmp), i)
            at = min(round(start * _RATE), len(track))
            speech = speech[: len(track) - at]
            track[at: at + len(speech)] = speech
            dubbed.append({**_sentence(sentence["onebest"], start, start + len(speech) / _RATE),
                           "dst": text})
            _report(progress, 0.8 * (i + 1) / len(original))
        wav = _write_wav(track, Path(tmp) / "dub.wav")
        comment = script_comment([s["dst"] for s in dubbed], dest_lang)
        _encode(["-i", str(video), "-i", str(wav), "-map", "0:v:0", "-map", "1:a:0",
                 "-c:v", "copy", "-c:a", "aac", "-b:a", "96k", "-metadata", f"comment={comment}",
                 str(dst_video)], info, _part(progress, 0.8, 1.0), what=f"dub {video}")
    _write_srt(dubbed, dst_srt)
    return original, dubbed


def subtitles(video: str | Path, dst_video: str | Path, dst_srt: str | Path, *,
              original_lang: str, dest_lang: str, burn: bool, width: int | None = None,
              height: int | None = None,
              progress: Progress = None) -> tuple[list[dict], list[dict]]:
    """Write the SRT of the translated speech; burn it into the bottom of the picture when
    ``burn`` (else copy the video). ``width``/``height``, when given, are the frame size the
    subtitle layout is computed for (libass scales it to the real frame). Returns the original
    sentence list and the translated one (with ``dst``)."""
    info = _video_info(video)
    original = transcript(video, original_lang)
    translated = [{**s, "dst": translate_text(s["onebest"], original_lang, dest_lang)}
                  for s in original]
    _write_srt(translated, dst_srt)
    if not burn:
        shutil.copyfile(video, dst_video)
        _report(progress, 1.0)
        return original, translated
    with tempfile.TemporaryDirectory(prefix="qavix-subs-") as tmp:
        srt_copy = shutil.copy(dst_srt, Path(tmp, "subtitles.srt"))  # a path filters can take
        _encode(["-i", str(video), "-vf", burn_filter(srt_copy, Path(tmp), width, height),
                 "-map", "0:v:0", "-map", "0:a?", *_H264, "-c:a", "copy", str(dst_video)],
                info, progress, what=f"burn subtitles into {video}")
    return original, translated


def lipsync(video: str | Path, audio: str | Path, dst: str | Path, *,
            progress: Progress = None) -> None:
    """Put ``audio`` under ``video`` (picture copied), padded with silence or cut to the
    video's duration. The result carries the audio's tags (its script, if any)."""
    info = _video_info(video)
    if not probe(audio).has_audio:
        raise MediaError("it has no audio stream", where=str(audio))
    _encode(["-i", str(video), "-i", str(audio), "-map", "0:v:0", "-map", "1:a:0",
             "-map_metadata", "1", "-c:v", "copy", "-af", "apad", "-c:a", "aac", "-b:a", "128k",
             "-t", f"{info.duration:.3f}", str(dst)], info, progress, what=f"lip sync {video}")


def faceswap(video: str | Path, image: str | Path, dst: str | Path, *,
             progress: Progress = None) -> None:
    """Lay ``image`` (scaled to fit 30% x 40% of the frame) over the upper centre of every
    frame of ``video``; audio is copied."""
    info = _video_info(video)
    if not probe(image).has_video:
        raise MediaError("it is not an image", where=str(image))
    width, height = info.width or 0, info.height or 0  # never 0: _video_info checked them
    w, h = _even(width * 0.3), _even(height * 0.4)
    graph = (f"[1:v]scale={w}:{h}:force_original_aspect_ratio=decrease[face];"
             f"[0:v][face]overlay=x=(main_w-overlay_w)/2:y={_even(height * 0.08)}[out]")
    _encode(["-i", str(video), "-i", str(image), "-filter_complex", graph, "-map", "[out]",
             "-map", "0:a?", *_H264, "-c:a", "copy", str(dst)], info, progress,
            what=f"face swap {video}")


# --- text ----------------------------------------------------------------------------------
def translate_text(text: str, source_lang: str, dest_lang: str) -> str:
    """The sandbox's deterministic pseudo-translation: ``translate_text("Hello.", "en", "fr")``
    is "Bonjour." (any language of the phrase table to any other); a sentence not in it comes
    back marked with the target language: "[fr] Good night."."""
    dest = _base_lang(dest_lang)
    if dest == _base_lang(source_lang):
        return text
    known = _PHRASE_ROWS.get(" ".join(text.lower().split()), {})
    return known.get(dest, f"[{dest}] {text}")


def script_comment(sentences: Sequence[str], lang: str) -> str:
    """The ``comment`` tag value that carries a clip's script (write it with ffmpeg
    ``-metadata comment=...``); :func:`read_script` reads it back."""
    return json.dumps({"qavix_script": list(sentences), "lang": lang}, ensure_ascii=True)


def burn_filter(srt: str | Path, fonts_dir: Path, width: int | None = None,
                height: int | None = None) -> str:
    """The ffmpeg ``subtitles`` filter for ``srt`` in DejaVu Sans (copied into ``fonts_dir``,
    so libass needs no system fonts)."""
    import matplotlib

    shutil.copy(Path(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf"), fonts_dir)
    size = f":original_size={width}x{height}" if width and height else ""
    return (f"subtitles=filename='{_filter_path(srt)}':fontsdir='{_filter_path(fonts_dir)}'"
            f":force_style='{_SUBTITLE_STYLE}'{size}")


def _sentence(text: str, start: float, end: float) -> dict[str, Any]:
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


def _write_srt(sentences: list[dict], path: str | Path) -> None:
    import datetime

    import srt

    def at(ms: str) -> datetime.timedelta:
        return datetime.timedelta(milliseconds=int(ms))

    cues = [srt.Subtitle(i + 1, at(s["bg"]), at(s["ed"]), s.get("dst", s["onebest"]))
            for i, s in enumerate(sentences)]
    Path(path).write_text(srt.compose(cues), encoding="utf-8")


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


def _base_lang(code: str) -> str:
    return re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]


# --- speech --------------------------------------------------------------------------------
def _pcm(media: str | Path, *, what: str, audio_filter: str | None = None) -> np.ndarray:
    """The first audio track as mono float32 samples at ``_RATE``."""
    args = ["-i", str(media), "-map", "0:a:0", "-ac", "1", "-ar", str(_RATE)]
    args += ["-af", audio_filter] if audio_filter else []
    return np.frombuffer(run_ffmpeg([*args, "-f", "f32le", "pipe:"], what=what), np.float32)


def _speech_regions(samples: np.ndarray, min_gap: float = 0.3) -> list[tuple[float, float]]:
    """Runs of 20 ms frames louder than 30 dB under the peak (and than -50 dBFS)."""
    hop = _RATE // 50
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


def _fitted_speech(encoded: bytes, slot: float, tmp: Path, index: int) -> np.ndarray:
    """Decode synthesized speech, cut its silent ends, change its tempo towards ``slot``
    seconds (0.85x..1.6x) and cut what still overruns, with a 30 ms fade-out."""
    where = f"synthesized speech for sentence {index + 1}"
    source = tmp / f"tts-{index}.audio"
    source.write_bytes(encoded)
    samples = _pcm(source, what=where)
    regions = _speech_regions(samples, min_gap=10.0)
    if not regions:
        raise AudioError("it is silent or empty", where=where)
    samples = samples[round(regions[0][0] * _RATE): round(regions[-1][1] * _RATE)]
    tempo = min(max(len(samples) / _RATE / slot, 0.85), 1.6)
    if abs(tempo - 1) > 0.02:
        trimmed = _write_wav(samples, tmp / f"tts-{index}.wav")
        samples = _pcm(trimmed, what=where, audio_filter=f"atempo={tempo:.4f}")
    samples = samples[: round(slot * _RATE)].copy()
    fade = min(len(samples), round(0.03 * _RATE))
    samples[len(samples) - fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
    return samples


def _write_wav(samples: np.ndarray, path: Path) -> Path:
    from scipy.io import wavfile

    wavfile.write(path, _RATE, (np.clip(samples, -1, 1) * 32767).astype(np.int16))
    return path


# --- boxes ---------------------------------------------------------------------------------
def _automatic_areas(info: MediaInfo, erase_type: int | None) -> list[dict]:
    """Where subtitles and watermarks usually are: the bottom 15% band (type 2) and a corner
    box at the top right (type 1)."""
    w, h = info.width or 0, info.height or 0
    band = [[0, round(h * 0.85)], [w - 1, round(h * 0.85)], [w - 1, h - 1], [0, h - 1]]
    x0, x1, y0, y1 = round(w * 0.68), round(w * 0.98), round(h * 0.02), round(h * 0.18)
    corner = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
    if erase_type not in (None, 1, 2, 3):
        raise ValidationError(f"eraseType must be 1, 2 or 3, got {erase_type!r}",
                              where="eraseType")
    chosen = []
    if erase_type in (None, 1, 3):
        chosen.append({"area": band, "type": 2})
    if erase_type in (None, 2, 3):
        chosen.append({"area": corner, "type": 1})
    return chosen


def _boxes(areas: list[dict], info: MediaInfo) -> list[tuple[Box, int]]:
    """Contract areas as even-aligned pixel boxes (x0..x1 inclusive) with their type."""
    width, height = info.width or 0, info.height or 0
    boxes = []
    for i, item in enumerate(areas):
        where = f"areas[{i}]"
        try:
            points = [(int(x), int(y)) for x, y in item["area"]]
            kind = int(item.get("type", 2))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError('each area must be {"area": [[x, y] x 4], "type": 1|2}',
                                  where=where) from exc
        xs, ys = [x for x, _ in points], [y for _, y in points]
        if len(points) != 4 or kind not in (1, 2):
            raise ValidationError("an area needs 4 points and type 1 or 2", where=where)
        if min(xs) < 0 or min(ys) < 0 or max(xs) >= width or max(ys) >= height:
            raise ValidationError(f"points must lie inside the {width}x{height} frame",
                                  where=where)
        x, y = _even(min(xs)), _even(min(ys))
        right = min(width, _even(max(xs) + 1, up=True))
        bottom = min(height, _even(max(ys) + 1, up=True))
        if right - x < 2 or bottom - y < 2:
            raise ValidationError("the area is empty (its corners coincide)", where=where)
        boxes.append(((x, y, right - x, bottom - y), kind))
    return boxes


def _erase_graph(erased: list[tuple[Box, int]], protected: list[Box], info: MediaInfo) -> str:
    """A filter graph from ``[0:v]`` to ``[out]`` that erases boxes, then puts back the
    protected ones from an untouched copy of the frame."""
    keep = "".join(f"[keep{i}]" for i in range(len(protected)))
    chains = [f"[0:v]split={len(protected) + 1}[v0]{keep}"]
    for step, (box, kind) in enumerate(erased):
        chains.append(_erase_step(box, kind, info, f"v{step}", f"v{step + 1}"))
    step = len(erased)
    for i, (x, y, w, h) in enumerate(protected):
        chains.append(f"[keep{i}]crop={w}:{h}:{x}:{y}[kept{i}];"
                      f"[v{step + i}][kept{i}]overlay={x}:{y}[v{step + i + 1}]")
    chains.append(f"[v{step + len(protected)}]null[out]")
    return ";".join(chains)


def _erase_step(box: Box, kind: int, info: MediaInfo, src: str, dst: str) -> str:
    """``delogo`` for a logo box, else a strong box blur of the cropped box laid back."""
    logo = _delogo_box(box, info) if kind == 1 else None
    if logo:
        return f"[{src}]delogo=x={logo[0]}:y={logo[1]}:w={logo[2]}:h={logo[3]}[{dst}]"
    x, y, w, h = box
    # boxblur wants radii under half the (chroma-subsampled) box size
    luma, chroma = min(12, (min(w, h) - 1) // 2), max(0, min(6, (min(w, h) // 2 - 1) // 2))
    return (f"[{src}]split[{src}base][{src}cut];[{src}cut]crop={w}:{h}:{x}:{y},"
            f"boxblur=lr={luma}:lp=3:cr={chroma}:cp=3[{src}blur];"
            f"[{src}base][{src}blur]overlay={x}:{y}[{dst}]")


def _delogo_box(box: Box, info: MediaInfo) -> Box | None:
    """``delogo`` interpolates from a 1-pixel border, so the box must stay off the frame
    edges; None when too little is left (the caller blurs instead)."""
    x, y, w, h = box
    left, top = max(x, 1), max(y, 1)
    right, bottom = min(x + w, (info.width or 0) - 1), min(y + h, (info.height or 0) - 1)
    if right - left < 4 or bottom - top < 4:
        return None
    return left, top, right - left, bottom - top


def _even(value: float, *, up: bool = False) -> int:
    number = int(value)
    return number + number % 2 if up else number - number % 2


# --- running ffmpeg ------------------------------------------------------------------------
def _video_info(video: str | Path) -> MediaInfo:
    info = probe(video)
    if not info.has_video or not info.width or not info.height:
        raise MediaError("it has no video stream", where=str(video))
    if info.duration <= 0:
        raise MediaError("ffmpeg cannot tell its duration (a still image or a raw stream?)",
                         where=str(video))
    return info


def _encode(args: list[str], info: MediaInfo, progress: Progress, *, what: str) -> None:
    """Run ffmpeg; while it works, report the share of ``info.duration`` it has written."""
    if progress is None:
        run_ffmpeg(args, what=what)
        return
    with tempfile.TemporaryDirectory(prefix="qavix-progress-") as tmp:
        report = Path(tmp) / "progress.txt"
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            job = pool.submit(run_ffmpeg, ["-progress", str(report), *args], what=what)
            while not concurrent.futures.wait([job], timeout=0.25).done:
                progress(_written_share(report, info.duration))
            job.result()
    progress(1.0)


def _written_share(report: Path, duration: float) -> float:
    """How far ffmpeg's ``-progress`` report says it got, as a fraction of ``duration``."""
    try:
        times = re.findall(r"out_time_us=(\d+)", report.read_text())
    except OSError:
        return 0.0
    if not times or duration <= 0:
        return 0.0
    return min(0.99, int(times[-1]) / 1e6 / duration)


def _part(progress: Progress, start: float, end: float) -> Progress:
    """A progress callback for one stage of a task, mapped into ``start..end``."""
    if progress is None:
        return None
    return lambda done: progress(start + (end - start) * done)


def _report(progress: Progress, done: float) -> None:
    if progress is not None:
        progress(done)


def _filter_path(path: str | Path) -> str:
    """A path inside a quoted filter option: ``'`` and ``\\`` would end or escape the quote."""
    text = str(Path(path).resolve())
    if any(char in text for char in "'\\"):
        raise MediaError("ffmpeg filters cannot take a path with ' or \\ in it", where=text)
    return text
