"""``client.video``: the five video tasks from local paths or URLs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import ValidationError
from ..handles import VideoTask
from ..protocol import Call, Plan
from .base import Resource, voice_id

if TYPE_CHECKING:
    from ..clients import BaseClient


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
        from ...regions import EraseMode, EraseType

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
    from ...spec import operation
    from ..upload import UploadedFile, upload_plan

    op = operation(name)
    sources = {k: (v.path if _is_speech(v) else v) for k, v in media.items()}
    for field_name, source in sources.items():
        if not isinstance(source, UploadedFile | str | Path):
            raise ValidationError(f"{field_name}: give a local path or an http(s) URL, not "
                                  f"{type(source).__name__}", where=field_name)
    video = sources["videoUrl"]
    info = video.media if isinstance(video, UploadedFile) else None
    if isinstance(video, str | Path) and not _is_url(video):
        from ...media import probe

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
    from ..speech import Speech

    return isinstance(value, Speech)


def _erase_body(body: dict[str, Any], info: Any) -> dict[str, Any]:
    from ...regions import erase_fields

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
