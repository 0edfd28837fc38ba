"""Several clips side by side: a metrics table with differences, and loudness matching."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd

from ..errors import ValidationError
from .clip import Audio
from .load import AudioSource, load
from .metrics import loudness, metrics


def load_all(clips: Sequence[AudioSource], labels: Sequence[str] | None = None) -> list[Audio]:
    """Load every clip, labelled by ``labels`` or by their own names (made unique)."""
    if not clips:
        raise ValidationError("give at least one clip", where="clips")
    if labels is not None and len(labels) != len(clips):
        raise ValidationError(f"{len(labels)} labels for {len(clips)} clips", where="labels")
    names: list[str | None] = [None] * len(clips) if labels is None else [str(x) for x in labels]
    loaded = [load(c, name=name) for c, name in zip(clips, names, strict=True)]
    seen: dict[str, int] = {}
    unique = []
    for clip in loaded:
        seen[clip.name] = count = seen.get(clip.name, 0) + 1
        unique.append(clip if count == 1 else load(clip, name=f"{clip.name} ({count})"))
    return unique


def compare(*clips: AudioSource, labels: Sequence[str] | None = None,
            texts: str | Sequence[str | None] | None = None, lang: str | None = None
            ) -> pd.DataFrame:
    """One row of :func:`metrics` per clip, plus ``<metric>_diff`` columns against the first clip.

    ``texts`` is one text spoken in every clip, or one per clip (for the speaking rates).

    >>> compare("alice.mp3", "bob.mp3", texts="Hello there!")[["loudness_lufs", "f0_median_hz"]]
    """
    loaded = load_all(clips, labels)
    per_clip = [texts] * len(loaded) if texts is None or isinstance(texts, str) else list(texts)
    if len(per_clip) != len(loaded):
        raise ValidationError(f"{len(per_clip)} texts for {len(loaded)} clips", where="texts")
    table = pd.DataFrame([metrics(c, text=t, lang=lang) for c, t in zip(loaded, per_clip,
                                                                       strict=True)])
    table.index = pd.Index([c.name for c in loaded], dtype="string", name="clip")
    diffs = (table - table.iloc[0]).add_suffix("_diff")
    return pd.concat([table, diffs], axis=1)


def match_loudness(*clips: AudioSource, target_lufs: float = -23.0) -> list[Audio]:
    """Each clip gained to ``target_lufs`` integrated loudness, for fair A/B listening.

    Warns when a gained clip would clip on export (peak above 0 dBFS): choose a lower target.

    >>> a, b = match_loudness("alice.mp3", "bob.mp3")
    """
    matched = [clip.gained(target_lufs - loudness(clip)) for clip in load_all(clips)]
    clipping = [c.name for c in matched if abs(c.samples).max() > 1.0]
    if clipping:
        warnings.warn(f"{', '.join(clipping)} peak above 0 dBFS at {target_lufs} LUFS and will "
                      "clip on export; use a lower target_lufs", stacklevel=2)
    return matched
