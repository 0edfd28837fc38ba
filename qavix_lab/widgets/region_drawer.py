"""RegionDrawer: draw erasure boxes over a video frame in a notebook, read them back as Regions.

The view (``region_drawer.js``) only draws, zooms and converts mouse positions to source pixels;
every check, the history (undo/redo), the frames and the subtitle suggestion live here and in
:mod:`qavix_lab.regions`.

Frames: a video is read on demand. When the time slider moves, the view sets ``t``; the kernel
answers with that frame as JPEG in ``frame``, which ipywidgets sends as a binary buffer (never
base64 in the JSON). Each frame is decoded once and kept (:class:`~qavix_lab.media.frames_cache.
FrameCache`), so scrubbing back is free.

What reaches a saved notebook: the cell output is the widget reference, a short text and a small
static picture (JPEG, at most 640 px wide) of the regions on the frame, which nbconvert exports
and which shows without a kernel. The frame and the boxes live in the widget state, which
JupyterLab leaves out of the file unless "Save Jupyter widget state" is on. The widget never holds
a path, URL or key in its state: only the frame, its size and the boxes are synced.
"""

from __future__ import annotations

import base64
import html
import io
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from ..errors import MediaError, QavixError, ValidationError
from ..regions import (
    EraseMode,
    EraseType,
    Region,
    RegionType,
    draw_regions,
    erase_fields,
    find_text_band,
)

if TYPE_CHECKING:
    from PIL import Image

    from ..media.frames_cache import FrameCache

__all__ = ["RegionDrawer", "RegionsPicture"]

_HISTORY = 100  # undo steps kept
_STATIC_WIDTH = 640  # px of the static picture: enough to read, small in a saved notebook


def _image_png(data: bytes) -> tuple[bytes, int, int]:
    """PNG bytes and size of encoded image bytes (PNG passes through untouched)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "PNG":
                return data, image.width, image.height
            out = io.BytesIO()
            image.convert("RGB").save(out, format="PNG")
            return out.getvalue(), image.width, image.height
    except (UnidentifiedImageError, OSError) as exc:
        raise MediaError(
            f"{len(data)} bytes that are not an image PIL can read ({exc})",
            where="RegionDrawer source",
        ) from exc


def _decoded(data: bytes) -> Image.Image:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


@dataclass(frozen=True)
class RegionsPicture:
    """Regions drawn on a frame, as a picture that survives export (HTML with a JPEG).

    ``image`` is the PIL image; in a notebook it shows itself with a caption listing the boxes.
    """

    image: Image.Image
    regions: tuple[Region, ...]
    size: tuple[int, int]
    t: float | None = None
    protect: bool = False

    def caption(self) -> str:
        where = f"the {self.size[0]}x{self.size[1]} frame" + (
            f" at {self.t:.2f} s" if self.t is not None else "")
        count = len(self.regions)
        kind = "protected region" if self.protect else "region"
        head = f"{count} {kind}{'' if count == 1 else 's'} on {where}"
        items = [f"#{n} {'keep' if self.protect else r.type.name.lower()} x, y, w, h = "
                 f"{', '.join(map(str, r.xywh))}" for n, r in enumerate(self.regions, 1)]
        return "; ".join([head, *items])

    def jpeg(self, quality: int = 80) -> bytes:
        out = io.BytesIO()
        self.image.save(out, format="JPEG", quality=quality)
        return out.getvalue()

    def _repr_html_(self) -> str:
        source = base64.b64encode(self.jpeg()).decode("ascii")
        caption = html.escape(self.caption())
        return (f'<figure data-qavix-static="RegionDrawer" style="margin:0">'
                f'<img src="data:image/jpeg;base64,{source}" width="{self.image.width}" '
                f'height="{self.image.height}" alt="{caption}" style="max-width:100%;height:auto">'
                f'<figcaption style="font-size:12px">{caption}</figcaption></figure>')

    def __repr__(self) -> str:
        return f"RegionsPicture({self.caption()})"


class _Source:
    """Where the frames come from: one still image, or a video read on demand."""

    def __init__(self, source: Any, t: float) -> None:
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self.frames: FrameCache | None = None
        self.still: bytes | None = None
        if isinstance(source, bytes | bytearray | memoryview):
            self.still, self.width, self.height = _image_png(bytes(source))
        elif hasattr(source, "png") and hasattr(source, "width"):  # a qavix_lab.media.Frame
            self.still, self.width, self.height = source.png, source.width, source.height
        else:
            self._open(self._local(source), t)

    def _local(self, source: Any) -> Path:
        if isinstance(source, str) and source.startswith(("http://", "https://")):
            from ..client.download import download

            # A copy to scrub, removed with the widget; the URL (maybe signed) is not kept.
            self._folder = tempfile.TemporaryDirectory(prefix="qavix-frames-")
            return download(source, self._folder.name)
        return Path(source)

    def _open(self, path: Path, t: float) -> None:
        from .. import media
        from ..media.frames_cache import FrameCache

        info = media.probe(path)
        if info.duration > 0 and info.has_video:
            self.frames = FrameCache(path)
            self.frames.index(t)  # a time beyond the end is an error now, not in the view
            self.width, self.height = self.frames.width, self.frames.height
        else:
            still = media.frame(path, t)
            self.still, self.width, self.height = still.png, still.width, still.height

    def image(self, t: float) -> bytes:
        return self.still if self.still is not None else self._video().jpeg(t)

    def samples(self, count: int) -> list[Any]:
        """``count`` frames spread over the video (the still, for an image) as RGB arrays."""
        import numpy as np

        if self.still is not None:
            return [np.asarray(_decoded(self.still))]
        video = self._video()
        times = [(i + 0.5) * video.duration / count for i in range(count)]
        return [np.asarray(_decoded(video.jpeg(t))) for t in times]

    def _video(self) -> FrameCache:
        assert self.frames is not None
        return self.frames


class RegionDrawer(anywidget.AnyWidget):
    """Draw, move, resize, tag and delete boxes on a video's frames; ``.regions`` are in video
    pixels.

    Mouse: drag on the frame draws, drag inside a box moves it, corner handles resize; the wheel
    zooms (once the widget has focus; Ctrl+wheel always), Alt+drag or a middle-button drag pans.
    Keys (click the widget first): Delete/Backspace delete, ``l``/``s`` tag logo/subtitle,
    Escape deselects, arrows nudge by 1 px (Shift: 10 px), Ctrl+Z / Ctrl+Shift+Z undo / redo,
    ``0`` fits the frame. The slider scrubs the video; "Suggest" proposes a subtitle band.

    Example (in a notebook)::

        drawer = RegionDrawer("clip.mp4", t=2.0); drawer        # then draw on the frame
        client.video.erase("clip.mp4", **drawer.erase_kwargs())
    """

    _esm = Path(__file__).with_name("region_drawer.js")
    _css = Path(__file__).with_name("region_drawer.css")

    frame = traitlets.Bytes(
        b"", help="the shown frame, PNG (images) or JPEG (video), sent as a binary buffer"
    ).tag(sync=True)
    width = traitlets.Int(0, help="the frame's width in source pixels").tag(sync=True)
    height = traitlets.Int(0, help="the frame's height in source pixels").tag(sync=True)
    t = traitlets.Float(0.0, help="the time of the shown frame, in seconds").tag(sync=True)
    duration = traitlets.Float(0.0, help="the video's duration in s (0 for an image)").tag(
        sync=True)
    fps = traitlets.Float(0.0, help="the video's frames per second (0 for an image)").tag(
        sync=True)
    boxes = traitlets.List(
        traitlets.Dict(), help="boxes {x0, y0, x1, y1, type} in source pixels, corners inclusive"
    ).tag(sync=True)
    selected = traitlets.Int(-1, help="index of the selected box, -1 for none").tag(sync=True)
    draw_type = traitlets.Int(
        int(RegionType.SUBTITLE), help="the RegionType given to newly drawn boxes"
    ).tag(sync=True)
    mode = traitlets.Int(
        int(EraseMode.MANUAL), help="eraseMode: 2 erases the boxes, 3 protects them"
    ).tag(sync=True)
    can_undo = traitlets.Bool(False, help="whether undo() would change the boxes").tag(sync=True)
    can_redo = traitlets.Bool(False, help="whether redo() would change the boxes").tag(sync=True)
    status = traitlets.Unicode("", help="a short note for the user (suggestions, errors)").tag(
        sync=True)

    def __init__(
        self, source: Any, t: float = 0.0, *, regions: Iterable[Region] = (), **kwargs: Any
    ) -> None:
        """``source``: a video or image path or http(s) URL, image bytes, or a ``media.Frame``;
        ``t`` in seconds picks the first video frame shown."""
        self._source = _Source(source, t)
        self._undo: list[list[dict[str, int]]] = []
        self._redo: list[list[dict[str, int]]] = []
        self._replaying = False
        frames = self._source.frames
        timing = {"duration": frames.duration, "fps": frames.fps,
                  "t": frames.snap(t)} if frames is not None else {}
        super().__init__(frame=self._source.image(t), width=self._source.width,
                         height=self._source.height, **timing, **kwargs)
        self.regions = list(regions)
        self._undo.clear()
        self._sync_history()
        self.on_msg(self._on_view_message)

    @classmethod
    def from_frame(cls, frame: Any, *, regions: Iterable[Region] = ()) -> RegionDrawer:
        """A drawer on a frame already read with ``qavix_lab.media.frame(video, t)``."""
        return cls(frame, regions=regions)

    @traitlets.validate("boxes")
    def _check_boxes(self, proposal: dict[str, Any]) -> list[dict[str, int]]:
        return [
            Region.from_box(box, where=f"RegionDrawer.boxes[{i}]").validate(self.width, self.height)
            .box
            for i, box in enumerate(proposal["value"])
        ]

    @traitlets.validate("selected")
    def _check_selected(self, proposal: dict[str, Any]) -> int:
        return proposal["value"] if 0 <= proposal["value"] < len(self.boxes) else -1

    @traitlets.validate("draw_type")
    def _check_draw_type(self, proposal: dict[str, Any]) -> int:
        try:
            return int(RegionType(proposal["value"]))
        except ValueError:
            raise ValidationError(
                f"draw_type is 1 (logo) or 2 (subtitle), got {proposal['value']!r}",
                where="RegionDrawer.draw_type",
            ) from None

    @traitlets.validate("mode")
    def _check_mode(self, proposal: dict[str, Any]) -> int:
        if proposal["value"] not in (EraseMode.MANUAL, EraseMode.PROTECT):
            raise ValidationError(
                f"mode is 2 (erase the boxes) or 3 (protect them), got {proposal['value']!r}",
                where="RegionDrawer.mode",
            )
        return int(proposal["value"])

    @traitlets.validate("t")
    def _check_t(self, proposal: dict[str, Any]) -> float:
        frames = self._source.frames
        if frames is None:
            return 0.0
        return frames.snap(min(max(proposal["value"], 0.0), frames.duration))

    @traitlets.observe("t")
    def _show_time(self, change: dict[str, Any]) -> None:
        try:
            self.frame = self._source.image(change["new"])
        except QavixError as exc:  # from the view: say it there rather than in the kernel log
            self.status = str(exc)

    @traitlets.observe("boxes")
    def _remember(self, change: dict[str, Any]) -> None:
        if self._replaying:
            return
        self._undo.append(change["old"])
        del self._undo[:-_HISTORY]
        self._redo.clear()
        self._sync_history()

    def _sync_history(self) -> None:
        self.can_undo, self.can_redo = bool(self._undo), bool(self._redo)

    def _replay(self, taken: list[list[dict[str, int]]], kept: list[list[dict[str, int]]]) -> bool:
        if not taken:
            return False
        kept.append(self.boxes)
        self._replaying = True
        try:
            with self.hold_sync():
                self.boxes = taken.pop()
                self.selected = self.selected  # still valid, or -1
                self._sync_history()
        finally:
            self._replaying = False
        return True

    def undo(self) -> bool:
        """Take back the last change of the boxes; False when there is none."""
        return self._replay(self._undo, self._redo)

    def redo(self) -> bool:
        """Put back the last change undone; False when there is none."""
        return self._replay(self._redo, self._undo)

    def suggest(self, frames: int = 8) -> Region | None:
        """Look for burned-in text in ``frames`` frames spread over the video and add the band
        found as a selected subtitle box (undo takes it back). Returns it, or None.

        The detector is :func:`qavix_lab.regions.find_text_band`."""
        band = find_text_band(self._source.samples(frames))
        looked = "the frame" if self._source.still is not None else f"{frames} frames"
        if band is None:
            self.status = f"no rows of text found in {looked}"
            return None
        with self.hold_sync():
            self.boxes = [*self.boxes, band.box]
            self.selected = len(self.boxes) - 1
            self.status = f"suggested from {looked}: a subtitle band x, y, w, h = " \
                          f"{', '.join(map(str, band.xywh))}"
        return band

    def _on_view_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        actions: dict[Any, Callable[[], object]] = {
            "undo": self.undo, "redo": self.redo, "suggest": self.suggest}
        action = actions.get(content.get("action")) if isinstance(content, dict) else None
        if action is None:
            return
        try:
            action()
        except QavixError as exc:
            self.status = str(exc)

    @property
    def regions(self) -> list[Region]:
        """The boxes as :class:`~qavix_lab.regions.Region` values, in source-video pixels."""
        return [Region.from_box(box) for box in self.boxes]

    @regions.setter
    def regions(self, regions: Iterable[Region]) -> None:
        with self.hold_sync():
            self.selected = -1
            self.boxes = [region.box for region in regions]

    def erase_kwargs(self, erase_type: EraseType | int | str | None = None) -> dict[str, Any]:
        """Keyword arguments for ``client.video.erase``: ``regions``, ``mode``, ``erase_type``.

        In erase mode (the default) ``erase_type`` is inferred from the box types unless given,
        and a drawer without boxes raises ValidationError. In protect mode the boxes are kept
        and the rest is erased automatically (``erase_type`` says what; None lets the service
        choose).
        """
        regions, mode = self.regions, EraseMode(self.mode)
        fields = erase_fields(regions, mode, erase_type, (self.width, self.height))
        found = fields.get("eraseType")
        return {
            "regions": regions,
            "mode": mode,
            "erase_type": None if found is None else EraseType(found),
        }

    def clear(self) -> None:
        """Remove every box."""
        self.regions = []

    def snapshot(self, max_width: int = _STATIC_WIDTH) -> RegionsPicture:
        """The regions drawn on the shown frame, as a picture that survives export."""
        protect = self.mode == EraseMode.PROTECT
        image = draw_regions(_decoded(self.frame), self.regions, protect=protect,
                             max_width=max_width)
        t = self.t if self._source.frames is not None else None
        return RegionsPicture(image, tuple(self.regions), (self.width, self.height), t, protect)

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle
        # Beside the live view: what nbconvert and a kernel-less notebook show instead.
        return {**data, "text/html": self.snapshot()._repr_html_()}, metadata

    def __repr__(self) -> str:
        count = len(self.boxes)
        return f"RegionDrawer({self.width}x{self.height}, {count} box{'' if count == 1 else 'es'})"
