"""The synthetic engine's second half: syllable plan -> samples (a formant synthesizer)."""

from __future__ import annotations

import zlib

import numpy as np

from .syllables import LEAD_S, TRAIL_S, Syllable
from .traits import Prosody, VoiceTraits

SAMPLE_RATE = 24000
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


def babble(units: list[Syllable], traits: VoiceTraits) -> np.ndarray:
    """Render a syllable plan: voiced source -> formant filter, plus consonant noise."""
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng([traits.seed, zlib.crc32(repr((units, traits)).encode())])
    total = LEAD_S + TRAIL_S + sum(u.seconds + u.pause for u in units)
    n = int(round(total * SAMPLE_RATE))
    voice = np.zeros(n)
    noise = {name: np.zeros(n) for name in _NOISE}
    pitch_keys: list[tuple[float, float]] = []
    formant_keys: list[tuple[float, tuple]] = []
    t = LEAD_S
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


def _phrase_positions(units: list[Syllable]) -> list[float]:
    """Each syllable's place in its phrase, 0 (first) .. 1 (last): pitch declines along it."""
    positions, phrase = [], 0
    for i, unit in enumerate(units):
        phrase += 1
        if unit.phrase_end or i == len(units) - 1:
            positions += list(np.linspace(0, 1, phrase)) if phrase > 1 else [0.0]
            phrase = 0
    return positions


def _pitch_keys(unit: Syllable, position: float, start: float, end: float,
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
