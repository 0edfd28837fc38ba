"""RegionDrawer: draw erasure boxes over a video frame in a notebook, read them back as Regions.

The view (``region_drawer.js``) only draws and converts mouse positions to source pixels; every
check and the erase arguments come from :mod:`qavix_lab.regions`.

What reaches a saved notebook: the cell output is only the widget reference (``model_id``) and a
short text repr. The frame and the boxes live in the widget state, which JupyterLab leaves out of
the file unless "Save Jupyter widget state" is switched on (off by default, and off in this
project). The widget never holds a path, URL or key: the source is read once in Python and only
the PNG, its size and the boxes are synced.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from ..errors import MediaError, ValidationError
from ..regions import EraseMode, EraseType, Region, RegionType, erase_fields

if TYPE_CHECKING:
    from ..media import Frame

__all__ = ["RegionDrawer"]


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


def _url_frame(url: str, t: float) -> Frame:
    """The frame of a downloaded copy; the URL (which may carry a signature) is not kept."""
    import tempfile

    from .. import media
    from ..client.download import download

    with tempfile.TemporaryDirectory(prefix="qavix-frame-") as folder:
        return media.frame(download(url, folder), t)


def _frame_png(source: Any, t: float) -> tuple[bytes, int, int]:
    if isinstance(source, bytes | bytearray | memoryview):
        return _image_png(bytes(source))
    if hasattr(source, "png") and hasattr(source, "width"):  # a qavix_lab.media.Frame
        frame = source
    elif isinstance(source, str) and source.startswith(("http://", "https://")):
        frame = _url_frame(source, t)
    else:
        from .. import media

        frame = media.frame(source, t)
    return frame.png, frame.width, frame.height


class RegionDrawer(anywidget.AnyWidget):
    """Draw, move, resize, tag and delete boxes on one frame; ``.regions`` are in video pixels.

    Mouse: drag on the frame draws, drag inside a box moves it, corner handles resize. Keys (click
    the widget first): Delete/Backspace delete, ``l``/``s`` tag logo/subtitle, Escape deselects,
    arrows nudge by 1 px (Shift: 10 px).

    Example (in a notebook)::

        drawer = RegionDrawer("clip.mp4", t=2.0); drawer        # then draw on the frame
        client.video.erase("clip.mp4", **drawer.erase_kwargs())
    """

    _esm = Path(__file__).with_name("region_drawer.js")
    _css = Path(__file__).with_name("region_drawer.css")

    frame = traitlets.Bytes(b"", help="the frame as PNG, sent as a binary buffer").tag(sync=True)
    width = traitlets.Int(0, help="the frame's width in source pixels").tag(sync=True)
    height = traitlets.Int(0, help="the frame's height in source pixels").tag(sync=True)
    boxes = traitlets.List(
        traitlets.Dict(), help="boxes {x0, y0, x1, y1, type} in source pixels, corners inclusive"
    ).tag(sync=True)
    selected = traitlets.Int(-1, help="index of the selected box, -1 for none").tag(sync=True)
    draw_type = traitlets.Int(
        int(RegionType.SUBTITLE), help="the RegionType given to newly drawn boxes"
    ).tag(sync=True)

    def __init__(
        self, source: Any, t: float = 0.0, *, regions: Iterable[Region] = (), **kwargs: Any
    ) -> None:
        """``source``: a video or image path or http(s) URL, image bytes, or a ``media.Frame``;
        ``t`` in seconds picks the video frame."""
        png, width, height = _frame_png(source, t)
        super().__init__(frame=png, width=width, height=height, **kwargs)
        self.regions = list(regions)

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

        ``erase_type`` is inferred from the box types unless given; raises ValidationError when
        no box is drawn.
        """
        regions = self.regions
        fields = erase_fields(regions, EraseMode.MANUAL, erase_type, (self.width, self.height))
        return {
            "regions": regions,
            "mode": EraseMode.MANUAL,
            "erase_type": EraseType(fields["eraseType"]),
        }

    def clear(self) -> None:
        """Remove every box."""
        self.regions = []

    def __repr__(self) -> str:
        count = len(self.boxes)
        return f"RegionDrawer({self.width}x{self.height}, {count} box{'' if count == 1 else 'es'})"
