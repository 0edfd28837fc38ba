"""``client.video``: the five video tasks from local paths or URLs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import ValidationError
from ...spec import operation
from ...spec.enums import EraseMode, EraseType, coerce
from ..effects import Plan, blocking
from ..handles import VideoTask
from ..lifecycle import create_task
from ..methods import Mode, plan_method
from ..options import RequestOptions
from ..speech import Speech
from ..upload import UploadedFile, upload_plan
from .base import Resource, VoiceLike, voice_id

if TYPE_CHECKING:
    from ...regions import Region
    from ..clients import BaseClient


MediaSource = str | Path | UploadedFile  # a local path (uploaded for you) or an http(s) URL


class Video(Resource[Mode]):
    """The five video tasks. Each takes a local path (uploaded for you) or a URL, fills the
    media fields (format, size, duration, width, height) from probing where not given, and
    returns a :class:`VideoTask` handle."""

    @plan_method
    def translate(self, video: MediaSource, original_lang: str, dest_lang: str, *,
                  timbre: VoiceLike | None = None, name: str | None = None,
                  model_type: int | None = None, options: RequestOptions | None = None
                  ) -> Plan[VideoTask[Mode]]:
        """Translate and dub a video from ``original_lang`` to ``dest_lang`` (codes such as
        ``"en"``). ``timbre``: the dubbing voice (an ID or a catalog row); ``name``: the task's
        name; ``model_type``: the service's model choice."""
        fields = {"originalLang": _lang(original_lang, "original_lang"),
                  "destLang": _lang(dest_lang, "dest_lang"), "name": name,
                  "timbre": None if timbre is None else voice_id(timbre), "modelType": model_type}
        task: VideoTask[Mode] = yield from video_plan(self._client, "video.translate",
                                                      {"videoUrl": video}, fields, options)
        return task

    @plan_method
    def erase(self, video: MediaSource, *, regions: Sequence[Region | Mapping[str, Any]] | None
              = None, mode: EraseMode | int | str | None = None,
              erase_type: EraseType | int | str | None = None, name: str | None = None,
              options: RequestOptions | None = None) -> Plan[VideoTask[Mode]]:
        """Erase subtitles and/or watermarks: automatically (``mode="auto"``, the default without
        regions), or inside drawn ``regions`` (manual by default; ``mode="protect"`` keeps them).
        ``erase_type``: subtitles, watermark or both (inferred from the regions' types).

        >>> client.video.erase("clip.mp4", regions=[Region.from_xywh(500, 20, 120, 40, "logo")])
        """
        fields: dict[str, Any] = {
            "name": name,
            "eraseMode": None if mode is None else int(coerce(EraseMode, mode, "mode")),
            "eraseType": None if erase_type is None else int(coerce(EraseType, erase_type,
                                                                    "erase_type"))}
        task: VideoTask[Mode] = yield from video_plan(self._client, "video.erase",
                                                      {"videoUrl": video}, fields, options,
                                                      regions)
        return task

    @plan_method
    def subtitles(self, video: MediaSource, original_lang: str, dest_lang: str, *,
                  burn: bool = True, name: str | None = None,
                  options: RequestOptions | None = None) -> Plan[VideoTask[Mode]]:
        """Extract and translate subtitles; ``burn`` them into the video (the default)."""
        fields = {"originalLang": _lang(original_lang, "original_lang"),
                  "destLang": _lang(dest_lang, "dest_lang"), "burnSubtitle": bool(burn),
                  "name": name}
        task: VideoTask[Mode] = yield from video_plan(self._client, "video.subtitles",
                                                      {"videoUrl": video}, fields, options)
        return task

    @plan_method
    def lipsync(self, video: MediaSource, audio: MediaSource | Speech, *, name: str | None = None,
                options: RequestOptions | None = None) -> Plan[VideoTask[Mode]]:
        """Re-time the lips of ``video`` to ``audio`` (a path, URL or ``Speech``)."""
        task: VideoTask[Mode] = yield from video_plan(
            self._client, "video.lipsync", {"videoUrl": video, "audioUrl": audio},
            {"name": name}, options)
        return task

    @plan_method
    def faceswap(self, video: MediaSource, image: MediaSource, *, name: str | None = None,
                 options: RequestOptions | None = None) -> Plan[VideoTask[Mode]]:
        """Put the face of ``image`` (a path or URL) into ``video``."""
        task: VideoTask[Mode] = yield from video_plan(
            self._client, "video.faceswap", {"videoUrl": video, "imageUrl": image},
            {"name": name}, options)
        return task


def _lang(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{where} must be a language code such as 'en' or 'zh'",
                              where=where)
    return value.strip()


def content_name(uploaded: UploadedFile) -> str:
    """An uploaded file as a job's key knows it: each upload of the same bytes gets a new URL,
    but the same name, size and MD5."""
    return f"upload:{uploaded.name}:{uploaded.size}:{uploaded.md5}"


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def video_plan(client: BaseClient[Mode], name: str, media: Mapping[str, object],
               fields: dict[str, Any], options: RequestOptions | None,
               regions: Sequence[Region | Mapping[str, Any]] | None = None
               ) -> Plan[VideoTask[Mode]]:
    """Probe local media, validate everything, then upload and create the task."""
    op = operation(name)
    sources = {k: (v.path if isinstance(v, Speech) else v) for k, v in media.items()}
    for field_name, source in sources.items():
        if not isinstance(source, UploadedFile | str | Path):
            raise ValidationError(f"{field_name}: give a local path or an http(s) URL, not "
                                  f"{type(source).__name__}", where=field_name)
    video = sources["videoUrl"]
    info = video.media if isinstance(video, UploadedFile) else None
    if isinstance(video, str | Path) and not _is_url(video):
        from ...media import probe

        local = video
        info = yield from blocking(lambda stop: probe(local))
    body = dict(fields)
    if info is not None:
        body.update({k: v for k, v in info.as_request_fields().items()
                     if k in op.fields and body.get(k) is None})
    if name == "video.erase":
        body = _erase_body(body, info, regions)
    same_as: dict[str, str] = {}  # uploaded files, named by content for the job's key
    for field_name, source in sources.items():  # uploads last: nothing is sent for bad input
        if _is_url(source):
            body[field_name] = str(source)
            continue
        if isinstance(source, UploadedFile):
            uploaded = source
        else:
            assert isinstance(source, str | Path)
            uploaded = yield from upload_plan(client, source)
        body[field_name] = uploaded.url
        same_as[field_name] = content_name(uploaded)
    task: VideoTask[Mode] = yield from create_task(
        client, name, body, options,
        lambda task_id, at, job: VideoTask(client, task_id, created=at, job=job),
        same_as=same_as)
    return task


def _erase_body(body: dict[str, Any], info: Any,
                regions: Sequence[Region | Mapping[str, Any]] | None) -> dict[str, Any]:
    from ...regions import erase_fields

    if regions is None:
        if body.get("eraseMode") is None:
            body["eraseMode"] = int(EraseMode.AUTO)
        return body
    frame = (info.width, info.height) if info is not None and info.width else None
    mode = body.get("eraseMode")
    fields = erase_fields(regions, mode=EraseMode.MANUAL if mode is None else mode,
                          erase_type=body.get("eraseType"), frame=frame)
    return {**body, **fields}
