"""What every resource namespace shares, and how a voice is named in a call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from ...errors import ValidationError
from ..methods import Bound, Mode

if TYPE_CHECKING:
    import pandas as pd

    from ...spec import ClonedVoice, Voice

# A voice: its ID, a Voice, a ClonedVoice, a catalog row (Series) or a dict with "voice_id"/"id".
VoiceLike: TypeAlias = "str | int | Voice | ClonedVoice | Mapping[str, Any] | pd.Series"


def voice_id(voice: VoiceLike | Any) -> str:
    """A voice ID from an ID, a ``Voice``, a catalog row (Series/dict) or a ``ClonedVoice``."""
    for attr in ("id", "timbre_id", "voice_id"):
        value = getattr(voice, attr, None) if not isinstance(voice, Mapping) else None
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    if isinstance(voice, Mapping) or hasattr(voice, "get"):
        for key in ("voice_id", "id", "timbreId"):
            value = voice.get(key)
            if value is not None:
                return str(value)
    if isinstance(voice, str | int) and not isinstance(voice, bool) and str(voice).strip():
        return str(voice).strip()
    raise ValidationError(f"cannot tell a voice ID from {voice!r}", where="voice")


class Resource(Bound[Mode]):
    """A namespace of operations on a client (``client.tts``, ``client.video``, ...)."""
