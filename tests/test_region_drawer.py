"""RegionDrawer without a kernel or browser: sources, synced state, regions and erase arguments."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from qavix_lab.errors import MediaError, ValidationError
from qavix_lab.media.ffmpeg import run_ffmpeg
from qavix_lab.regions import EraseMode, EraseType, Region, RegionType, erase_fields
from qavix_lab.widgets.region_drawer import RegionDrawer

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SYNCED_BY_US = {"frame", "width", "height", "t", "duration", "fps", "boxes", "selected",
                "draw_type", "mode", "can_undo", "can_redo", "status"}


def image_bytes(width: int, height: int, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 160)).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def drawer() -> RegionDrawer:
    return RegionDrawer(image_bytes(320, 180))


def test_png_bytes_are_shown_untouched_with_their_size():
    png = image_bytes(320, 180)
    drawer = RegionDrawer(png)
    assert drawer.frame == png
    assert (drawer.width, drawer.height) == (320, 180)


def test_other_image_formats_become_png():
    drawer = RegionDrawer(image_bytes(64, 48, "JPEG"))
    assert drawer.frame.startswith(PNG_SIGNATURE)
    assert (drawer.width, drawer.height) == (64, 48)


def test_bytes_that_are_no_image_are_a_media_error():
    with pytest.raises(MediaError) as info:
        RegionDrawer(b"this is not an image")
    assert info.value.where == "RegionDrawer source"


def test_a_video_frame_at_a_chosen_time(tmp_path):
    video = tmp_path / "clip.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10:duration=1",
                "-pix_fmt", "yuv420p", str(video)], what="test clip")
    drawer = RegionDrawer(video, t=0.5)
    assert (drawer.width, drawer.height) == (160, 90)
    assert Image.open(io.BytesIO(drawer.frame)).size == (160, 90)
    with pytest.raises(ValidationError, match="beyond the end"):
        RegionDrawer(video, t=30)


def test_an_image_path_and_a_frame_object(tmp_path):
    from qavix_lab import media

    path = tmp_path / "still.png"
    path.write_bytes(image_bytes(200, 100))
    assert (RegionDrawer(path).width, RegionDrawer(path).height) == (200, 100)
    drawer = RegionDrawer.from_frame(media.frame(path))
    assert drawer.frame == media.frame(path).png
    assert repr(drawer) == "RegionDrawer(200x100, 0 boxes)"


@pytest.fixture
def static_server(tmp_path):
    """A plain HTTP server on 127.0.0.1 serving ``tmp_path``."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()


def test_a_signed_url_is_read_once_and_never_kept(tmp_path, static_server):
    (tmp_path / "still.jpg").write_bytes(image_bytes(96, 54, "JPEG"))
    url = f"{static_server}/still.jpg?X-Amz-Signature=s3cr3tsignature&token=qvx-key-123"
    drawer = RegionDrawer(url)
    assert (drawer.width, drawer.height) == (96, 54)
    state = json.dumps({k: v for k, v in drawer.get_state().items() if k != "frame"}, default=str)
    for secret in ("s3cr3tsignature", "qvx-key-123", "127.0.0.1"):
        assert secret not in state


def test_the_frame_travels_as_a_binary_buffer_not_base64(drawer):
    from ipywidgets.widgets.widget import _remove_buffers

    state, paths, buffers = _remove_buffers(drawer.get_state())
    assert paths == [["frame"]]
    assert bytes(buffers[0]) == drawer.frame
    # The rest is the ES module, the CSS and a little JSON.
    code = len(json.dumps(state["_esm"])) + len(json.dumps(state["_css"]))
    assert len(json.dumps(state)) < code + 2_000


def test_nothing_but_frame_size_and_boxes_is_synced(tmp_path):
    # No source path, URL or key is ever kept: only what the view draws.
    path = tmp_path / "secret-folder" / "still.png"
    path.parent.mkdir()
    path.write_bytes(image_bytes(64, 64))
    drawer = RegionDrawer(path)
    from ipywidgets import DOMWidget

    anywidget_keys = {"_esm", "_css", "_anywidget_id"}
    assert set(drawer.keys) - set(DOMWidget().keys) == SYNCED_BY_US | anywidget_keys
    state = {k: v for k, v in drawer.get_state().items() if k != "frame"}
    assert "secret-folder" not in json.dumps(state, default=str)


def test_the_notebook_output_is_a_reference_a_short_text_and_a_static_picture(drawer):
    data, _ = drawer._repr_mimebundle_()
    assert set(data) == {"text/plain", "text/html", "application/vnd.jupyter.widget-view+json"}
    assert data["text/plain"] == "RegionDrawer(320x180, 0 boxes)"
    assert set(data["application/vnd.jupyter.widget-view+json"]) == {
        "version_major", "version_minor", "model_id"}
    assert 'data-qavix-static="RegionDrawer"' in data["text/html"]
    assert "0 regions on the 320x180 frame" in data["text/html"]


def static_image(html: str) -> Image.Image:
    source = re.search(r'src="data:image/jpeg;base64,([^"]+)"', html)
    assert source, html[:200]
    return Image.open(io.BytesIO(base64.b64decode(source[1])))


def test_the_static_view_shows_the_regions_on_a_small_jpeg():
    drawer = RegionDrawer(image_bytes(1280, 720), regions=[
        Region.from_xywh(0, 600, 1280, 100), Region.from_xywh(1000, 20, 200, 60, type="logo")])
    html = drawer._repr_mimebundle_()[0]["text/html"]
    picture = static_image(html)
    assert (picture.format, picture.size) == ("JPEG", (640, 360))
    assert "2 regions on the 1280x720 frame" in html
    assert "#1 subtitle x, y, w, h = 0, 600, 1280, 100" in html
    assert "#2 logo x, y, w, h = 1000, 20, 200, 60" in html
    red, green, blue = picture.convert("RGB").getpixel((500, 20))  # the logo's left edge
    assert red > 200 and 100 < green < 190 and blue < 80  # orange, as in the live view
    assert len(html) < 60_000  # the saved notebook stays small


def test_a_snapshot_follows_the_boxes_and_the_mode(drawer):
    drawer.regions = [Region.from_xywh(10, 10, 100, 40)]
    drawer.mode = EraseMode.PROTECT
    snap = drawer.snapshot()
    assert snap.regions == (Region.from_xywh(10, 10, 100, 40),)
    assert snap.caption().startswith("1 protected region on the 320x180 frame")
    red, green, blue = snap.image.getpixel((10, 30))
    assert green > 150 and red < 120  # green: kept
    assert "keep x, y, w, h = 10, 10, 100, 40" in snap._repr_html_()


def test_regions_round_trip_through_the_synced_boxes(drawer):
    sub = Region.from_xywh(0, 150, 320, 30, type=RegionType.SUBTITLE)
    logo = Region.from_xywh(270, 5, 45, 20, type=RegionType.LOGO)
    drawer.regions = [sub, logo]
    assert drawer.boxes == [sub.box, logo.box]
    assert drawer.regions == [sub, logo]
    assert RegionDrawer(drawer.frame, regions=[logo]).regions == [logo]


def test_boxes_outside_the_frame_or_malformed_are_refused(drawer):
    with pytest.raises(ValidationError, match="outside the 320x180 frame"):
        drawer.boxes = [{"x0": 0, "y0": 0, "x1": 320, "y1": 10, "type": 2}]
    with pytest.raises(ValidationError) as info:
        drawer.boxes = [Region(0, 0, 5, 5).box, {"x0": 0, "y0": 0}]
    assert info.value.where == "RegionDrawer.boxes[1]"
    assert drawer.boxes == []


def test_erase_kwargs_infer_the_type_and_feed_erase_fields(drawer):
    sub = Region.from_xywh(0, 150, 320, 30)
    logo = Region.from_xywh(270, 5, 45, 20, type=RegionType.LOGO)
    drawer.regions = [sub, logo]
    kwargs = drawer.erase_kwargs()
    assert kwargs == {"regions": [sub, logo], "mode": EraseMode.MANUAL,
                      "erase_type": EraseType.BOTH}
    assert erase_fields(**kwargs)["areas"] == [sub.to_area(), logo.to_area()]
    drawer.regions = [logo]
    assert drawer.erase_kwargs()["erase_type"] is EraseType.WATERMARK
    assert drawer.erase_kwargs(erase_type=3)["erase_type"] is EraseType.BOTH
    with pytest.raises(ValidationError, match="need WATERMARK"):
        drawer.erase_kwargs(erase_type=EraseType.SUBTITLES)


def test_erase_kwargs_without_boxes_says_to_draw_one(drawer):
    with pytest.raises(ValidationError, match="at least one region"):
        drawer.erase_kwargs()


def test_clear_and_selection(drawer):
    drawer.regions = [Region(0, 0, 9, 9), Region(20, 20, 39, 39)]
    drawer.selected = 1
    assert drawer.selected == 1
    drawer.selected = 5  # stale index from the view: nothing selected
    assert drawer.selected == -1
    drawer.selected = 0
    drawer.clear()
    assert (drawer.boxes, drawer.selected) == ([], -1)


def test_draw_type_is_a_region_type(drawer):
    drawer.draw_type = RegionType.LOGO
    assert drawer.draw_type == 1
    with pytest.raises(ValidationError, match="draw_type"):
        drawer.draw_type = 4


def test_protect_mode_keeps_the_boxes_and_lets_the_service_erase_the_rest(drawer):
    sub = Region.from_xywh(0, 150, 320, 30)
    drawer.regions = [sub]
    drawer.mode = 3
    assert drawer.erase_kwargs() == {"regions": [sub], "mode": EraseMode.PROTECT,
                                     "erase_type": None}
    fields = erase_fields(**drawer.erase_kwargs())
    assert fields == {"areas": [sub.to_area()], "eraseMode": 3}
    assert drawer.erase_kwargs(erase_type="subtitles")["erase_type"] is EraseType.SUBTITLES
    with pytest.raises(ValidationError, match="mode is 2"):
        drawer.mode = 1


# --- undo and redo ------------------------------------------------------------------------------

def test_undo_and_redo_walk_the_history_of_the_boxes(drawer):
    a, b = Region(0, 0, 9, 9), Region(20, 20, 39, 39)
    assert (drawer.can_undo, drawer.can_redo) == (False, False)
    assert drawer.undo() is False
    drawer.regions = [a]
    drawer.regions = [a, b]
    drawer.selected = 1
    assert drawer.undo() is True
    assert drawer.regions == [a] and drawer.selected == -1  # box 1 is gone
    assert (drawer.can_undo, drawer.can_redo) == (True, True)
    assert drawer.undo() and drawer.regions == []
    assert drawer.undo() is False
    assert drawer.redo() and drawer.redo() and drawer.regions == [a, b]
    assert drawer.redo() is False
    drawer.undo()
    drawer.regions = [b]  # a new change drops what could be redone
    assert (drawer.can_undo, drawer.can_redo) == (True, False)
    assert drawer.undo() and drawer.regions == [a]


def test_the_view_asks_for_undo_and_redo_by_message(drawer):
    drawer.boxes = [Region(0, 0, 9, 9).box]
    drawer._on_view_message(drawer, {"action": "undo"}, [])
    assert drawer.boxes == []
    drawer._on_view_message(drawer, {"action": "redo"}, [])
    assert drawer.boxes == [Region(0, 0, 9, 9).box]
    drawer._on_view_message(drawer, {"action": "erase everything"}, [])  # ignored
    drawer._on_view_message(drawer, "not a dict", [])
    assert drawer.boxes == [Region(0, 0, 9, 9).box]


def test_regions_given_at_creation_are_not_an_undo_step():
    drawer = RegionDrawer(image_bytes(64, 64), regions=[Region(0, 0, 9, 9)])
    assert drawer.can_undo is False and drawer.undo() is False


# --- a video: frames on demand, cached, as binary buffers ---------------------------------------

SAMPLE = Path(__file__).parents[1] / "datasets" / "media" / "sample.mp4"


@pytest.fixture(scope="module")
def video_drawer():
    return RegionDrawer(SAMPLE, t=3.0)


def test_a_video_drawer_knows_its_timeline_and_shows_jpeg_frames(video_drawer):
    assert (video_drawer.width, video_drawer.height) == (640, 360)
    assert video_drawer.duration == pytest.approx(9.96)
    assert video_drawer.fps == 24
    assert video_drawer.t == 3.0
    assert video_drawer.frame.startswith(b"\xff\xd8")
    assert Image.open(io.BytesIO(video_drawer.frame)).size == (640, 360)


def test_moving_the_time_serves_that_frame_once_and_then_from_the_cache(video_drawer):
    from ipywidgets.widgets.widget import _remove_buffers

    first = video_drawer.frame
    video_drawer.t = 0.5
    assert video_drawer.t == 0.5 and video_drawer.frame != first
    cached = len(video_drawer._source.frames)
    video_drawer.t = 0.51  # the same frame at 24 fps
    assert video_drawer.t == 0.5
    video_drawer.t = 3.0
    assert video_drawer.frame == first
    assert len(video_drawer._source.frames) == cached  # both came from the cache
    video_drawer.t = 99.0  # past the end: the last frame
    assert video_drawer.t == pytest.approx(238 / 24)
    _, paths, buffers = _remove_buffers(video_drawer.get_state())
    assert paths == [["frame"]] and bytes(buffers[0]) == video_drawer.frame
    assert "sample.mp4" not in json.dumps(
        {k: v for k, v in video_drawer.get_state().items() if k != "frame"}, default=str)


def test_the_suggestion_finds_the_sample_subtitles_and_can_be_undone():
    drawer = RegionDrawer(SAMPLE, t=3.0)
    band = drawer.suggest(frames=6)
    # The sample's burned-in subtitle sits on rows 326..345 (see datasets/media).
    assert band is not None and band.y0 <= 326 and band.y1 >= 345 and band.y1 - band.y0 < 60
    assert drawer.boxes == [band.box] and drawer.selected == 0
    assert drawer.status.startswith("suggested from 6 frames: a subtitle band x, y, w, h = ")
    drawer._on_view_message(drawer, {"action": "undo"}, [])
    assert drawer.boxes == []


def test_no_suggestion_on_a_frame_without_text(drawer):
    assert drawer.suggest() is None
    assert drawer.boxes == [] and drawer.status == "no rows of text found in the frame"


def test_the_frame_cache_keeps_at_most_its_capacity_and_refuses_bad_times():
    from qavix_lab.media.frames_cache import FrameCache

    frames = FrameCache(SAMPLE, capacity=2)
    assert frames.frame_count == 239 and frames.snap(9.96) == 238 / 24
    first = frames.jpeg(0.0)
    frames.jpeg(1.0)
    frames.jpeg(2.0)
    assert len(frames) == 2  # the oldest went
    assert frames.jpeg(0.0) == first  # decoded again, the same picture
    for bad in (-1, float("nan"), True, "1"):
        with pytest.raises(ValidationError, match="t must be a time"):
            frames.jpeg(bad)
    with pytest.raises(ValidationError, match="beyond the end"):
        frames.jpeg(12.0)


def test_a_file_that_is_no_media_is_a_media_error(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("not a video")
    with pytest.raises(MediaError):
        RegionDrawer(path)
