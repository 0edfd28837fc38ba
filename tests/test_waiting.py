"""wait(): every final status, editing, unknown statuses, deadlines, progress reporting."""

from __future__ import annotations

import asyncio

import pytest

from qavix_lab import errors
from qavix_lab.client import PollSchedule
from qavix_lab.spec import TaskStatus


def test_wait_returns_the_completed_result_with_progress(client, voice_id):
    seen: list[int] = []
    task = client.tts.create("Progress, please.", voice_id)
    state = task.wait(timeout=30, on_progress=lambda s: seen.append(s.process))
    assert state.status == TaskStatus.COMPLETED and state.process == 100
    assert state.dest_file_tmp_url.startswith("http://127.0.0.1")
    assert seen == sorted(seen) and seen[-1] == 100
    assert len(seen) <= 6  # the adaptive schedule does not hammer the service


@pytest.mark.parametrize(
    ("marker", "cls"),
    [("[[fail]]", errors.TaskFailed), ("[[violation]]", errors.TaskViolation),
     ("[[delete]]", errors.TaskDeleted), ("[[status:7]]", errors.UnknownTaskStatus)],
)
def test_bad_endings_raise_with_the_last_state(client, voice_id, marker, cls):
    task = client.tts.create(f"Scenario {marker}", voice_id)
    with pytest.raises(cls) as info:
        task.wait(timeout=30)
    assert info.value.task.task_id == task.id


def test_editing_returns_and_says_so(client, voice_id, caplog):
    task = client.tts.create("Needs a human [[editing]]", voice_id)
    state = task.wait(timeout=30)
    assert state.status == TaskStatus.EDITING
    assert "editor" in caplog.text


def test_deadline_raises_a_timeout_carrying_the_last_state(sandbox, client, voice_id):
    task = client.tts.create("Slow one.", voice_id)
    with pytest.raises(errors.WaitTimeout) as info:
        task.wait(timeout=0.1)
    assert info.value.task.status == TaskStatus.PROCESSING
    assert isinstance(info.value, TimeoutError)


def test_synthesize_downloads_playable_audio(client, voice_id, tmp_path):
    speech = client.tts.synthesize("Hello from the sandbox.", voice_id, tmp_path / "hello.mp3")
    assert speech.path == tmp_path / "hello.mp3"
    assert speech.path.stat().st_size > 1000
    assert "<audio" in speech._repr_html_()
    assert speech.task.status == TaskStatus.COMPLETED


def test_expired_output_link_is_refreshed_on_download(sandbox, client, voice_id, tmp_path):
    task = client.tts.create("Expiring link.", voice_id)
    task.wait(timeout=30)
    sandbox.advance(sandbox.config.link_ttl + 1)
    path = task.download(tmp_path / "late.mp3")
    assert path.stat().st_size > 1000


def test_poll_schedule_aims_at_the_estimated_finish():
    schedule = PollSchedule(minimum=0.2, maximum=10)
    # 25% done after 1 s: about 3 s remain
    assert 3.0 <= schedule.next_delay(1.0, 25, 0.5) <= 3.3
    assert schedule.next_delay(1.0, None, 0.5) == pytest.approx(0.8)
    assert schedule.next_delay(1000, 1, 0.5) == 10


def test_sync_client_works_inside_a_running_event_loop(client, voice_id):
    async def notebook_cell():
        return client.tts.create("From inside a loop.", voice_id).wait(timeout=30).status

    assert asyncio.run(notebook_cell()) == TaskStatus.COMPLETED


def test_async_client_creates_and_waits_concurrently(sandbox, voice_id):
    from support import FAST_POLL

    from qavix_lab.client import AsyncClient

    async def main():
        async with AsyncClient(sandbox.api_key, base_url=sandbox.url,
                               poll_schedule=FAST_POLL) as c:
            tasks = await asyncio.gather(*(c.tts.create(f"Line {i}", voice_id) for i in range(8)))
            return await asyncio.gather(*(t.wait(timeout=30) for t in tasks))

    states = asyncio.run(main())
    assert len({s.task_id for s in states}) == 8
    assert all(s.status == TaskStatus.COMPLETED for s in states)


def test_after_one_task_the_next_is_polled_once_near_its_finish(client, voice_id):
    client.tts.create("Teach the schedule.", voice_id).wait(timeout=30)
    polls: list[int] = []
    client.tts.create("Now one poll.", voice_id).wait(timeout=30, on_progress=polls.append)
    assert len(polls) == 1


def test_a_task_found_by_id_is_polled_at_once(client, voice_id):
    task = client.tts.create("Old task.", voice_id)
    task.wait(timeout=30)
    polls: list[int] = []
    client.tts.task(task.id).wait(timeout=30, on_progress=polls.append)
    assert len(polls) == 1
