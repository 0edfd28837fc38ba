"""Where to erase: contract areas as pixel boxes, and the ffmpeg filter graph that erases them."""

from __future__ import annotations

from ...errors import ValidationError
from ...media import MediaInfo

Box = tuple[int, int, int, int]  # x, y, w, h in pixels


def automatic_areas(info: MediaInfo, erase_type: int | None) -> list[dict]:
    """Where subtitles and watermarks usually are: the bottom 15% band (type 2) and a corner
    box at the top right (type 1)."""
    w, h = info.width or 0, info.height or 0
    band = [[0, round(h * 0.85)], [w - 1, round(h * 0.85)], [w - 1, h - 1], [0, h - 1]]
    x0, x1, y0, y1 = round(w * 0.68), round(w * 0.98), round(h * 0.02), round(h * 0.18)
    corner = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
    if erase_type not in (None, 1, 2, 3):
        raise ValidationError(f"eraseType must be 1, 2 or 3, got {erase_type!r}",
                              where="eraseType")
    chosen = []
    if erase_type in (None, 1, 3):
        chosen.append({"area": band, "type": 2})
    if erase_type in (None, 2, 3):
        chosen.append({"area": corner, "type": 1})
    return chosen


def pixel_boxes(areas: list[dict], info: MediaInfo) -> list[tuple[Box, int]]:
    """Contract areas as even-aligned pixel boxes (x0..x1 inclusive) with their type."""
    width, height = info.width or 0, info.height or 0
    boxes = []
    for i, item in enumerate(areas):
        where = f"areas[{i}]"
        try:
            points = [(int(x), int(y)) for x, y in item["area"]]
            kind = int(item.get("type", 2))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError('each area must be {"area": [[x, y] x 4], "type": 1|2}',
                                  where=where) from exc
        xs, ys = [x for x, _ in points], [y for _, y in points]
        if len(points) != 4 or kind not in (1, 2):
            raise ValidationError("an area needs 4 points and type 1 or 2", where=where)
        if min(xs) < 0 or min(ys) < 0 or max(xs) >= width or max(ys) >= height:
            raise ValidationError(f"points must lie inside the {width}x{height} frame",
                                  where=where)
        x, y = even(min(xs)), even(min(ys))
        right = min(width, even(max(xs) + 1, up=True))
        bottom = min(height, even(max(ys) + 1, up=True))
        if right - x < 2 or bottom - y < 2:
            raise ValidationError("the area is empty (its corners coincide)", where=where)
        boxes.append(((x, y, right - x, bottom - y), kind))
    return boxes


def erase_graph(erased: list[tuple[Box, int]], protected: list[Box], info: MediaInfo) -> str:
    """A filter graph from ``[0:v]`` to ``[out]`` that erases boxes, then puts back the
    protected ones from an untouched copy of the frame."""
    keep = "".join(f"[keep{i}]" for i in range(len(protected)))
    chains = [f"[0:v]split={len(protected) + 1}[v0]{keep}"]
    for step, (box, kind) in enumerate(erased):
        chains.append(_erase_step(box, kind, info, f"v{step}", f"v{step + 1}"))
    step = len(erased)
    for i, (x, y, w, h) in enumerate(protected):
        chains.append(f"[keep{i}]crop={w}:{h}:{x}:{y}[kept{i}];"
                      f"[v{step + i}][kept{i}]overlay={x}:{y}[v{step + i + 1}]")
    chains.append(f"[v{step + len(protected)}]null[out]")
    return ";".join(chains)


def _erase_step(box: Box, kind: int, info: MediaInfo, src: str, dst: str) -> str:
    """``delogo`` for a logo box, else a strong box blur of the cropped box laid back."""
    logo = _delogo_box(box, info) if kind == 1 else None
    if logo:
        return f"[{src}]delogo=x={logo[0]}:y={logo[1]}:w={logo[2]}:h={logo[3]}[{dst}]"
    x, y, w, h = box
    # boxblur wants radii under half the (chroma-subsampled) box size
    luma, chroma = min(12, (min(w, h) - 1) // 2), max(0, min(6, (min(w, h) // 2 - 1) // 2))
    return (f"[{src}]split[{src}base][{src}cut];[{src}cut]crop={w}:{h}:{x}:{y},"
            f"boxblur=lr={luma}:lp=3:cr={chroma}:cp=3[{src}blur];"
            f"[{src}base][{src}blur]overlay={x}:{y}[{dst}]")


def _delogo_box(box: Box, info: MediaInfo) -> Box | None:
    """``delogo`` interpolates from a 1-pixel border, so the box must stay off the frame
    edges; None when too little is left (the caller blurs instead)."""
    x, y, w, h = box
    left, top = max(x, 1), max(y, 1)
    right, bottom = min(x + w, (info.width or 0) - 1), min(y + h, (info.height or 0) - 1)
    if right - left < 4 or bottom - top < 4:
        return None
    return left, top, right - left, bottom - top


def even(value: float, *, up: bool = False) -> int:
    number = int(value)
    return number + number % 2 if up else number - number % 2
