"""Stimuli for a listening test: trimmed, loudness-matched, padded to one length, one codec.

Everything a rater could tell systems apart by, other than the voice itself, is removed:
- leading and trailing silence are trimmed (to a short, equal margin);
- integrated loudness (ITU-R BS.1770) is matched; clips under 400 ms have no gated loudness, so
  their level is the ungated K-weighted power and their gain is capped at ``MAX_GAIN_DB``;
- when a matched clip would peak above ``PEAK_CEILING_DBFS`` every clip is lowered together;
- the clips of one group (one item) are padded with silence to the longest, so durations match;
- every clip is re-encoded through the same codec, with no tags, under an opaque file name.
"""

from __future__ import annotations

import concurrent.futures
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import AudioError, MediaError, ValidationError
from ...media.ffmpeg import run_ffmpeg
from ..clip import Audio
from ..load import AudioSource, load
from ..metrics import _FRAME_S, MIN_DURATION_S, _edge_run, _k_weighting, _silent_frames, loudness

TARGET_LUFS = -23.0
PEAK_CEILING_DBFS = -1.0
MAX_GAIN_DB = 20.0  # a guard for clips too short for gated loudness
MARGIN_S = 0.05  # silence kept before and after the speech
RATE = 48000  # Opus runs at 48 kHz; every stimulus is resampled to it
BATCH = 40  # inputs per ffmpeg run
CODECS = {"opus": ("opus", "audio/ogg", ["-c:a", "libopus", "-b:a", "40k", "-f", "ogg"]),
          "mp3": ("mp3", "audio/mpeg", ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"])}


@dataclass(frozen=True)
class Prepared:
    """One stimulus after preparation: its samples, the gain applied and the trim."""

    audio: Audio
    gain_db: float
    trimmed_s: float


def trim_silence(clip: Audio, margin_s: float = MARGIN_S) -> Audio:
    """``clip`` without its leading and trailing silence, keeping ``margin_s`` on each side."""
    silent = _silent_frames(clip)
    if silent.all():
        raise AudioError("silent: nothing to play", where=clip.name)
    frame = round(_FRAME_S * clip.sample_rate)
    margin = round(margin_s * clip.sample_rate)
    start = max(0, _edge_run(silent) * frame - margin)
    stop = min(len(clip.samples), len(clip.samples) - _edge_run(silent[::-1]) * frame + margin)
    return Audio(clip.samples[start:stop], clip.sample_rate, name=clip.name)


def level_lufs(clip: Audio) -> float:
    """Integrated loudness; for clips under 400 ms the ungated K-weighted power instead."""
    if clip.duration >= MIN_DURATION_S:
        return loudness(clip)
    from scipy.signal import lfilter

    weighted = lfilter(*_k_weighting(clip.sample_rate), clip.mono.astype(np.float64))
    power = float(np.mean(np.square(weighted)))
    if power <= 0:
        raise AudioError("silent: nothing to play", where=clip.name)
    return -0.691 + 10 * np.log10(power)


def _resampled(clip: Audio) -> Audio:
    from scipy.signal import resample_poly

    mono = clip.mono
    if clip.sample_rate != RATE:
        g = np.gcd(RATE, clip.sample_rate)
        mono = resample_poly(mono, RATE // g, clip.sample_rate // g).astype(np.float32)
    return Audio(mono, RATE, name=clip.name)


def degrade(clip: Audio, seed: int = 0) -> Audio:
    """A clearly worse copy (3.5 kHz low-pass, the MUSHRA low anchor, plus noise 15 dB down):
    the known answer of a gold trial."""
    from scipy.signal import butter, sosfilt

    sos = butter(8, 3500, btype="low", fs=clip.sample_rate, output="sos")
    low = sosfilt(sos, clip.mono).astype(np.float32)
    rms = float(np.sqrt(np.mean(np.square(low)))) or 1e-4
    noise = np.random.default_rng(seed).normal(0, rms * 10 ** (-15 / 20), len(low))
    return Audio(low + noise.astype(np.float32), clip.sample_rate, name=f"{clip.name} (anchor)")


def _batches(count: int, workers: int) -> list[range]:
    """``range(count)`` in ``workers`` or more chunks of at most ``BATCH`` (one ffmpeg each)."""
    size = max(1, min(BATCH, -(-count // max(1, workers))))
    return [range(i, min(i + size, count)) for i in range(0, count, size)]


def _decode_files(paths: Sequence[Path], folder: Path) -> list[Audio]:
    """Many files decoded by one ffmpeg run to 48 kHz mono float WAVs; on a failure each file is
    loaded alone, so the error names the file that is broken."""
    from ..load import _parse_float_wav

    args: list[str] = []
    for path in paths:
        args += ["-i", str(path)]
    outs = [folder / f"{os.getpid()}_{id(paths)}_{k}.wav" for k in range(len(paths))]
    for k, out in enumerate(outs):
        args += ["-map", f"{k}:a:0", "-map_metadata", "-1", "-ac", "1", "-ar", str(RATE),
                 "-c:a", "pcm_f32le", str(out)]
    try:
        run_ffmpeg(args, what=f"{len(paths)} clips")
    except MediaError:
        return [_resampled(load(p)) for p in paths]
    clips = [Audio(_parse_float_wav(out.read_bytes(), str(path))[0], RATE, name=str(path))
             for out, path in zip(outs, paths, strict=True)]
    for out in outs:
        out.unlink()
    return clips


def _load_all(sources: Sequence[AudioSource], workers: int) -> list[Audio]:
    """Every source at 48 kHz mono; files on disk in a few batched ffmpeg runs."""
    files = [i for i, s in enumerate(sources) if isinstance(s, str | os.PathLike)]
    clips: list[Audio | None] = [None if i in set(files) else _resampled(load(s))
                                 for i, s in enumerate(sources)]
    for i in files:
        if not Path(sources[i]).is_file():
            raise AudioError("no such file", where=str(sources[i]))
    with tempfile.TemporaryDirectory(prefix="qavix-stimuli-") as tmp, \
            concurrent.futures.ThreadPoolExecutor(workers) as pool:
        chunks = [[files[k] for k in chunk] for chunk in _batches(len(files), workers)]
        decoded = pool.map(lambda idx: _decode_files([Path(sources[i]) for i in idx], Path(tmp)),
                           chunks)
        for idx, batch in zip(chunks, decoded, strict=True):
            for i, clip in zip(idx, batch, strict=True):
                clips[i] = clip
    return [c for c in clips if c is not None]


def dithered(clip: Audio, seed: int = 0) -> Audio:
    """The same sound with noise 100 dB down: inaudible, but another file (ABX's X)."""
    noise = np.random.default_rng(seed).normal(0, 1e-5, clip.samples.shape)
    return Audio(clip.samples + noise.astype(np.float32), clip.sample_rate, name=clip.name)


def prepare(groups: Mapping[str, Mapping[str, AudioSource]], *,
            target_lufs: float = TARGET_LUFS, workers: int = 2) -> dict[tuple[str, str], Prepared]:
    """Trim, match and pad ``{group: {name: clip}}``; keys of the result are (group, name).

    Clips of one group end up with exactly the same number of samples.
    """
    flat = [(g, n, src) for g, members in groups.items() for n, src in members.items()]
    if not flat:
        raise ValidationError("no clips to prepare", where="stimuli")
    loaded = _load_all([src for _, _, src in flat], workers)
    clips = []
    for (group, name, _), whole in zip(flat, loaded, strict=True):
        speech = trim_silence(Audio(whole.samples, RATE, name=f"{name} / {group}"))
        clips.append((speech, whole.duration - speech.duration))
    gains = [float(np.clip(target_lufs - level_lufs(c), -MAX_GAIN_DB, MAX_GAIN_DB))
             for c, _ in clips]
    peaks = [20 * np.log10(float(np.abs(c.samples).max())) + g for (c, _), g in zip(clips, gains,
                                                                                   strict=True)]
    lower = max(0.0, max(peaks) - PEAK_CEILING_DBFS)  # one shift for all keeps them matched
    lengths: dict[str, int] = {}
    for (group, _, _), (clip, _) in zip(flat, clips, strict=True):
        lengths[group] = max(lengths.get(group, 0), len(clip.samples))
    out = {}
    for (group, name, _), (clip, cut), gain in zip(flat, clips, gains, strict=True):
        padded = np.zeros(lengths[group], np.float32)
        padded[: len(clip.samples)] = clip.mono * np.float32(10 ** ((gain - lower) / 20))
        out[group, name] = Prepared(Audio(padded, RATE, name=clip.name), gain - lower, cut)
    return out


def encode(clips: Mapping[str, Audio], folder: Path, codec: str = "opus",
           workers: int = 2) -> dict[str, Path]:
    """Write each clip as ``folder/<key>.<ext>`` through ``codec``, without tags (a few ffmpeg
    runs with many outputs each: starting ffmpeg costs more than encoding a sentence)."""
    if codec not in CODECS:
        raise ValidationError(f"codec must be one of {sorted(CODECS)}, got {codec!r}",
                              where="codec")
    ext, _, codec_args = CODECS[codec]
    folder.mkdir(parents=True, exist_ok=True)
    keys = list(clips)

    def run(chunk: range) -> None:
        with tempfile.TemporaryDirectory(prefix="qavix-encode-") as tmp:
            args: list[str] = []
            for k in chunk:
                wav = Path(tmp, f"{k}.wav")
                wav.write_bytes(clips[keys[k]].to_wav_bytes())
                args += ["-i", str(wav)]
            for n, k in enumerate(chunk):
                args += ["-map", f"{n}:a:0", "-map_metadata", "-1", "-fflags", "+bitexact",
                         "-ac", "1", *codec_args, str(folder / f"{keys[k]}.{ext}")]
            try:
                run_ffmpeg(args, what=f"encoding {len(chunk)} stimuli")
            except MediaError as exc:
                raise AudioError(f"cannot encode through {codec}: {exc.message}",
                                 where=str(folder)) from exc

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, _batches(len(keys), workers)))
    return {key: folder / f"{key}.{ext}" for key in keys}


def mime_type(codec: str) -> str:
    return CODECS[codec][1]
