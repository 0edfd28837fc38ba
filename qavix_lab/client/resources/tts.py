"""``client.tts``: create, query, synthesize and batch text-to-speech."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import ValidationError
from ...spec import TtsResult
from ..effects import Plan, blocking
from ..handles import TtsTask, task_id_text
from ..lifecycle import create_task
from ..methods import Mode, plan_method
from ..options import RequestOptions
from ..protocol import call
from ..speech import Speech
from .base import Resource, VoiceLike, voice_id

if TYPE_CHECKING:
    import pandas as pd

    from ..batch import LedgerChoice


class Tts(Resource[Mode]):
    """Text to speech."""

    @plan_method
    def create(self, text: str, voice: VoiceLike, *, lang: str | None = None,
               options: RequestOptions | None = None) -> Plan[TtsTask[Mode]]:
        """Create a TTS task of ``text`` spoken by ``voice`` (an ID, a ``Voice`` or a catalog
        row) in ``lang`` (default: the voice's); returns a :class:`TtsTask` (``.wait()`` on it).
        A create is never retried once it may have reached the service."""
        if not isinstance(text, str) or not text.strip():
            raise ValidationError("text must be a non-empty string", where="text")
        client = self._client
        task: TtsTask[Mode] = yield from create_task(
            client, "tts.create", {"text": text, "timbreId": voice_id(voice), "lang": lang},
            options, lambda task_id, at, job: TtsTask(client, task_id, created=at, job=job))
        return task

    @plan_method
    def result(self, task_id: str | int, *, options: RequestOptions | None = None
               ) -> Plan[TtsResult]:
        """The current state of a TTS task (``tts result``)."""
        state: TtsResult = yield from call("tts.result", {"taskId": task_id_text(task_id)},
                                           self._client.retry_policy, options or RequestOptions(),
                                           wire=self._client.wire)
        return state

    def task(self, task_id: str | int) -> TtsTask[Mode]:
        """A handle on an existing TTS task (re-attach by ID, e.g. after a kernel restart)."""
        return TtsTask(self._client, task_id)

    @plan_method
    def synthesize(self, text: str, voice: VoiceLike, path: str | Path | None = None, *,
                   lang: str | None = None, timeout: float | None = 600,
                   progress_bar: bool = False, options: RequestOptions | None = None
                   ) -> Plan[Speech]:
        """Create, wait and download: returns a :class:`Speech` (path, task) that plays in Jupyter.

        >>> client.tts.synthesize("Hello!", voice=voices.iloc[0], path="hello.mp3")
        """
        task = yield from Tts.create.plan(self, text, voice, lang=lang, options=options)
        dest = yield from TtsTask.output.plan(task, path, timeout=timeout,
                                              progress_bar=progress_bar)
        return Speech(path=dest, text=text, voice_id=voice_id(voice), task=task.last)

    @plan_method
    def batch(self, texts: str | list[str] | Any, voices: VoiceLike | Any, *,
              out_dir: str | Path | None = None, concurrency: int = 8,
              timeout: float | None = 600, progress_bar: bool = False,
              lang: str | None = None, ledger: LedgerChoice = None, fresh: bool = False,
              max_credits: float | None = None, confirm: Callable[[str], bool] | None = None
              ) -> Plan[pd.DataFrame]:
        """Synthesize every text with every voice, concurrently; one DataFrame row per clip.

        Each clip goes through the task lifecycle (create, wait, download); at most
        ``concurrency`` clips are in flight, from create to downloaded file. Failures are rows
        with ``error`` set, not exceptions. Works from a notebook cell (on a private event loop
        in a worker thread); the stop button stops every clip and leaves no half-written file.

        Every clip is recorded in a ledger (``ledger``: a :class:`Ledger` or a path; by default
        the client's, else ``.qavix-ledger/`` beside the notebook; ``False`` for none). Running
        the same call again, after a kernel restart too, re-attaches to the tasks already
        created, skips the files already verified and creates only what was never sent;
        ``fresh=True`` pays for a new take of every clip on purpose.

        ``max_credits``: where the service estimates each create's credits
        (``estimated_credits``), the first create goes alone and, when its estimate times the
        number of clips is above ``max_credits``, ``confirm(question)`` (by default a question
        on the terminal) decides; refused or non-interactive, the clips not yet created end
        with :class:`~qavix_lab.errors.CreditLimitExceeded` in their row.

        >>> client.tts.batch("Hello there.", voices.head(3))
        """
        from ..batch import run_grid

        settings = self._client.settings
        frame: pd.DataFrame = yield from blocking(lambda stop: run_grid(
            settings, texts, voices, out_dir=out_dir, concurrency=concurrency, timeout=timeout,
            progress_bar=progress_bar, lang=lang, stop=stop, ledger=ledger, fresh=fresh,
            max_credits=max_credits, confirm=confirm))
        return frame
