"""Batch TTS as a DataFrame, and the async client's uploads and video tasks."""

from __future__ import annotations

import asyncio
from pathlib import Path

from support import FAST_POLL

from qavix_lab.client import AsyncClient
from qavix_lab.spec import TaskStatus

SAMPLE = Path(__file__).resolve().parent.parent / "datasets" / "media" / "sample.mp4"


def test_batch_is_a_grid_of_texts_and_voices_with_failures_as_rows(client, tmp_path):
    voices = client.voices.frame(lang="en", gender="female").head(2)
    texts = ["First line.", "Second line [[fail]]"]

    async def notebook_cell():  # a kernel's loop is already running: batch must still work
        return client.tts.batch(texts, voices, out_dir=tmp_path)

    frame = asyncio.run(notebook_cell())
    assert len(frame) == 4 and set(frame["voice_id"]) == set(voices["voice_id"])
    good, bad = frame[frame["error"].isna()], frame[frame["error"].notna()]
    assert len(good) == 2 and all(Path(p).stat().st_size > 1000 for p in good["audio_path"])
    assert len(bad) == 2 and set(bad["error_type"]) == {"TaskFailed"}
    assert list(bad["status"]) == [2, 2] and bad["audio_path"].isna().all()
    assert str(frame["task_id"].dtype) == "string" and str(frame["status"].dtype) == "Int64"


def test_async_client_uploads_and_runs_a_video_task(sandbox, tmp_path):
    async def main():
        async with AsyncClient(sandbox.api_key, base_url=sandbox.url,
                               poll_schedule=FAST_POLL) as client:
            uploaded = await client.files.upload(SAMPLE)
            task = await client.video.translate(uploaded, "en", "de")
            state = await task.wait(timeout=120)
            path = await task.download(tmp_path / "dub.mp4")
            return uploaded, state, path, await task.transcripts()

    uploaded, state, path, (source, translated) = asyncio.run(main())
    assert uploaded.size == SAMPLE.stat().st_size
    assert state.status == TaskStatus.COMPLETED and path.stat().st_size > 10_000
    assert len(source) == len(translated) == 4
    assert translated.sentences["start"].iloc[0] >= 0


def test_sync_task_transcripts_are_timelines(client):
    task = client.video.translate(SAMPLE, "en", "fr")
    task.wait(timeout=120)
    source, translated = task.transcripts()
    assert list(source.sentences["text"])[0].startswith("Welcome")
    assert translated.sentences["text"].str.len().min() > 0
    assert (source.sentences["end"] <= 10.0).all()  # times match the 10 s clip
