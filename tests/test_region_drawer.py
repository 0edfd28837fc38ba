"""RegionDrawer without a kernel or browser: sources, synced state, regions and erase arguments."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from qavix_lab.errors import MediaError, ValidationError
from qavix_lab.media.ffmpeg import run_ffmpeg
from qavix_lab.regions import EraseMode, EraseType, Region, RegionType, erase_fields
from qavix_lab.widgets.region_drawer import RegionDrawer

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SYNCED_BY_US = {"frame", "width", "height", "boxes", "selected", "draw_type"}


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
    assert len(json.dumps(state)) < 20_000  # the rest is small JSON (the ES module and CSS)


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


def test_the_notebook_output_is_only_a_reference_and_a_short_text(drawer):
    data, _ = drawer._repr_mimebundle_()
    assert set(data) == {"text/plain", "application/vnd.jupyter.widget-view+json"}
    assert data["text/plain"] == "RegionDrawer(320x180, 0 boxes)"
    assert set(data["application/vnd.jupyter.widget-view+json"]) == {
        "version_major", "version_minor", "model_id"}


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
