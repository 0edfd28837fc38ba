"""``Speech``: what ``client.tts.synthesize`` returns — a file on disk that plays in Jupyter."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_MIME = {".mp3": "audio/mpeg", ".wav": "audio/wav", ".ogg": "audio/ogg", ".m4a": "audio/mp4"}


@dataclass(frozen=True)
class Speech:
    path: Path
    text: str
    voice_id: str
    task: Any = None  # the final TtsResult

    def audio(self) -> Any:
        """Load it for analysis: ``qavix_lab.audio.load(self.path)``."""
        from ..audio import load

        return load(self.path)

    def _repr_html_(self) -> str:
        mime = _MIME.get(self.path.suffix.lower(), "audio/mpeg")
        data = base64.b64encode(self.path.read_bytes()).decode("ascii")
        caption = html.escape(f"voice {self.voice_id}: {self.text[:80]}")
        return (f'<figure style="margin:0"><figcaption>{caption}</figcaption>'
                f'<audio controls src="data:{mime};base64,{data}"></audio></figure>')
