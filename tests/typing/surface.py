"""Checked by mypy (scripts/test.sh), never run: what a type checker and an IDE see."""

from __future__ import annotations

from pathlib import Path
from typing import assert_type

import pandas as pd

from qavix_lab.client import AsyncClient, Client, RequestOptions, Speech, TtsTask, VideoTask
from qavix_lab.client.methods import Async, Sync
from qavix_lab.spec import ClonedVoice, TtsResult, Voice
from qavix_lab.spec import VideoTask as VideoTaskState


def sync_surface(client: Client) -> None:
    task = client.tts.create("Hello", "1", lang="en", options=RequestOptions(timeout=5))
    assert_type(task, TtsTask[Sync])
    assert_type(task.wait(60), TtsResult)
    assert_type(task.download("out.mp3"), Path)
    assert_type(client.tts.synthesize("Hi", "1"), Speech)
    assert_type(client.tts.batch(["a"], ["1"]), pd.DataFrame)
    assert_type(client.voices.list(), list[Voice])
    assert_type(client.voices.clone("https://x/a.mp3", "me"), ClonedVoice)
    video = client.video.erase("clip.mp4", mode="auto")
    assert_type(video, VideoTask[Sync])
    assert_type(video.refresh(), VideoTaskState)
    assert_type(client.tasks.get("1"), VideoTaskState)


async def async_surface(client: AsyncClient) -> None:
    task = await client.tts.create("Hello", "1")
    assert_type(task, TtsTask[Async])
    assert_type(await task.wait(), TtsResult)
    assert_type(await task.output("out.mp3"), Path)
    assert_type(await client.voices.frame(lang="en"), pd.DataFrame)
    assert_type(await client.files.download("https://x/a.mp3", "a.mp3"), Path)
