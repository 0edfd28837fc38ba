"""Speech for the sandbox's TTS and audition audio.

With espeak-ng installed the sandbox speaks real words: the voice traits pick the espeak voice
variant, pitch, speed and volume. Otherwise, or with ``QAVIX_SANDBOX_SPEECH=synthetic``, a
deterministic formant synthesizer babbles the text: a glottal pulse train shaped by vowel formants,
one syllable per vowel group or CJK character, a pitch contour that declines over each phrase.
Either way voices differ measurably: gender and age set pitch and timbre, emotion sets pitch,
range, rate and level.

>>> mp3 = synthesize("Hello there!", VoiceTraits(gender="female", emotion="calm"))
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import wave
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._ffmpeg import run_ffmpeg
from ..errors import QavixError, ValidationError

ENGINE_ENV = "QAVIX_SANDBOX_SPEECH"  # "synthetic", "espeak" or "auto" (the default)
SAMPLE_RATE = 24000
BASE_SYLLABLES_PER_S = 5.0
GENDERS = ("male", "female")
AGES = ("child", "young", "middle", "senior")
_ALIASES = {"man": "male", "woman": "female", "middle-aged": "middle", "middle aged": "middle",
            "adult": "middle", "elderly": "senior", "old": "senior", "kid": "child",
            "youth": "young"}
_ENCODERS = {"mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"],
             "ogg": ["-c:a", "libvorbis", "-q:a", "4", "-f", "ogg"],
             "flac": ["-c:a", "flac", "-f", "flac"]}


@dataclass(frozen=True)
class Prosody:
    """How an emotion colours a voice: pitch and its range (factors), syllable rate (factor),
    level (dB), breathiness (aspiration noise) and tension (a pressed, brighter glottal pulse)."""

    pitch: float
    range: float
    rate: float
    gain_db: float
    breath: float
    tension: float


EMOTIONS = {
    "neutral": Prosody(1.00, 1.0, 1.00, 0.0, 0.06, 0.5),
    "calm": Prosody(0.96, 0.7, 0.88, -2.0, 0.08, 0.4),
    "gentle": Prosody(1.02, 0.8, 0.90, -4.0, 0.15, 0.3),
    "happy": Prosody(1.10, 1.4, 1.10, 1.0, 0.05, 0.6),
    "excited": Prosody(1.18, 1.5, 1.25, 3.0, 0.05, 0.7),
    "sad": Prosody(0.92, 0.5, 0.78, -5.0, 0.12, 0.35),
    "angry": Prosody(1.06, 1.3, 1.12, 4.0, 0.03, 0.9),
}
_BASE_F0 = {"male": {"child": 255, "young": 125, "middle": 115, "senior": 110},
            "female": {"child": 280, "young": 220, "middle": 205, "senior": 190}}
_AGE_RATE = {"child": 0.85, "young": 1.05, "middle": 1.0, "senior": 0.85}
_ESPEAK_PITCH = {"child": 88, "young": 52, "middle": 45, "senior": 35}  # espeak -p, 0..99
_ESPEAK_PITCH_SHIFT = {"neutral": 0, "calm": -4, "gentle": 2, "happy": 8, "excited": 14,
                       "sad": -8, "angry": 4}


@dataclass(frozen=True)
class VoiceTraits:
    """What the synthesizer needs to know about a catalog voice; ``seed`` makes each voice unique.

    >>> VoiceTraits(gender="male", age="senior", emotion="sad", lang="de", seed=7)
    """

    gender: str = "female"
    age: str = "young"
    emotion: str = "neutral"
    lang: str = "en"
    seed: int = 0

    def __post_init__(self) -> None:
        for name, allowed in (("gender", GENDERS), ("age", AGES), ("emotion", tuple(EMOTIONS))):
            value = str(getattr(self, name)).strip().lower()
            value = _ALIASES.get(value, value)
            if value not in allowed:
                raise ValidationError(f"unknown {name} {value!r}; choose from {', '.join(allowed)}",
                                      where=f"VoiceTraits.{name}")
            object.__setattr__(self, name, value)
        lang = str(self.lang).strip().lower().replace("_", "-")
        if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]+)*", lang):
            raise ValidationError(f"not a language code: {self.lang!r}", where="VoiceTraits.lang")
        object.__setattr__(self, "lang", lang)
        object.__setattr__(self, "seed", int(self.seed))

    @property
    def prosody(self) -> Prosody:
        return EMOTIONS[self.emotion]

    @property
    def f0_hz(self) -> float:
        """Typical pitch: gender and age, coloured by emotion, nudged up to ±5% by the seed."""
        return _BASE_F0[self.gender][self.age] * self.prosody.pitch * self._nudge(0)

    @property
    def formant_scale(self) -> float:
        """Shorter vocal tracts (women, children) raise every formant."""
        scale = 1.35 if self.age == "child" else {"male": 1.0, "female": 1.17}[self.gender]
        return scale * self._nudge(1)

    @property
    def syllables_per_s(self) -> float:
        return BASE_SYLLABLES_PER_S * _AGE_RATE[self.age] * self.prosody.rate

    def _nudge(self, which: int) -> float:
        return 1 + float(np.random.default_rng([self.seed, which]).uniform(-0.05, 0.05))


def espeak_available() -> bool:
    """True when the ``espeak-ng`` program is on PATH."""
    return shutil.which("espeak-ng") is not None


def synthesize(text: str, traits: VoiceTraits, *, fmt: str = "mp3",
               engine: str | None = None) -> bytes:
    """Encoded speech (``fmt``: "mp3", "wav", "ogg" or "flac"); same inputs, same bytes."""
    fmt = fmt.lower()
    if fmt != "wav" and fmt not in _ENCODERS:
        raise ValidationError(f"unsupported format {fmt!r}; use wav, {', '.join(_ENCODERS)}",
                              where="format")
    samples, rate = synthesize_array(text, traits, engine=engine)
    pcm = (np.clip(samples, -1, 1) * 32767).round().astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    if fmt == "wav":
        return buf.getvalue()
    with tempfile.TemporaryDirectory(prefix="qavix-speech-") as tmp:
        src = Path(tmp, "speech.wav")
        src.write_bytes(buf.getvalue())
        return run_ffmpeg(["-i", str(src), "-map_metadata", "-1", "-fflags", "+bitexact",
                           "-flags:a", "+bitexact", *_ENCODERS[fmt], "-"], what=f"speech.{fmt}")


def synthesize_array(text: str, traits: VoiceTraits, *,
                     engine: str | None = None) -> tuple[np.ndarray, int]:
    """Mono float32 samples in [-1, 1] and their sample rate.

    ``engine``: "espeak", "synthetic", or None for the ``QAVIX_SANDBOX_SPEECH`` environment
    variable, else espeak when installed and it knows the language.
    """
    if not any(ch.isalnum() for ch in text):
        raise ValidationError("nothing to say: the text has no letters or digits", where="text")
    chosen = (engine or os.environ.get(ENGINE_ENV) or "auto").strip().lower()
    if chosen not in ("auto", "espeak", "synthetic"):
        raise ValidationError(f"unknown speech engine {chosen!r}; use espeak, synthetic or auto",
                              where=f"engine / {ENGINE_ENV}")
    if chosen == "espeak" and not espeak_available():
        raise ValidationError("espeak-ng is not installed", where=f"engine / {ENGINE_ENV}")
    use_espeak = chosen != "synthetic" and espeak_available() and _espeak_voice(traits.lang)
    samples, rate = _espeak(text, traits) if use_espeak else (np.empty(0), SAMPLE_RATE)
    if not len(samples):  # the synthetic engine, or espeak found nothing to say in this text
        samples, rate = _babble(_plan(text, traits), traits), SAMPLE_RATE
    # peaks at -6 dBFS, then emotion sets the level: angry louder, sad softer
    peak = 10 ** ((-6 + traits.prosody.gain_db) / 20)
    return (samples * (peak / max(float(np.abs(samples).max()), 1e-9))).astype(np.float32), rate


def estimate_duration(text: str, traits: VoiceTraits) -> float:
    """Seconds of speech from the synthetic engine (exact). espeak aims at the same syllable rate
    but its length differs by language: measure ``synthesize_array``'s output when it matters."""
    units = _plan(text, traits)
    return _LEAD_S + _TRAIL_S + sum(u.seconds + u.pause for u in units)


# --- espeak-ng -------------------------------------------------------------------------------
@functools.cache
def _espeak_languages() -> dict[str, str]:
    """espeak's language codes and their voice files (``-v fr-fr+f2`` would drop the variant;
    ``-v roa/fr+f2`` keeps it)."""
    listing = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True,
                             check=False).stdout
    rows = [line.split() for line in listing.splitlines()[1:]]
    return {row[1].lower(): row[4] for row in reversed(rows) if len(row) >= 5}


def _espeak_voice(lang: str) -> str | None:
    """The espeak voice file for ``lang`` (Chinese is Mandarin, English American), or None."""
    preferred = {"zh": "cmn", "en": "en-us", "fr": "fr-fr"}
    base = lang.split("-")[0]
    for candidate in (lang, preferred.get(base), base):
        if candidate and candidate in _espeak_languages():
            return _espeak_languages()[candidate]
    return None


def _espeak(text: str, traits: VoiceTraits) -> tuple[np.ndarray, int]:
    # children get a female variant whatever their gender: their voices have not broken yet
    female = traits.gender == "female" or traits.age == "child"
    variant = ("f1", "f2", "f3", "f4")[traits.seed % 4] if female else \
        ("m1", "m2", "m3", "m4")[traits.seed % 4]
    pitch = _ESPEAK_PITCH[traits.age] + _ESPEAK_PITCH_SHIFT[traits.emotion]
    pitch -= 8 if traits.age == "child" and traits.gender == "male" else 0
    # the seed moves pitch and pace a little, so two voices of the same traits still differ
    pitch += round(120 * (traits._nudge(0) - 1))
    speed = round(175 * traits.syllables_per_s / BASE_SYLLABLES_PER_S * traits._nudge(2))
    with tempfile.TemporaryDirectory(prefix="qavix-espeak-") as tmp:
        out = Path(tmp, "speech.wav")
        cmd = ["espeak-ng", "-b", "1", "-v", f"{_espeak_voice(traits.lang)}+{variant}",
               "-p", str(int(np.clip(pitch, 0, 99))), "-s", str(max(80, speed)),
               "-w", str(out)]
        proc = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, check=False,
                              timeout=120)
        if proc.returncode != 0 or not out.exists():
            raise QavixError(f"espeak-ng failed: {proc.stderr.decode(errors='replace')}",
                             where="espeak-ng")
        with wave.open(str(out), "rb") as wav:
            rate, frames = wav.getframerate(), wav.readframes(wav.getnframes())
    return np.frombuffer(frames, "<i2").astype(np.float32) / 32768, rate


# --- the synthetic engine: text -> syllable plan ---------------------------------------------
_LEAD_S, _TRAIL_S = 0.12, 0.25
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_TOKEN = re.compile(rf"([{_CJK}])|(\d)|([^\W\d_]+)|([,;:，；：、]|[.!?。！？…]+)")
_VOWEL_CLASS = {**dict.fromkeys("aаяα", "a"), **dict.fromkeys("eеэεη", "e"),
                **dict.fromkeys("iyиыіїιj", "i"), **dict.fromkeys("oоёοω", "o"),
                **dict.fromkeys("uуюυ", "u"), "є": "e", "æ": "a", "œ": "e", "ø": "e"}
_VOWEL_GROUP = re.compile(f"[{''.join(_VOWEL_CLASS)}]+")
_ONSETS = (("sibilant", set("szcxçшщжчсзц")), ("plosive", set("ptkbdgqпткбдгτκπβδγ")),
           ("fricative", set("fvhwфвхφθ")), ("sonorant", set("mnlrjмнлрйμνλρ")))


@dataclass
class _Syllable:
    onset: str  # "", "sibilant", "plosive", "fricative" or "sonorant"
    vowels: str  # start and end vowel of the nucleus (a glide when they differ)
    seconds: float  # a relative weight until _plan turns it into seconds
    stressed: bool
    tone: int = 0  # Mandarin tone 1..4, 0 elsewhere
    pause: float = 0.0  # silence after it: a word gap or punctuation
    phrase_end: str = ""  # the punctuation closing its phrase, if it is the last syllable


def _plan(text: str, traits: VoiceTraits) -> list[_Syllable]:
    units: list[_Syllable] = []
    for cjk, digit, word, punct in _TOKEN.findall(text):
        if punct and units:
            units[-1].pause = 0.35 if punct[0] in ".!?。！？…" else 0.2
            units[-1].phrase_end = punct[0]
        elif cjk or digit:
            code = ord(cjk or digit)
            tone = code % 4 + 1 if traits.lang.startswith("zh") and cjk else 0
            units.append(_Syllable(_ONSETS[code % 4][0] if code % 5 else "",
                                   "aeiou"[code // 5 % 5] * 2, 1.5, code % 3 == 0, tone))
        elif word:
            units.extend(_word_syllables(word.lower(), traits.lang))
    if not units:
        raise ValidationError("nothing to say: the text has no letters or digits", where="text")
    units[-1].pause = 0.0  # the trailing silence is fixed
    weights = np.array([0.75 + 0.1 * min(u.seconds, 6) for u in units])
    slower = BASE_SYLLABLES_PER_S / traits.syllables_per_s  # slow speakers pause longer too
    for unit, weight in zip(units, weights / weights.mean(), strict=True):
        unit.seconds = float(weight / traits.syllables_per_s)
        unit.pause *= slower
    return units


def _word_syllables(word: str, lang: str) -> list[_Syllable]:
    plain = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    nuclei = [(m.start(), _VOWEL_CLASS[m.group()[0]] + _VOWEL_CLASS[m.group()[-1]])
              for m in _VOWEL_GROUP.finditer(plain)]
    if lang.split("-")[0] in ("en", "fr") and len(nuclei) > 1 and plain.endswith("e") \
            and not plain.endswith(("le", "ee")):
        nuclei.pop()  # a silent final e
    if not nuclei:  # no written vowels (Arabic, Hebrew, Indic...): a syllable per 2.5 letters
        bounds = np.linspace(0, len(plain), max(1, round(len(plain) / 2.5)) + 1).astype(int)
        nuclei = [(int(b), "aeiou"[ord(plain[b]) % 5] * 2) for b in bounds[:-1]]
    ends = [start for start, _ in nuclei[1:]] + [len(plain)]
    out, begin = [], 0
    for (start, vowels), end in zip(nuclei, ends, strict=True):
        stressed = begin == 0 and (len(nuclei) > 1 or len(plain) > 3)
        out.append(_Syllable(_onset_class(plain[begin:start]), vowels, end - begin, stressed))
        begin = end
    out[-1].pause = 0.04
    return out


def _onset_class(consonants: str) -> str:
    for name, letters in _ONSETS:
        if any(c in letters for c in consonants):
            return name
    # letters of other scripts: any stable choice will do
    return _ONSETS[ord(consonants[0]) % 4][0] if consonants else ""


# --- the synthetic engine: syllable plan -> samples ------------------------------------------
_FORMANTS = {  # F1..F4 (Hz) of five cardinal vowels, adult male
    "a": (730, 1090, 2440, 3400), "e": (530, 1840, 2480, 3500), "i": (270, 2290, 3010, 3700),
    "o": (570, 840, 2410, 3400), "u": (300, 870, 2240, 3300)}
_MURMUR = (280, 1300, 2500, 3400)  # nasals and liquids
_BANDWIDTHS = np.array([80.0, 100.0, 150.0, 220.0])
_ONSET_SHARE = {"": 0.0, "sibilant": 0.35, "fricative": 0.3, "plosive": 0.25, "sonorant": 0.25}
_NOISE = {"sibilant": (3500, 9000, 0.2), "fricative": (1000, 7000, 0.1),
          "plosive": (1500, 5000, 0.5)}  # band (Hz) and level of each noise source
_TONES = {1: (0.15, 0.15), 2: (-0.05, 0.2), 3: (-0.12, -0.2), 4: (0.2, -0.2)}  # octaves
_PHRASE_ENDS = {**dict.fromkeys("?？", (0.0, 0.2)), **dict.fromkeys(".。…", (0.0, -0.1)),
                **dict.fromkeys("!！", (0.1, 0.0))}  # questions rise, statements fall
_BLOCK = 96  # formants are updated every 4 ms


def _babble(units: list[_Syllable], traits: VoiceTraits) -> np.ndarray:
    """Render a syllable plan: voiced source -> formant filter, plus consonant noise."""
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng([traits.seed, zlib.crc32(repr((units, traits)).encode())])
    total = _LEAD_S + _TRAIL_S + sum(u.seconds + u.pause for u in units)
    n = int(round(total * SAMPLE_RATE))
    voice = np.zeros(n)
    noise = {name: np.zeros(n) for name in _NOISE}
    pitch_keys: list[tuple[float, float]] = []
    formant_keys: list[tuple[float, tuple]] = []
    t = _LEAD_S
    for unit, position in zip(units, _phrase_positions(units), strict=True):
        nucleus, end = t + _ONSET_SHARE[unit.onset] * unit.seconds, t + unit.seconds
        _onset(unit.onset, t, nucleus, voice, noise)
        start_vowel, end_vowel = _FORMANTS[unit.vowels[0]], _FORMANTS[unit.vowels[1]]
        formant_keys += [(t + 0.001, _MURMUR if unit.onset == "sonorant" else start_vowel),
                         (nucleus + 0.002, start_vowel), (end, end_vowel)]
        pitch_keys += _pitch_keys(unit, position, nucleus, end, traits.prosody.range)
        span = _span(nucleus, end)
        voice[span] = _ramp(span.stop - span.start, 0.012, 0.025) * (1.0 if unit.stressed else 0.8)
        t = end + unit.pause
    f0 = traits.f0_hz * 2 ** _interp(pitch_keys, np.arange(n) / SAMPLE_RATE)
    drift = _smooth(rng.standard_normal(n), int(0.05 * SAMPLE_RATE))
    f0 *= 1 + 0.01 * drift / max(drift.std(), 1e-9)  # a living voice never holds still
    voiced = _formant_filter(_glottal_source(f0, traits.prosody, rng) * _smooth(voice, 120),
                             formant_keys, traits.formant_scale)
    out = voiced / max(np.abs(voiced).max(), 1e-9)
    for name, (low, high, level) in _NOISE.items():
        band = butter(4, (low, min(high, 0.45 * SAMPLE_RATE)), btype="band", fs=SAMPLE_RATE,
                      output="sos")
        out += sosfilt(band, rng.standard_normal(n)) * level * _smooth(noise[name], 48)
    return sosfilt(butter(2, 70, btype="high", fs=SAMPLE_RATE, output="sos"), out)


def _phrase_positions(units: list[_Syllable]) -> list[float]:
    """Each syllable's place in its phrase, 0 (first) .. 1 (last): pitch declines along it."""
    positions, phrase = [], 0
    for i, unit in enumerate(units):
        phrase += 1
        if unit.phrase_end or i == len(units) - 1:
            positions += list(np.linspace(0, 1, phrase)) if phrase > 1 else [0.0]
            phrase = 0
    return positions


def _pitch_keys(unit: _Syllable, position: float, start: float, end: float,
                spread: float) -> list[tuple[float, float]]:
    """Pitch (octaves around the voice's F0) at the start and end of a syllable's nucleus."""
    base = spread * 0.12 * (1 - 2 * position)  # declination
    rise, fall = _TONES.get(unit.tone, (0.12, 0.06) if unit.stressed else (0.0, -0.02))
    scale = max(spread, 0.7) if unit.tone else spread
    begin, finish = base + rise * scale, base + fall * scale
    lift_begin, lift_finish = _PHRASE_ENDS.get(unit.phrase_end, (0.0, 0.0))
    return [(start + 0.002, begin + lift_begin * spread), (end, finish + lift_finish * spread)]


def _onset(kind: str, start: float, end: float, voice: np.ndarray,
           noise: dict[str, np.ndarray]) -> None:
    """Draw a consonant into the voicing and noise tracks."""
    span = _span(start, end)
    length = span.stop - span.start
    if kind == "sonorant":
        voice[span] = 0.45 * _ramp(length, 0.01, 0.0)
    elif kind == "plosive":  # a closure, then a short decaying burst
        burst = _span(start + 0.7 * (end - start), end)
        noise["plosive"][burst] = np.exp(-np.arange(burst.stop - burst.start) / 120)
    elif kind:
        noise[kind][span] = _ramp(length, 0.02, 0.02)


def _glottal_source(f0: np.ndarray, prosody: Prosody, rng: np.random.Generator) -> np.ndarray:
    """Rosenberg glottal pulses at ``f0``, differentiated (lip radiation), plus breath noise."""
    frac = np.cumsum(f0 / SAMPLE_RATE) % 1.0
    open_q = 0.75 - 0.35 * prosody.tension  # a pressed voice closes sooner: brighter
    peak = 0.65 * open_q
    flow = np.where(frac < peak, 0.5 * (1 - np.cos(np.pi * frac / peak)),
                    np.where(frac < open_q, np.cos(0.5 * np.pi * (frac - peak) / (open_q - peak)),
                             0.0))
    source = np.diff(flow, prepend=0.0)
    source /= max(np.abs(source).max(), 1e-9)
    return source + prosody.breath * rng.standard_normal(len(f0)) * (0.3 + flow)


def _formant_filter(x: np.ndarray, keys: list[tuple[float, tuple]], scale: float) -> np.ndarray:
    """Four resonators in cascade whose frequencies glide along the formant keyframes.

    The four are multiplied into one 8th-order filter per block: one ``lfilter`` call per
    block costs a quarter of ``sosfilt``'s per-call overhead, which dominates at 4 ms blocks.
    """
    from scipy.signal import lfilter

    blocks = -(-len(x) // _BLOCK)
    centres = (np.arange(blocks) + 0.5) * _BLOCK / SAMPLE_RATE
    freqs = np.stack([_interp([(t, f[k]) for t, f in keys], centres) for k in range(4)], axis=1)
    radius = np.exp(-np.pi * _BANDWIDTHS * scale / SAMPLE_RATE)
    a1 = -2 * radius * np.cos(2 * np.pi * freqs * scale / SAMPLE_RATE)
    a2 = np.broadcast_to(radius ** 2, a1.shape)
    denominator = np.ones((blocks, 1))
    for k in range(4):  # multiply in (1 + a1 z^-1 + a2 z^-2)
        grown = np.zeros((blocks, denominator.shape[1] + 2))
        grown[:, :-2] += denominator
        grown[:, 1:-1] += denominator * a1[:, [k]]
        grown[:, 2:] += denominator * a2[:, [k]]
        denominator = grown
    gain = np.prod(1 + a1 + a2, axis=1)  # unity gain at 0 Hz
    state, out = np.zeros(8), np.empty_like(x)
    for k in range(blocks):
        part = slice(k * _BLOCK, (k + 1) * _BLOCK)
        out[part], state = lfilter(gain[k:k + 1], denominator[k], x[part], zi=state)
    return out


def _interp(keys: list[tuple[float, float]], at: np.ndarray) -> np.ndarray:
    times, values = zip(*keys, strict=True)
    return np.interp(at, times, values)


def _span(start: float, end: float) -> slice:
    return slice(int(round(start * SAMPLE_RATE)), int(round(end * SAMPLE_RATE)))


def _ramp(length: int, attack_s: float, release_s: float) -> np.ndarray:
    """A flat envelope with raised-cosine attack and release (each at most half the length)."""
    up = min(int(attack_s * SAMPLE_RATE), length // 2)
    down = min(int(release_s * SAMPLE_RATE), length // 2)
    env = np.ones(length)
    env[:up] = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, up))
    env[length - down:] = 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, down))
    return env


def _smooth(x: np.ndarray, width: int) -> np.ndarray:
    """Moving average over ``width`` samples (centred), in linear time."""
    if width < 2:
        return x
    padded = np.concatenate([[0.0], np.cumsum(np.pad(x, (width // 2, width - width // 2 - 1),
                                                     mode="edge"))])
    return (padded[width:] - padded[:-width]) / width
