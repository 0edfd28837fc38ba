"""``client.tts``: create, query, synthesize and batch text-to-speech."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import ValidationError
from ..handles import TtsTask, task_id_text
from ..protocol import Plan
from .base import Resource, voice_id


class Tts(Resource):
    """Text to speech."""

    def create(self, text: str, voice: Any, *, lang: str | None = None, **opts: Any) -> Any:
        """Create a TTS task; returns a :class:`TtsTask` (call ``.wait()`` on it)."""
        if not isinstance(text, str) or not text.strip():
            raise ValidationError("text must be a non-empty string", where="text")
        plan = self._client._call_plan(
            "tts.create", {"text": text, "timbreId": voice_id(voice), "lang": lang}, **opts)
        return self._client._run(self._client._handle(plan, TtsTask))

    def result(self, task_id: str | int, **opts: Any) -> Any:
        """The current state of a TTS task."""
        return self._do("tts.result", {"taskId": task_id_text(task_id)}, opts)

    def task(self, task_id: str | int) -> TtsTask:
        """A handle on an existing TTS task."""
        return TtsTask(self._client, task_id)

    def synthesize(self, text: str, voice: Any, path: str | Path | None = None, *,
                   lang: str | None = None, timeout: float | None = 600,
                   progress_bar: bool = False, **opts: Any) -> Any:
        """Create, wait and download: returns a :class:`Speech` (path, task) that plays in Jupyter.

        >>> client.tts.synthesize("Hello!", voice=voices.iloc[0], path="hello.mp3")
        """
        return self._client._run(self._synthesize(text, voice, path, lang, timeout,
                                                  progress_bar, opts))

    def _synthesize(self, text: str, voice: Any, path: str | Path | None, lang: str | None,
                    timeout: float | None, progress_bar: bool, opts: dict[str, Any]) -> Plan[Any]:
        from ..speech import Speech

        if not isinstance(text, str) or not text.strip():
            raise ValidationError("text must be a non-empty string", where="text")
        task = yield from self._client._handle(self._client._call_plan(
            "tts.create", {"text": text, "timbreId": voice_id(voice), "lang": lang}, **opts),
            TtsTask)
        state = yield from task._wait_plan(timeout, None, progress_bar)
        dest = yield from self._client.files._download_output(task, path, False, state)
        return Speech(path=dest, text=text, voice_id=voice_id(voice), task=state)


    def batch(self, texts: Any, voices: Any, *, out_dir: str | Path | None = None,
              concurrency: int = 8, timeout: float | None = 600, progress_bar: bool = False,
              lang: str | None = None) -> Any:
        """Synthesize every text with every voice, concurrently; one DataFrame row per clip.

        Failures are rows with ``error`` set, not exceptions. Works from a notebook cell.

        >>> client.tts.batch("Hello there.", voices.head(3))
        """
        from ..batch import run_blocking, synthesize_grid
        from ..clients import AsyncClient, Client

        def grid(client: AsyncClient) -> Any:
            return synthesize_grid(client, texts, voices, out_dir=out_dir,
                                   concurrency=concurrency, timeout=timeout,
                                   progress_bar=progress_bar, lang=lang)

        if isinstance(self._client, AsyncClient):
            return grid(self._client)
        assert isinstance(self._client, Client)
        sync_client = self._client

        async def run() -> Any:
            async with sync_client._async_twin() as twin:
                return await grid(twin)

        return run_blocking(run())
