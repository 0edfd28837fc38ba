"""The five video tasks from local files, end to end through the sandbox, outputs checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import srt

from qavix_lab.errors import TaskFailed, ValidationError
from qavix_lab.media import frame, probe
from qavix_lab.regions import Region, RegionType
from qavix_lab.spec import TaskStatus

DATA = Path(__file__).resolve().parent.parent / "datasets" / "media"
SAMPLE, FACE = DATA / "sample.mp4", DATA / "face.png"
LOGO = Region.from_xywh(448, 10, 180, 40, type=RegionType.LOGO)


def _download(client, task, tmp_path: Path, name: str) -> Path:
    return task.download(tmp_path / name)


def _same_shape(a: Path, b: Path) -> None:
    src, out = probe(a), probe(b)
    assert (out.width, out.height) == (src.width, src.height)
    assert out.duration == pytest.approx(src.duration, abs=0.15)
    assert out.has_audio


def test_translate_dubs_a_local_clip(sandbox, client, tmp_path):
    task = client.video.translate(SAMPLE, "en", "fr", name="dub sample")
    created = sandbox.world.tasks[int(task.id)]
    assert created.fields["fileSize"] == SAMPLE.stat().st_size  # filled from probing
    assert created.fields["format"] == "mp4" and created.fields["duration"] > 9
    state = task.wait(timeout=120)
    assert state.status == TaskStatus.COMPLETED and state.dest_lang == "fr"
    _same_shape(SAMPLE, _download(client, task, tmp_path, "dub.mp4"))
    subs = list(srt.parse(client.files.download(state.dest_str_tmp_url,
                                                tmp_path / "dub.srt").read_text()))
    assert len(subs) == 4 and subs[0].start.total_seconds() < subs[-1].end.total_seconds()
    assert isinstance(state.original_rtasr_info, str) and '"dst"' in state.dest_rtasr_info
    cover = client.files.download(state.cover_url, tmp_path / "cover.jpg")
    assert cover.read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG


def test_erase_a_drawn_region_changes_it_and_nothing_else(client, tmp_path):
    state = client.video.erase(SAMPLE, regions=[LOGO]).wait(timeout=120)
    out = _download(client, client.tasks.handle(state.task_id), tmp_path, "erased.mp4")
    _same_shape(SAMPLE, out)
    before, after = frame(SAMPLE, 1.0).array.astype(int), frame(out, 1.0).array.astype(int)
    inside = np.abs(before[10:50, 448:628] - after[10:50, 448:628]).mean()
    outside = np.abs(before[100:250, 0:400] - after[100:250, 0:400]).mean()
    assert inside > 8 and outside < 3


def test_subtitles_burned_in_with_an_srt(client, tmp_path):
    state = client.video.subtitles(SAMPLE, "en", "es").wait(timeout=120)
    out = client.files.download(state.dest_file_tmp_url, tmp_path / "subs.mp4")
    _same_shape(SAMPLE, out)
    subs = list(srt.parse(client.files.download(state.dest_str_tmp_url,
                                                tmp_path / "subs.srt").read_text()))
    assert subs and all(s.content.strip() for s in subs)


def test_lipsync_with_synthesized_speech(client, voice_id, tmp_path):
    speech = client.tts.synthesize("A new line for the lips.", voice_id, tmp_path / "line.mp3")
    state = client.video.lipsync(SAMPLE, speech).wait(timeout=120)
    _same_shape(SAMPLE, client.files.download(state.dest_file_tmp_url, tmp_path / "lips.mp4"))


def test_faceswap_overlays_the_image(client, tmp_path):
    state = client.video.faceswap(SAMPLE, FACE).wait(timeout=120)
    out = client.files.download(state.dest_file_tmp_url, tmp_path / "face.mp4")
    _same_shape(SAMPLE, out)
    before, after = frame(SAMPLE, 2.0).array.astype(int), frame(out, 2.0).array.astype(int)
    assert np.abs(before - after)[40:200, 220:420].mean() > 10


def test_corrupt_input_fails_the_task_with_a_message(client):
    uploaded = client.files.upload(b"this is not a video" * 50, file_name="broken.mp4")
    task = client.video.erase(uploaded, mode="auto")
    with pytest.raises(TaskFailed) as info:
        task.wait(timeout=60)
    assert "broken.mp4" in str(info.value) or "ffmpeg" in str(info.value)


def test_regions_are_checked_against_the_frame_before_sending(sandbox, client):
    before = len(sandbox.world.tasks_of(sandbox.api_key))
    files_before = len(sandbox.world.files)
    with pytest.raises(ValidationError):
        client.video.erase(SAMPLE, regions=[Region.from_xywh(600, 300, 100, 100)])
    with pytest.raises(ValidationError, match="language"):
        client.video.translate(SAMPLE, "", "fr")
    assert len(sandbox.world.tasks_of(sandbox.api_key)) == before
    assert len(sandbox.world.files) == files_before  # nothing was uploaded either
