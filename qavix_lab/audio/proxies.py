"""``quality()``: objective proxies beside a listening test: predicted MOS and an ASR round trip.

- DNSMOS P.835 (SIG, BAK, OVRL) with the ONNX model the ``speechmos`` package ships, run by
  ``onnxruntime`` (nothing is downloaded). Clips are cut into 9.01 s segments without overlap
  (the reference script hops by 1 s: nine times the work for nearly the same mean); shorter
  clips are repeated to fill one segment, as the reference does.
- English intelligibility: ``pocketsphinx`` with its bundled en-US model transcribes the clip,
  ``jiwer`` scores the word error rate against the text.

Both are optional: ``pip install 'qavix_lab[quality]'``. Without them a :class:`MissingExtra`
says what to install.

>>> quality(["a.mp3", "b.mp3"], texts=["Hello there.", "Hello there."])
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import QavixError, ValidationError
from .load import AudioSource, load

__all__ = ["quality", "dnsmos", "transcribe", "MissingExtra"]

DNSMOS_RATE = 16000
SEGMENT = int(9.01 * DNSMOS_RATE)
BATCH = 8  # segments per model call
# speechmos's (and Microsoft's) mapping of the raw outputs to P.835 MOS, non-personalized
_POLY = {"sig": [-0.08397278, 1.22083953, 0.0052439],
         "bak": [-0.13166888, 1.60915514, -0.39604546],
         "ovrl": [-0.06766283, 1.11546468, 0.04602535]}


class MissingExtra(QavixError, ImportError):
    """An optional dependency is not installed; the message says which extra to install."""


def _require(module: str, what: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtra(f"{what} needs {module!r}: pip install 'qavix_lab[quality]' "
                           "(onnxruntime, speechmos, pocketsphinx, jiwer)",
                           where="audio.quality") from exc


@functools.cache
def _dnsmos_session() -> Any:
    from importlib import resources

    ort = _require("onnxruntime", "DNSMOS")
    _require("speechmos", "DNSMOS")
    model = resources.files("speechmos").joinpath("dnsmos_models", "sig_bak_ovr.onnx")
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy waits
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


def _mono16k(source: AudioSource) -> tuple[np.ndarray, str]:
    from scipy.signal import resample_poly

    clip = load(source)
    x = clip.mono
    if clip.sample_rate != DNSMOS_RATE:
        g = np.gcd(DNSMOS_RATE, clip.sample_rate)
        x = resample_poly(x, DNSMOS_RATE // g, clip.sample_rate // g).astype(np.float32)
    return np.clip(x, -1, 1), clip.name


def _segments(x: np.ndarray) -> np.ndarray:
    if len(x) < SEGMENT:
        x = np.tile(x, -(-SEGMENT // len(x)))
    count = max(1, len(x) // SEGMENT)
    return x[: count * SEGMENT].reshape(count, SEGMENT)


def dnsmos(signals: Sequence[np.ndarray]) -> pd.DataFrame:
    """DNSMOS SIG, BAK and OVRL of 16 kHz mono float arrays (one row each)."""
    session = _dnsmos_session()
    segments = [_segments(x) for x in signals]
    stacked = np.concatenate(segments).astype(np.float32)
    raw = np.concatenate([session.run(None, {"input_1": stacked[i:i + BATCH]})[0]
                          for i in range(0, len(stacked), BATCH)])
    scores = np.column_stack([np.polyval(_POLY[k], raw[:, j])
                              for j, k in enumerate(("sig", "bak", "ovrl"))])
    bounds = np.cumsum([0] + [len(s) for s in segments])
    means = [scores[a:b].mean(axis=0) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return pd.DataFrame(means, columns=["dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl"])


@functools.cache
def _decoder() -> Any:
    pocketsphinx = _require("pocketsphinx", "The ASR round trip")
    # narrower pruning than the defaults: the same words on TTS speech, in about half the time
    return pocketsphinx.Decoder(samprate=DNSMOS_RATE, loglevel="FATAL", topn=2, maxwpf=5,
                                maxhmmpf=8000)


def normalize_words(text: str) -> str:
    """Lower case, letters, digits and apostrophes only: what WER compares."""
    return " ".join(re.sub(r"[^\w']+", " ", text.lower()).split())


def transcribe(signal: np.ndarray) -> str:
    """English words pocketsphinx hears in a 16 kHz mono float array."""
    decoder = _decoder()
    pcm = (np.clip(signal, -1, 1) * 32767).astype("<i2").tobytes()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return "" if hyp is None else hyp.hypstr


def quality(paths: Sequence[AudioSource], texts: Sequence[str | None] | str | None = None, *,
            lang: str = "en", dnsmos_scores: bool = True, asr: bool | None = None
            ) -> pd.DataFrame:
    """Per clip: ``dnsmos_sig, dnsmos_bak, dnsmos_ovrl`` and, for English with ``texts``,
    ``asr_text`` and ``wer`` (0 is perfect; may exceed 1).

    ``asr``: None runs the round trip when texts are given and ``lang`` is English.
    """
    sources = [paths] if isinstance(paths, str) else list(paths)
    if not sources:
        raise ValidationError("give at least one clip", where="quality(paths)")
    per_clip = [texts] * len(sources) if texts is None or isinstance(texts, str) else list(texts)
    if len(per_clip) != len(sources):
        raise ValidationError(f"{len(per_clip)} texts for {len(sources)} clips",
                              where="quality(texts)")
    english = lang.lower().startswith("en")
    if asr and not english:
        raise ValidationError(f"the ASR round trip has an English model only, not {lang!r}",
                              where="quality(lang)")
    if asr and texts is None:
        raise ValidationError("the ASR round trip needs the texts", where="quality(texts)")
    run_asr = english and texts is not None if asr is None else asr
    if run_asr:  # fail before the slow part when an extra is missing
        _require("jiwer", "The ASR round trip")
        _decoder()
    signals, names = zip(*(_mono16k(s) for s in sources), strict=True)
    table = pd.DataFrame(index=pd.Index(names, dtype="string", name="clip"))
    if dnsmos_scores:
        table[["dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl"]] = dnsmos(list(signals)).to_numpy()
    if run_asr:
        import jiwer

        heard = [transcribe(x) for x in signals]
        table["asr_text"] = pd.array(heard, dtype="string")
        table["wer"] = [jiwer.wer(normalize_words(t), normalize_words(h) or "<nothing>")
                        if t and normalize_words(t) else np.nan
                        for t, h in zip(per_clip, heard, strict=True)]
    return table
