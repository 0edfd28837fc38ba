"""Resource namespaces: ``client.voices``, ``client.tts``, ``client.files``, ``client.video``,
``client.tasks``. Each method is written once and returns a plan that the client runs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import LinkExpired, QavixError, ValidationError
from ..spec import TaskStatus
from .handles import TaskHandle, TtsTask, VideoTask, task_id_text
from .protocol import Call, Plan

if TYPE_CHECKING:
    import pandas as pd

    from .clients import BaseClient


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
        from ..frames import filter_voices, voices_frame

        if refresh:
            self._client.catalog_cache.invalidate()
        records = self._client.catalog_cache.get(self.records)
        return filter_voices(voices_frame(records), **filters)

    async def aframe(self, *, refresh: bool = False, **filters: Any) -> pd.DataFrame:
        """Async twin of :meth:`frame`."""
        from ..frames import filter_voices, voices_frame

        cache = self._client.catalog_cache
        if refresh:
            cache.invalidate()
        records = cache.peek()
        if records is None:
            records = await self.records()
            cache.put(records)
        return filter_voices(voices_frame(records), **filters)

    def clone(self, audio_url: str, name: str, *, format: str | None = None, **opts: Any) -> Any:
        """Clone a voice from a downloadable audio URL; returns ``ClonedVoice(timbre_id=...)``."""
        return self._do("voices.clone", {"audioUrl": audio_url, "name": name, "format": format},
                        opts)


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
        from .speech import Speech

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
        from .batch import run_blocking, synthesize_grid
        from .clients import AsyncClient, Client

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


class Files(Resource):
    """Upload credentials, completion, URL refresh and downloads."""

    def privilege(self, file_name: str, md5: str, file_size: int, *, format: str | None = None,
                  source: str | None = None, **opts: Any) -> Any:
        return self._do("files.privilege", {"fileName": file_name, "md5": md5,
                                            "fileSize": file_size, "format": format,
                                            "source": source}, opts)

    def complete(self, file_id: str | int, **opts: Any) -> Any:
        return self._do("files.complete", {"fileId": str(file_id)}, opts)

    def refresh(self, file_id: str | int, **opts: Any) -> Any:
        """Re-issue the temporary download URL of a file."""
        return self._do("files.refresh", {"fileId": str(file_id)}, opts)

    def upload(self, source: Any, *, file_name: str | None = None, progress: Any = None,
               storage: Any = None, **_: Any) -> Any:
        """Upload a path, bytes or binary file object; returns an :class:`UploadedFile`.

        MD5 is streamed; the service's instant upload skips the transfer when it has the bytes;
        large files go to object storage in parts; expiring credentials are renewed.
        ``progress``: True for a progress bar, or a callable getting bytes sent so far.
        """
        from .upload import upload_plan

        return self._client._run(upload_plan(self._client, source, file_name=file_name,
                                             progress=progress, storage=storage))

    def download(self, url: Any, dest: str | Path, *, progress: bool = False) -> Any:
        """Stream a URL (or an ``UploadedFile``) to ``dest``, never whole in memory."""
        return self._client._run(self._download_plan(url, Path(dest), progress))

    def _download_plan(self, url: Any, dest: Path, progress: bool) -> Plan[Path]:
        from .download import download
        from .upload import UploadedFile

        if not isinstance(url, UploadedFile):
            return (yield Call(lambda: download(str(url), dest, progress=progress)))
        try:
            return (yield Call(lambda: download(url.url, dest, progress=progress)))
        except LinkExpired:  # our clock may disagree with the service's: refresh and retry
            url._apply((yield from self._client._call_plan("files.refresh",
                                                           {"fileId": url.file_id})))
            return (yield Call(lambda: download(url.url, dest, progress=progress)))

    def _download_output(self, task: TaskHandle, dest: str | Path | None, progress: bool,
                         state: Any = None) -> Plan[Path]:
        from .download import download

        state = state or task.last
        if state is None:
            state = yield from task._fetch()
        if state.status != TaskStatus.COMPLETED or not state.dest_file_tmp_url:
            raise QavixError(f"{task.label} has no output yet (status {state.status!r})")
        url, file_id = state.dest_file_tmp_url, state.dest_file_id
        target = Path(dest) if dest is not None else self._client.output_dir / _file_name(task, url)
        try:
            return (yield Call(lambda: download(url, target, progress=progress)))
        except LinkExpired:
            if not file_id:
                raise
            link = yield from self._client._call_plan("files.refresh", {"fileId": file_id})
            return (yield Call(lambda: download(link.url, target, progress=progress)))


def _file_name(task: TaskHandle, url: str) -> str:
    from urllib.parse import urlsplit

    suffix = Path(urlsplit(url).path).suffix or ".bin"
    return f"{task.kind}_{task.id}{suffix}"


class Video(Resource):
    """The five video tasks. Each takes a local path (uploaded for you) or a URL, fills the
    media fields (format, size, duration, width, height) from probing where not given, and
    returns a :class:`VideoTask` handle."""

    def translate(self, video: Any, original_lang: str, dest_lang: str, *, timbre: Any = None,
                  name: str | None = None, model_type: Any = None, **opts: Any) -> Any:
        """Translate and dub a video. ``timbre``: the dubbing voice (an ID or a catalog row)."""
        fields = {"originalLang": _lang(original_lang, "original_lang"),
                  "destLang": _lang(dest_lang, "dest_lang"), "name": name,
                  "timbre": None if timbre is None else voice_id(timbre), "modelType": model_type}
        return self._create("video.translate", {"videoUrl": video}, fields, opts)

    def erase(self, video: Any, *, regions: Any = None, mode: Any = None, erase_type: Any = None,
              name: str | None = None, **opts: Any) -> Any:
        """Erase subtitles and/or watermarks: automatically, or inside drawn ``regions``.

        >>> client.video.erase("clip.mp4", regions=[Region.from_xywh(500, 20, 120, 40, "logo")])
        """
        from ..regions import EraseMode, EraseType

        fields: dict[str, Any] = {"name": name}
        if regions is not None:
            fields["regions"] = regions
        fields["eraseMode"] = _enum(EraseMode, mode, "mode")
        fields["eraseType"] = _enum(EraseType, erase_type, "erase_type")
        return self._create("video.erase", {"videoUrl": video}, fields, opts)

    def subtitles(self, video: Any, original_lang: str, dest_lang: str, *, burn: bool = True,
                  name: str | None = None, **opts: Any) -> Any:
        """Extract and translate subtitles; ``burn`` them into the video (the default)."""
        fields = {"originalLang": _lang(original_lang, "original_lang"),
                  "destLang": _lang(dest_lang, "dest_lang"), "burnSubtitle": bool(burn),
                  "name": name}
        return self._create("video.subtitles", {"videoUrl": video}, fields, opts)

    def lipsync(self, video: Any, audio: Any, *, name: str | None = None, **opts: Any) -> Any:
        """Re-time the lips of ``video`` to ``audio`` (a path, URL or ``Speech``)."""
        return self._create("video.lipsync", {"videoUrl": video, "audioUrl": audio},
                            {"name": name}, opts)

    def faceswap(self, video: Any, image: Any, *, name: str | None = None, **opts: Any) -> Any:
        """Put the face of ``image`` (a path or URL) into ``video``."""
        return self._create("video.faceswap", {"videoUrl": video, "imageUrl": image},
                            {"name": name}, opts)

    def _create(self, name: str, media: dict[str, Any], fields: dict[str, Any],
                opts: dict[str, Any]) -> Any:
        plan = video_plan(self._client, name, media, fields, opts)
        return self._client._run(plan)


def _enum(cls: Any, value: Any, where: str) -> int | None:
    """An enum member's value from a member, its value, or its name (case-insensitive)."""
    if value is None:
        return None
    try:
        if isinstance(value, str):
            return int(cls[value.strip().upper()])
        return int(cls(value))
    except (KeyError, ValueError):
        names = ", ".join(m.name.lower() for m in cls)
        raise ValidationError(f"{where} must be one of {names}, got {value!r}",
                              where=where) from None


def _lang(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{where} must be a language code such as 'en' or 'zh'",
                              where=where)
    return value.strip()


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def video_plan(client: BaseClient, name: str, media: dict[str, Any], fields: dict[str, Any],
               opts: dict[str, Any]) -> Plan[VideoTask]:
    """Probe local media, validate everything, then upload and create the task."""
    from ..spec import operation
    from .upload import UploadedFile, upload_plan

    op = operation(name)
    sources = {k: (v.path if _is_speech(v) else v) for k, v in media.items()}
    for field_name, source in sources.items():
        if not isinstance(source, UploadedFile | str | Path):
            raise ValidationError(f"{field_name}: give a local path or an http(s) URL, not "
                                  f"{type(source).__name__}", where=field_name)
    video = sources["videoUrl"]
    info = video.media if isinstance(video, UploadedFile) else None
    if isinstance(video, str | Path) and not _is_url(video):
        from ..media import probe

        info = yield Call(lambda: probe(video))
    body = dict(fields)
    if info is not None:
        body.update({k: v for k, v in info.as_request_fields().items()
                     if k in op.fields and body.get(k) is None})
    if name == "video.erase":
        body = _erase_body(body, info)
    for field_name, source in sources.items():  # uploads last: nothing is sent for bad input
        if isinstance(source, UploadedFile) or _is_url(source):
            body[field_name] = str(source)
        else:
            uploaded = yield from upload_plan(client, source)
            body[field_name] = uploaded.url
    task = yield from client._handle(client._call_plan(name, body, **opts), VideoTask)
    assert isinstance(task, VideoTask)
    return task


def _is_speech(value: Any) -> bool:
    from .speech import Speech

    return isinstance(value, Speech)


def _erase_body(body: dict[str, Any], info: Any) -> dict[str, Any]:
    from ..regions import erase_fields

    regions = body.pop("regions", None)
    if regions is None:
        if body.get("eraseMode") is None:
            body["eraseMode"] = 1  # automatic
        return body
    frame = (info.width, info.height) if info is not None and info.width else None
    mode = body.get("eraseMode")
    fields = erase_fields(regions, mode=2 if mode is None else mode,
                          erase_type=body.get("eraseType"), frame=frame)
    return {**body, **fields}


class Tasks(Resource):
    """Video task queries."""

    def get(self, task_id: str | int, **opts: Any) -> Any:
        """The current state of a video task (``task query``)."""
        return self._do("tasks.query", {"taskId": task_id_text(task_id)}, opts)

    def handle(self, task_id: str | int) -> VideoTask:
        """A handle on an existing video task (to ``wait()`` on it)."""
        return VideoTask(self._client, task_id)
