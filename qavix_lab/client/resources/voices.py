"""``client.voices``: the catalog (as models, raw records or a DataFrame) and cloning."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import QavixError
from .base import Resource

if TYPE_CHECKING:
    import pandas as pd


class Voices(Resource):
    """The voice catalog and voice cloning."""

    def list(self, **opts: Any) -> Any:
        """All voices as ``Voice`` models (``[]`` when the service has none)."""
        return self._do("voices.list", {}, opts)

    def records(self, **opts: Any) -> Any:
        """The raw ``TimbreInfoDto`` dicts, as the service sent them."""
        return self._do("voices.list", {}, {**opts, "raw": True})

    def frame(self, *, refresh: bool = False, **filters: Any) -> pd.DataFrame:
        """The catalog as a DataFrame, cached for ``client.catalog_ttl`` seconds, filtered.

        >>> client.voices.frame(lang="en", gender="female", emotion="calm")
        """
        if self._client.is_async:
            raise QavixError("use `await client.voices.aframe(...)` with AsyncClient")
        from ...tables import filter_voices

        if refresh:
            self._client.catalog_cache.invalidate()
        return filter_voices(self._client.catalog_cache.frame(self.records), **filters)

    async def aframe(self, *, refresh: bool = False, **filters: Any) -> pd.DataFrame:
        """Async twin of :meth:`frame`."""
        from ...tables import filter_voices

        cache = self._client.catalog_cache
        if refresh:
            cache.invalidate()
        records = cache.peek()
        if records is None:
            records = cache.put(await self.records())
        return filter_voices(cache.frame(lambda: records), **filters)

    def clone(self, audio_url: str, name: str, *, format: str | None = None, **opts: Any) -> Any:
        """Clone a voice from a downloadable audio URL; returns ``ClonedVoice(timbre_id=...)``."""
        return self._do("voices.clone", {"audioUrl": audio_url, "name": name, "format": format},
                        opts)
