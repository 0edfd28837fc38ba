"""Erasure regions: pixel conventions, validation, and the erase request fields."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qavix_lab.errors import QavixError, ValidationError
from qavix_lab.regions import (
    EraseMode,
    EraseType,
    Region,
    RegionType,
    erase_fields,
    infer_erase_type,
)

FRAME = (1280, 720)
SUB = Region.from_xywh(0, 620, 1280, 80, type=RegionType.SUBTITLE)
LOGO = Region.from_xywh(1100, 20, 160, 60, type=RegionType.LOGO)


@st.composite
def regions_in_frame(draw, width=FRAME[0], height=FRAME[1]):
    x0 = draw(st.integers(0, width - 2))
    y0 = draw(st.integers(0, height - 2))
    x1 = draw(st.integers(x0 + 1, width - 1))
    y1 = draw(st.integers(y0 + 1, height - 1))
    return Region(x0, y0, x1, y1, draw(st.sampled_from(RegionType)))


def test_codes_match_the_contract():
    assert [int(t) for t in (RegionType.LOGO, RegionType.SUBTITLE)] == [1, 2]
    assert [int(m) for m in EraseMode] == [-2, 1, 2, 3]
    assert [m.name for m in EraseMode] == ["NONE", "AUTO", "MANUAL", "PROTECT"]
    assert [int(t) for t in (EraseType.SUBTITLES, EraseType.WATERMARK, EraseType.BOTH)] == [1, 2, 3]


def test_points_are_clockwise_from_top_left_with_inclusive_corners():
    region = Region.from_xywh(100, 600, 1080, 80, type=RegionType.SUBTITLE)
    assert region.points == [[100, 600], [1179, 600], [1179, 679], [100, 679]]
    assert region.to_area() == {"area": region.points, "type": 2}


def test_a_full_frame_region_keeps_every_point_inside_the_frame():
    points = Region.from_xywh(0, 0, 1280, 720, frame=FRAME).points
    assert all(0 <= x < 1280 and 0 <= y < 720 for x, y in points)
    assert points[2] == [1279, 719]


@given(regions_in_frame())
def test_points_and_xywh_round_trip(region):
    assert Region.from_points(region.points, type=region.type) == region
    assert Region.from_xywh(*region.xywh, type=region.type, frame=FRAME) == region
    assert Region.from_box(region.box) == region


@pytest.mark.parametrize(
    "points",
    [
        [[10, 40], [50, 40], [50, 20], [10, 20]],  # counter-clockwise (starts bottom-left)
        [[10, 20], [10, 40], [50, 40], [50, 20]],  # counter-clockwise from the top-left
        [[50, 20], [50, 40], [10, 40], [10, 20]],  # clockwise but from the top-right
        [[10, 20], [50, 25], [50, 40], [10, 40]],  # not axis-aligned
        [[10, 20], [50, 20], [50, 40]],  # three points
        [[10, 20, 1], [50, 20, 1], [50, 40, 1], [10, 40, 1]],
        "10,20,50,40",
        None,
    ],
)
def test_from_points_rejects_anything_but_a_clockwise_rectangle(points):
    with pytest.raises(ValidationError) as info:
        Region.from_points(points)
    assert info.value.where == "area"


@pytest.mark.parametrize("bad", [1.5, "3", True, None])
def test_coordinates_must_be_integers(bad):
    with pytest.raises(ValidationError, match="integers"):
        Region(bad, 0, 10, 10)


def test_integral_numpy_values_are_accepted_as_plain_ints():
    import numpy as np

    region = Region.from_points(np.array([[10, 20], [50, 20], [50, 40], [10, 40]]))
    assert all(type(v) is int for point in region.points for v in point)
    json.dumps(region.to_area())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, 0, 10, 10), "left of or above"),
        ((0, -5, 10, 10), "left of or above"),
        ((10, 0, 10, 10), "not a rectangle"),
        ((10, 0, 5, 10), "not a rectangle"),
        ((0, 10, 10, 10), "not a rectangle"),
    ],
)
def test_degenerate_or_negative_rectangles_are_rejected(args, message):
    with pytest.raises(ValidationError, match=message):
        Region(*args)


def test_from_xywh_needs_at_least_two_pixels_each_way():
    with pytest.raises(ValidationError, match="at least 2x2"):
        Region.from_xywh(5, 5, 1, 40)


def test_types_and_modes_are_given_as_members_values_or_names():
    assert Region(0, 0, 10, 10, type=1).type is RegionType.LOGO
    assert Region.from_xywh(500, 20, 120, 40, "logo").type is RegionType.LOGO
    assert Region.from_points(SUB.points, type=" Subtitle ").type is RegionType.SUBTITLE
    fields = erase_fields([SUB], mode="manual", erase_type="both")
    assert (fields["eraseMode"], fields["eraseType"]) == (2, 3)


@pytest.mark.parametrize("bad", [3, "watermark", True, None, 1.5])
def test_unknown_region_type_lists_the_valid_ones(bad):
    with pytest.raises(ValidationError, match="LOGO=1, SUBTITLE=2") as info:
        Region(0, 0, 10, 10, type=bad)
    assert info.value.where == "Region.type"


def test_validate_names_the_frame_and_the_region():
    region = Region.from_xywh(1200, 650, 100, 100)
    with pytest.raises(ValidationError) as info:
        region.validate(1280, 720)
    assert "1280x720" in str(info.value)
    assert info.value.where == "Region(1200, 650, 100, 100)"
    assert isinstance(info.value, QavixError) and isinstance(info.value, ValueError)
    assert Region.from_xywh(0, 0, 10, 10).validate(1280, 720) == Region(0, 0, 9, 9)


def test_clamp_cuts_the_part_outside_the_frame():
    clamped = Region.from_xywh(1200, 650, 100, 100, type=RegionType.LOGO).clamp(1280, 720)
    assert clamped == Region(1200, 650, 1279, 719, RegionType.LOGO)
    assert clamped.validate(1280, 720) is clamped
    with pytest.raises(ValidationError, match="outside"):
        Region.from_xywh(1279, 10, 20, 20).clamp(1280, 720)


@given(regions_in_frame(width=4000, height=3000), st.integers(2, 4000), st.integers(2, 3000))
def test_clamp_always_lands_inside_the_frame(region, width, height):
    try:
        clamped = region.clamp(width, height)
    except ValidationError:
        assert region.x0 >= width - 1 or region.y0 >= height - 1
        return
    clamped.validate(width, height)
    assert (clamped.x0, clamped.y0) == (region.x0, region.y0)
    assert clamped.x1 <= region.x1 and clamped.y1 <= region.y1


def test_normalised_coordinates_cover_the_named_part_of_the_frame():
    bottom_band = Region.from_normalized(0.0, 0.85, 1.0, 0.15, frame=FRAME)
    assert bottom_band == Region(0, 612, 1279, 719, RegionType.SUBTITLE)
    full = Region.from_normalized(0, 0, 1, 1, frame=FRAME, type=RegionType.LOGO)
    assert full == Region(0, 0, 1279, 719, RegionType.LOGO)


@given(
    st.floats(0, 0.9), st.floats(0, 0.9), st.floats(0.02, 0.1), st.floats(0.02, 0.1),
    st.integers(100, 4000), st.integers(100, 3000),
)
def test_normalised_regions_round_outwards_by_less_than_a_pixel(x, y, w, h, width, height):
    region = Region.from_normalized(x, y, w, h, frame=(width, height))
    assert region.x0 <= x * width + 1e-6 and region.x1 + 1 >= (x + w) * width - 1e-6
    assert region.y0 <= y * height + 1e-6 and region.y1 + 1 >= (y + h) * height - 1e-6
    assert region.x0 > x * width - 1 and region.x1 < (x + w) * width
    region.validate(width, height)


@pytest.mark.parametrize(
    "args", [(-0.1, 0, 0.5, 0.5), (0, 0, 1.2, 0.5), (0.6, 0, 0.5, 0.5), (0, 0.9, 0.5, 0.2)]
)
def test_normalised_coordinates_must_stay_within_zero_and_one(args):
    with pytest.raises(ValidationError):
        Region.from_normalized(*args, frame=FRAME)


@pytest.mark.parametrize("frame", [(1280,), (0, 720), (1280.0, 720), "1280x720"])
def test_a_bad_frame_size_is_a_validation_error(frame):
    with pytest.raises(ValidationError) as info:
        Region.from_normalized(0, 0, 0.5, 0.5, frame=frame)
    assert info.value.where == "frame"


def test_from_box_names_the_bad_box():
    with pytest.raises(ValidationError) as info:
        Region.from_box({"x0": 1, "y0": 2, "x1": 30}, where="boxes[3]")
    assert info.value.where == "boxes[3]"


@pytest.mark.parametrize(
    ("regions", "expected"),
    [([SUB], EraseType.SUBTITLES), ([LOGO], EraseType.WATERMARK), ([SUB, LOGO], EraseType.BOTH),
     ([], None)],
)
def test_erase_type_follows_the_region_types(regions, expected):
    assert infer_erase_type(regions) is expected


def test_erase_fields_for_manual_boxes():
    fields = erase_fields([SUB, LOGO], frame=FRAME)
    assert fields == {
        "areas": [SUB.to_area(), LOGO.to_area()],
        "eraseMode": 2,
        "eraseType": 3,
    }
    assert json.loads(json.dumps(fields)) == fields
    assert all(type(v) is int for v in (fields["eraseMode"], fields["eraseType"]))


def test_erase_fields_accepts_areas_in_the_contract_form():
    fields = erase_fields([LOGO.to_area(), {"area": SUB.points}])
    assert fields["areas"] == [LOGO.to_area(), SUB.to_area()]
    assert fields["eraseType"] == EraseType.BOTH


def test_an_explicit_erase_type_must_cover_the_boxes():
    assert erase_fields([SUB], erase_type=EraseType.BOTH)["eraseType"] == 3
    assert erase_fields([SUB], erase_type=1)["eraseType"] == 1
    with pytest.raises(ValidationError, match="need SUBTITLES") as info:
        erase_fields([SUB], erase_type=EraseType.WATERMARK)
    assert info.value.where == "eraseType"


def test_manual_mode_needs_regions():
    with pytest.raises(ValidationError, match="at least one region"):
        erase_fields([], mode=EraseMode.MANUAL)


@pytest.mark.parametrize("mode", [EraseMode.AUTO, EraseMode.NONE])
def test_modes_that_ignore_regions_refuse_them(mode):
    with pytest.raises(ValidationError, match="ignores regions"):
        erase_fields([SUB], mode=mode)


def test_automatic_and_protect_modes():
    assert erase_fields(mode=EraseMode.AUTO) == {"eraseMode": 1}
    assert erase_fields(mode=1, erase_type=EraseType.SUBTITLES) == {"eraseMode": 1, "eraseType": 1}
    # Protected boxes are what to keep: their type says nothing about what to erase.
    protect = erase_fields([LOGO], mode=EraseMode.PROTECT, erase_type=EraseType.SUBTITLES)
    assert protect == {"areas": [LOGO.to_area()], "eraseMode": 3, "eraseType": 1}
    assert "eraseType" not in erase_fields([LOGO], mode=EraseMode.PROTECT)


def test_erase_fields_checks_regions_against_the_frame():
    with pytest.raises(ValidationError, match="outside the 640x360 frame"):
        erase_fields([SUB], frame=(640, 360))


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"regions": [SUB, (0, 0, 10, 10)]}, "regions[1]"),
        ({"regions": [SUB], "mode": 7}, "eraseMode"),
        ({"regions": [SUB], "erase_type": 0}, "eraseType"),
    ],
)
def test_bad_erase_arguments_say_where(kwargs, where):
    with pytest.raises(ValidationError) as info:
        erase_fields(**kwargs)
    assert info.value.where == where


# --- finding subtitles in frames, and drawing regions on a frame -------------------------------

def text_frame(lines: dict[int, str], size=(640, 360), seed=0):
    """A frame with a textured background (vertical stripes, noise) and text at given rows."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    rng = np.random.default_rng(seed)
    width, height = size
    base = np.tile(np.linspace(60, 200, width, dtype=np.float32), (height, 1))
    base[:, ::40] += 50  # a grid of thin lines crosses every row: not text
    base += rng.normal(0, 4, base.shape)
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8)).convert("RGB")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(20)
    for top, text in lines.items():
        draw.text((120, top), text, fill=(255, 255, 255), font=font, stroke_width=2,
                  stroke_fill=(0, 0, 0))
    return np.asarray(image)


def test_the_text_band_covers_the_subtitle_rows_and_their_columns():
    from qavix_lab.regions import find_text_band

    frames = [text_frame({300: "A subtitle line we erase"}, seed=1),
              text_frame({300: "Another, longer subtitle line to erase"}, seed=2),
              text_frame({}, seed=3)]
    band = find_text_band(frames)
    assert band is not None and band.type is RegionType.SUBTITLE
    # The text is 20 px glyphs drawn from y=300: its rows are inside, rows far away are not.
    assert band.y0 <= 303 and band.y1 >= 318
    assert band.y0 >= 285 and band.y1 <= 335
    # Columns: from the text's start to the end of the longer line, not the whole frame.
    assert 100 <= band.x0 <= 122
    assert band.x1 < 639 and band.x1 - band.x0 > 300


def test_text_in_the_top_half_is_found_only_when_asked():
    from qavix_lab.regions import find_text_band

    frames = [text_frame({20: "A CHANNEL LOGO TEXT"}, seed=4)]
    assert find_text_band(frames) is None
    top = find_text_band(frames, search=(0.0, 0.5))
    assert top is not None and top.y0 <= 23 and top.y1 >= 36


def test_a_frame_without_text_has_no_band():
    from qavix_lab.regions import find_text_band

    assert find_text_band([text_frame({}, seed=s) for s in range(3)]) is None


def test_frames_of_different_sizes_or_none_are_refused():
    from qavix_lab.regions import find_text_band

    with pytest.raises(ValidationError, match="no frames"):
        find_text_band([])
    with pytest.raises(ValidationError, match="one size"):
        find_text_band([text_frame({}, size=(64, 48)), text_frame({}, size=(48, 64))])


def test_drawn_regions_are_outlined_in_their_colour_and_scaled():
    import numpy as np

    from qavix_lab.regions import draw_regions

    frame = np.zeros((720, 1280, 3), dtype=np.uint8)
    picture = draw_regions(frame, [SUB, LOGO], max_width=640)
    assert picture.size == (640, 360)
    pixels = np.asarray(picture)
    # LOGO spans x 1100..1259 in the source: its left edge is at x=550 in the half-size picture.
    assert tuple(pixels[30, 550]) == (255, 145, 0)
    assert tuple(pixels[349, 320]) == (0, 184, 212)  # the subtitle band's bottom edge
    kept = np.asarray(draw_regions(frame, [LOGO], protect=True))
    assert tuple(kept[60, 1100]) == (46, 204, 64)
    assert frame.max() == 0  # the frame itself is untouched
