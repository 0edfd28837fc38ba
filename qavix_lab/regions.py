"""Erasure regions: rectangles in source-video pixels, and the erase request fields they make.

A :class:`Region` covers pixel columns ``x0..x1`` and rows ``y0..y1``, **both inclusive**, so its
corners are exactly the four points the service expects, each inside the frame
(``0 <= x < width``, ``0 <= y < height``)::

    >>> Region.from_xywh(100, 600, 1080, 80, type=RegionType.SUBTITLE).points
    [[100, 600], [1179, 600], [1179, 679], [100, 679]]

Widgets only draw: every conversion and check lives here, as plain Python.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

from .errors import ValidationError
from .spec.enums import EraseMode, EraseType, RegionType
from .spec.enums import coerce as _enum

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

__all__ = [
    "RegionType", "EraseMode", "EraseType", "Region", "infer_erase_type", "erase_fields",
    "find_text_band", "draw_regions",
]

# Fractions a hair past an integer edge are float noise, not one more pixel.
_EDGE_TOLERANCE = 1e-9


def _pixel(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValidationError(f"pixel coordinates are integers, got {value!r}", where=where)
    return int(value)


def _frame_size(frame: Sequence[int], where: str = "frame") -> tuple[int, int]:
    if not isinstance(frame, Sequence) or len(frame) != 2:
        raise ValidationError(f"frame is (width, height), got {frame!r}", where=where)
    width, height = (_pixel(v, where) for v in frame)
    if width < 2 or height < 2:
        raise ValidationError(f"frame size {width}x{height} is too small", where=where)
    return width, height


def _fraction(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= float(value) <= 1:
        raise ValidationError(f"normalised coordinates are in [0, 1], got {value!r}", where=where)
    return float(value)


@dataclass(frozen=True)
class Region:
    """A rectangle of pixels ``x0..x1`` by ``y0..y1`` (inclusive) and what it holds.

    A region is at least 2 pixels wide and tall, so its four points form a real rectangle.
    Whether it fits a given frame is checked by :meth:`validate` (or fixed by :meth:`clamp`).
    """

    x0: int
    y0: int
    x1: int
    y1: int
    type: RegionType = RegionType.SUBTITLE

    def __post_init__(self) -> None:
        for name in ("x0", "y0", "x1", "y1"):
            object.__setattr__(self, name, _pixel(getattr(self, name), f"Region.{name}"))
        object.__setattr__(self, "type", _enum(RegionType, self.type, "Region.type"))
        if self.x0 < 0 or self.y0 < 0:
            raise ValidationError(
                f"corner ({self.x0}, {self.y0}) is left of or above the frame", where="Region"
            )
        if self.x1 <= self.x0 or self.y1 <= self.y0:
            raise ValidationError(
                f"({self.x0}, {self.y0})-({self.x1}, {self.y1}) is not a rectangle: need "
                "x0 < x1 and y0 < y1 (at least 2 pixels each way)",
                where="Region",
            )

    @classmethod
    def from_xywh(
        cls,
        x: int,
        y: int,
        w: int,
        h: int,
        type: RegionType | int | str = RegionType.SUBTITLE,
        frame: Sequence[int] | None = None,
    ) -> Region:
        """The ``w`` x ``h`` pixels from ``(x, y)``; checked against ``frame=(W, H)`` if given.

        >>> Region.from_xywh(0, 0, 1280, 720, frame=(1280, 720)).points[2]
        [1279, 719]
        """
        w, h = _pixel(w, "w"), _pixel(h, "h")
        if w < 2 or h < 2:
            raise ValidationError(f"a region is at least 2x2 pixels, got {w}x{h}", where="Region")
        kind = _enum(RegionType, type, "Region.type")
        region = cls(x, y, _pixel(x, "x") + w - 1, _pixel(y, "y") + h - 1, kind)
        return region.validate(*frame) if frame is not None else region

    @classmethod
    def from_normalized(
        cls,
        x: float,
        y: float,
        w: float,
        h: float,
        frame: Sequence[int],
        type: RegionType | int | str = RegionType.SUBTITLE,
    ) -> Region:
        """From fractions of the frame (``0..1``), rounded outwards so the area is fully covered.

        >>> Region.from_normalized(0.0, 0.85, 1.0, 0.15, frame=(1280, 720)).points[0]
        [0, 612]
        """
        width, height = _frame_size(frame)
        fx, fy, fw, fh = (_fraction(v, n) for v, n in zip((x, y, w, h), "xywh", strict=True))
        if fx + fw > 1 + _EDGE_TOLERANCE or fy + fh > 1 + _EDGE_TOLERANCE:
            raise ValidationError(
                f"x + w = {fx + fw:g} and y + h = {fy + fh:g} must not exceed 1", where="Region"
            )
        x0 = math.floor(fx * width + _EDGE_TOLERANCE)
        y0 = math.floor(fy * height + _EDGE_TOLERANCE)
        x1 = math.ceil((fx + fw) * width - _EDGE_TOLERANCE) - 1
        y1 = math.ceil((fy + fh) * height - _EDGE_TOLERANCE) - 1
        kind = _enum(RegionType, type, "Region.type")
        return cls(x0, y0, min(x1, width - 1), min(y1, height - 1), kind).validate(width, height)

    @classmethod
    def from_points(
        cls, points: Sequence[Sequence[int]], type: RegionType | int | str = RegionType.SUBTITLE
    ) -> Region:
        """From the service's 4-point form, clockwise from the top-left.

        >>> Region.from_points([[10, 20], [50, 20], [50, 40], [10, 40]]).xywh
        (10, 20, 41, 21)
        """
        try:
            corners = [list(p) for p in points]
        except TypeError:
            corners = []
        if len(corners) != 4 or any(len(p) != 2 for p in corners):
            raise ValidationError(f"an area is 4 [x, y] points, got {points!r}", where="area")
        xs, ys = [_pixel(p[0], "area") for p in corners], [_pixel(p[1], "area") for p in corners]
        left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
        expected = [[left, top], [right, top], [right, bottom], [left, bottom]]
        if corners != expected or left == right or top == bottom:
            raise ValidationError(
                f"{points!r} is not an axis-aligned rectangle listed clockwise from the "
                f"top-left, like {expected!r}",
                where="area",
            )
        return cls(left, top, right, bottom, _enum(RegionType, type, "Region.type"))

    @classmethod
    def from_box(cls, box: Mapping[str, Any], where: str = "box") -> Region:
        """From a mapping with keys ``x0, y0, x1, y1, type`` (the RegionDrawer's ``boxes``)."""
        try:
            return cls(box["x0"], box["y0"], box["x1"], box["y1"], box["type"])
        except (KeyError, TypeError) as exc:
            raise ValidationError(
                f"a box is a mapping with x0, y0, x1, y1 and type, got {box!r}", where=where
            ) from exc

    @property
    def points(self) -> list[list[int]]:
        """The four corners, clockwise from the top-left: ``[[x0, y0], [x1, y0], ...]``."""
        return [[self.x0, self.y0], [self.x1, self.y0], [self.x1, self.y1], [self.x0, self.y1]]

    @property
    def xywh(self) -> tuple[int, int, int, int]:
        """``(x, y, width, height)`` in pixels, the inverse of :meth:`from_xywh`."""
        return self.x0, self.y0, self.x1 - self.x0 + 1, self.y1 - self.y0 + 1

    @property
    def box(self) -> dict[str, int]:
        """A plain dict ``{x0, y0, x1, y1, type}``, the inverse of :meth:`from_box`."""
        return {"x0": self.x0, "y0": self.y0, "x1": self.x1, "y1": self.y1, "type": int(self.type)}

    def to_area(self) -> dict[str, Any]:
        """One entry of the ``areas`` field: ``{"area": points, "type": 1|2}``."""
        return {"area": self.points, "type": int(self.type)}

    def validate(self, width: int, height: int) -> Region:
        """Return ``self`` if it lies inside a ``width`` x ``height`` frame, else raise."""
        width, height = _frame_size((width, height))
        if self.x1 >= width or self.y1 >= height:
            raise ValidationError(
                f"corner ({self.x1}, {self.y1}) is outside the {width}x{height} frame "
                f"(x < {width}, y < {height}); use .clamp({width}, {height}) to cut it",
                where=f"Region{self.xywh}",
            )
        return self

    def clamp(self, width: int, height: int) -> Region:
        """The part of the region inside a ``width`` x ``height`` frame (raises if none is)."""
        width, height = _frame_size((width, height))
        if self.x0 >= width - 1 or self.y0 >= height - 1:
            raise ValidationError(
                f"the region starts at ({self.x0}, {self.y0}), outside the {width}x{height} frame",
                where=f"Region{self.xywh}",
            )
        return replace(self, x1=min(self.x1, width - 1), y1=min(self.y1, height - 1))


def infer_erase_type(regions: Iterable[Region]) -> EraseType | None:
    """``SUBTITLES``, ``WATERMARK`` or ``BOTH`` from the region types; ``None`` without regions."""
    types = {r.type for r in regions}
    if not types:
        return None
    if types == {RegionType.SUBTITLE}:
        return EraseType.SUBTITLES
    return EraseType.WATERMARK if types == {RegionType.LOGO} else EraseType.BOTH


def _as_region(item: Any, where: str) -> Region:
    if isinstance(item, Region):
        return item
    if isinstance(item, Mapping) and "area" in item:
        return Region.from_points(item["area"], item.get("type", RegionType.SUBTITLE))
    raise ValidationError(
        f"expected a Region or an {{'area': points, 'type': 1|2}} dict, got {item!r}", where=where
    )


def _check_regions_fit_mode(mode: EraseMode, regions: list[Region]) -> None:
    if mode is EraseMode.MANUAL and not regions:
        raise ValidationError("manual erasing (eraseMode 2) needs at least one region",
                              where="regions")
    if regions and mode in (EraseMode.NONE, EraseMode.AUTO):
        raise ValidationError(
            f"eraseMode {mode.name} ignores regions; use EraseMode.MANUAL to erase them or "
            "EraseMode.PROTECT to keep them",
            where="regions",
        )


def erase_fields(
    regions: Iterable[Region | Mapping[str, Any]] = (),
    mode: EraseMode | int | str = EraseMode.MANUAL,
    erase_type: EraseType | int | str | None = None,
    frame: Sequence[int] | None = None,
) -> dict[str, Any]:
    """The erase request fields ``areas``, ``eraseMode`` and ``eraseType`` for these regions.

    ``erase_type`` is inferred from the region types when not given; with ``frame=(W, H)`` every
    region is checked to lie inside the frame. Enums may be given as values or names
    (``mode="manual"``).

    >>> erase_fields([Region.from_xywh(0, 620, 1280, 80)], frame=(1280, 720))["eraseType"]
    1
    """
    mode = _enum(EraseMode, mode, "eraseMode")
    found = [_as_region(item, f"regions[{i}]") for i, item in enumerate(regions)]
    if frame is not None:
        width, height = _frame_size(frame)
        for region in found:
            region.validate(width, height)
    _check_regions_fit_mode(mode, found)
    # Protected regions say what to keep, not what to erase: only manual boxes imply a type.
    inferred = infer_erase_type(found) if mode is EraseMode.MANUAL else None
    if erase_type is None:
        erase_type = inferred
    else:
        erase_type = _enum(EraseType, erase_type, "eraseType")
        if inferred is not None and erase_type not in (inferred, EraseType.BOTH):
            raise ValidationError(
                f"eraseType {erase_type.name} does not cover the regions' types "
                f"(they need {inferred.name})",
                where="eraseType",
            )
    fields: dict[str, Any] = {"areas": [r.to_area() for r in found]} if found else {}
    fields["eraseMode"] = int(mode)
    if erase_type is not None:
        fields["eraseType"] = int(erase_type)
    return fields


# A text stroke against its outline or background changes brightness by more than this (0..255).
_STROKE_STEP = 48.0


def _gray_frames(frames: Iterable[Any]) -> list[np.ndarray]:
    import numpy as np

    arrays = [np.asarray(frame, dtype=np.float32) for frame in frames]
    if not arrays:
        raise ValidationError("no frames to look at", where="frames")
    shapes = {a.shape[:2] for a in arrays}
    if len(shapes) != 1 or any(a.ndim not in (2, 3) or min(a.shape[:2]) < 8 for a in arrays):
        raise ValidationError(
            f"frames are images of one size (H x W or H x W x 3), got shapes "
            f"{sorted({a.shape for a in arrays})}",
            where="frames",
        )
    return [a.mean(axis=2) if a.ndim == 3 else a for a in arrays]


def _runs(mask: np.ndarray, bridge: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of the True runs of ``mask``, joining runs split by ``bridge`` rows."""
    runs: list[tuple[int, int]] = []
    index = 0
    while index < len(mask):
        if mask[index]:
            stop = index
            while stop < len(mask) and mask[stop]:
                stop += 1
            if runs and index - runs[-1][1] <= bridge:
                runs[-1] = (runs[-1][0], stop)
            else:
                runs.append((index, stop))
            index = stop
        index += 1
    return runs


def find_text_band(
    frames: Iterable[Any], *, search: tuple[float, float] = (0.5, 1.0)
) -> Region | None:
    """Where burned-in text sits in some video frames: a SUBTITLE region, or None.

    A simple text-row detector: rows crossed by many sharp left-right brightness changes (the
    strokes of letters) stand out from the rows around them. The best such band whose middle is
    within ``search`` (fractions of the height; the bottom half by default) wins, widened to the
    columns where its text is in any frame and padded a little. ``frames`` are RGB or grey arrays
    (``media.frame(video, t).array``) of one size.

    >>> find_text_band([frame(video, t).array for t in (1, 3, 5, 7)])   # doctest: +SKIP
    Region(x0=126, y0=318, x1=513, y1=351, type=<RegionType.SUBTITLE: 2>)
    """
    import numpy as np

    strokes = [np.abs(np.diff(g, axis=1)) > _STROKE_STEP for g in _gray_frames(frames)]
    height, width = strokes[0].shape[0], strokes[0].shape[1] + 1
    # Per row, the share of stroke pixels, above what is usual for the frame (grids, textures).
    rows = np.max([s.mean(axis=1) for s in strokes], axis=0)
    rows = np.convolve(rows, np.ones(3) / 3, mode="same")
    spread = np.median(np.abs(rows - np.median(rows)))
    excess = rows - np.median(rows)
    mask = excess > max(0.04, 6 * spread)
    top, bottom = search[0] * height, search[1] * height
    runs = [(a, b) for a, b in _runs(mask, bridge=max(2, height // 60))
            if b - a >= 4 and top <= (a + b) / 2 <= bottom]
    if not runs:
        return None
    y0, y1 = max(runs, key=lambda run: excess[run[0]:run[1]].sum())
    inside = np.zeros(height, dtype=bool)
    inside[y0:y1] = True
    # Columns with strokes inside the band but not above and below it (so not a grid line).
    columns = np.max([s[inside].mean(axis=0) - s[~inside].mean(axis=0) for s in strokes], axis=0)
    found = np.flatnonzero(columns > 0.15)
    if found.size == 0:
        return None
    pad_y, pad_x = max(2, round(0.3 * (y1 - y0))), max(4, round(0.02 * width))
    return Region(max(0, int(found[0]) - pad_x), max(0, y0 - pad_y),
                  min(width - 1, int(found[-1]) + 1 + pad_x), min(height - 1, y1 - 1 + pad_y),
                  RegionType.SUBTITLE)


# Outline colours of the widget, so a static picture reads like the live view.
_COLORS = {RegionType.LOGO: (255, 145, 0), RegionType.SUBTITLE: (0, 184, 212)}
_PROTECT_COLOR = (46, 204, 64)


def draw_regions(
    frame: Any, regions: Iterable[Region], *, protect: bool = False,
    max_width: int | None = None,
) -> Image.Image:
    """The frame (an RGB array, PIL image or ``media.Frame``) with each region outlined and
    numbered; protected regions (``protect=True``) in green. Scaled down to ``max_width``.

    >>> draw_regions(frame(video, 3.0), drawer.regions, max_width=640)   # doctest: +SKIP
    """
    from PIL import Image, ImageDraw, ImageFont

    picture = getattr(frame, "array", frame)
    image = picture.convert("RGB") if isinstance(picture, Image.Image) else Image.fromarray(picture)
    scale = 1.0
    if max_width is not None and image.width > max_width:
        scale = max_width / image.width
        image = image.resize((max_width, round(image.height * scale)), Image.Resampling.LANCZOS)
    else:
        image = image.copy()
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(11, round(image.width / 48)))
    for number, region in enumerate(regions, 1):
        color = _PROTECT_COLOR if protect else _COLORS[region.type]
        box = [region.x0 * scale, region.y0 * scale,
               (region.x1 + 1) * scale - 1, (region.y1 + 1) * scale - 1]
        draw.rectangle(box, outline=color, width=2)
        label = f"{number} {'keep' if protect else region.type.name.lower()}"
        draw.text((box[0] + 4, box[1] + 3), label, fill=color, font=font, stroke_width=2,
                  stroke_fill=(0, 0, 0))
    return image
