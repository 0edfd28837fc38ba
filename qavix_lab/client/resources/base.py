"""What every resource namespace shares, and how a voice is named in a call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...errors import ValidationError

if TYPE_CHECKING:
    from ..clients import BaseClient


def voice_id(voice: Any) -> str:
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


class Resource:
    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def _do(self, name: str, fields: Mapping[str, Any], opts: dict[str, Any]) -> Any:
        return self._client._run(self._client._call_plan(name, fields, **opts))
