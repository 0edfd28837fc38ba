"""``client.voices``: the catalog (as models, raw records or a DataFrame) and cloning."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from ...errors import MalformedResponse
from ...spec import ClonedVoice, Voice
from ..effects import Plan
from ..methods import Mode, plan_method
from ..options import RequestOptions
from ..protocol import call
from .base import Resource

if TYPE_CHECKING:
    import pandas as pd

Filter = Any  # a code, a description ("female", "English") or a list of those


class Voices(Resource[Mode]):
    """The voice catalog and voice cloning."""

    @plan_method
    def list(self, *, options: RequestOptions | None = None) -> Plan[builtins.list[Voice]]:
        """All voices as ``Voice`` models (``[]`` when the service has none)."""
        voices: builtins.list[Voice] = yield from call("voices.list", {}, self._client.retry_policy,
                                              options or RequestOptions(), wire=self._client.wire)
        return voices

    @plan_method
    def records(self, *, options: RequestOptions | None = None
                ) -> Plan[builtins.list[dict[str, Any]]]:
        """The raw ``TimbreInfoDto`` dicts, as the service sent them."""
        records = yield from call("voices.list", {}, self._client.retry_policy,
                                  options or RequestOptions(), raw=True, wire=self._client.wire)
        return builtins.list(records or [])

    @plan_method
    def frame(self, *, refresh: bool = False, lang: Filter = None, gender: Filter = None,
              emotion: Filter = None, accent: Filter = None, age: Filter = None,
              category: Filter = None, source: Filter = None, type: Filter = None,
              status: Filter = None, text: str | None = None, enabled_only: bool = False,
              sort: str | None = "popularity") -> Plan[pd.DataFrame]:
        """The catalog as a DataFrame, cached for ``client.catalog_ttl`` seconds, filtered.

        Each filter takes a code, a description in any case (``lang="English"``, ``"en"``,
        ``gender="female"``) or a list of those; ``text`` searches names and remarks; ``sort``
        is ``"popularity"``, ``None`` or a column (``"-name"`` descending). ``refresh`` refetches.

        >>> client.voices.frame(lang="en", gender="female", emotion="calm")
        """
        from ...tables import filter_voices

        cache = self._client.catalog_cache
        if refresh:
            cache.invalidate()
        records = cache.peek()
        if records is None:
            records = cache.put((yield from Voices.records.plan(self)))
        fetched = records
        return filter_voices(cache.frame(lambda: fetched), lang=lang, gender=gender,
                             emotion=emotion, accent=accent, age=age, category=category,
                             source=source, type=type, status=status, text=text,
                             enabled_only=enabled_only, sort=sort)

    @plan_method
    def clone(self, audio_url: str, name: str, *, format: str | None = None,
              options: RequestOptions | None = None) -> Plan[ClonedVoice]:
        """Clone a voice from a downloadable audio URL; returns ``ClonedVoice(timbre_id=...)``.

        Like a task create, it is never retried once it may have reached the service."""
        voice: ClonedVoice = yield from call(
            "voices.clone", {"audioUrl": audio_url, "name": name, "format": format},
            self._client.retry_policy, options or RequestOptions(), wire=self._client.wire,
            own_origin=self._client.settings.origin)
        if not voice.timbre_id:
            raise MalformedResponse("the clone answered without a timbreId; the voice may exist "
                                    "and be charged: look in client.voices.list() before "
                                    "cloning again", operation="voices.clone",
                                    where="result.timbreId")
        return voice
