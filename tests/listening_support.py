"""Clips and simulated raters for the listening tests (``from listening_support import ...``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qavix_lab.audio import Audio
from qavix_lab.sandbox.speech import VoiceTraits, synthesize_array

SYSTEMS = {"alice": ("female", 0.30, 0.0), "bob": ("male", 0.05, 0.25),
           "carol": ("female", 0.60, 0.6)}  # gender, level, leading silence (s)
TEXTS = ["Good morning, and welcome aboard.", "Your order has shipped today.",
         "Please hold the line for a moment.", "Thank you for calling us."]


def make_clips(folder: Path, texts: list[str] = TEXTS, fmt: str = "mp3"
               ) -> dict[str, list[Path]]:
    """Speech per system that differs in level, leading silence and length (as TTS does)."""
    systems = {}
    for k, (name, (gender, level, lead)) in enumerate(SYSTEMS.items()):
        paths = []
        for i, text in enumerate(texts):
            x, rate = synthesize_array(text, VoiceTraits(gender=gender, seed=k + 1),
                                       engine="synthetic")
            x = x / np.abs(x).max() * level
            x = np.concatenate([np.zeros(int(rate * lead)), x, np.zeros(int(rate * 0.3 * k))])
            paths.append(Audio(x, rate, name=name).export(folder / f"{name}_{i}.{fmt}"))
        systems[name] = paths
    return systems


TRUE_QUALITY = {"alice": 0.0, "bob": 1.0, "carol": 2.0, "(anchor)": -3.0}


def honest_answer(kind: str, systems: tuple[str, ...], rng: np.random.Generator) -> object:
    """What a careful rater who hears TRUE_QUALITY (plus a little noise) answers."""
    q = [TRUE_QUALITY[s] + rng.normal(0, 0.3) for s in systems]
    if kind == "cmos":
        return int(np.clip(round(q[1] - q[0]), -3, 3))
    if kind == "ab":
        return "=" if abs(q[1] - q[0]) < 0.5 else ("B" if q[1] > q[0] else "A")
    if kind == "abx":
        return "A" if systems[2] == systems[0] else "B"
    return [float(np.clip(50 + 15 * v, 0, 100)) for v in q]


def careless_answer(kind: str, systems: tuple[str, ...], rng: np.random.Generator) -> object:
    if kind == "cmos":
        return int(rng.integers(-3, 4))
    if kind in ("ab", "abx"):
        return str(rng.choice(["A", "B"]))
    return [float(rng.integers(0, 101)) for _ in systems]


def run_rater(test, rater: str, answer=honest_answer, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    session = test.session(rater)
    while not session.done:
        session.answer(answer(test.kind, session.trial.systems, rng))
