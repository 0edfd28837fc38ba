"""The command line: catalog, TTS, tasks; errors are one clear line and a non-zero exit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qavix_lab.cli import main


@pytest.fixture
def env(sandbox, monkeypatch):
    monkeypatch.setenv("QAVIX_API_KEY", sandbox.api_key)
    monkeypatch.setenv("QAVIX_BASE_URL", sandbox.url)
    return sandbox


def test_voices_filters_the_catalog(env, capsys):
    assert main(["voices", "--lang", "en", "--gender", "female"]) == 0
    out = capsys.readouterr().out
    assert "Female" in out and "Male " not in out
    assert out.strip().endswith("voices")


def test_tts_writes_a_file(env, voice_id, tmp_path, capsys):
    target = tmp_path / "line.mp3"
    assert main(["tts", "Command line speech.", "--voice", voice_id, "-o", str(target)]) == 0
    assert target.stat().st_size > 1000
    assert str(target) in capsys.readouterr().out


def test_task_wait_prints_the_final_state(env, client, voice_id, capsys):
    task = client.tts.create("For the CLI.", voice_id)
    assert main(["task", task.id, "--tts", "--wait"]) == 0
    out = capsys.readouterr().out
    assert f'"task_id": "{task.id}"' in out and '"status": 1,' in out


def test_errors_are_one_line_and_exit_non_zero(env, monkeypatch, capsys):
    monkeypatch.setenv("QAVIX_API_KEY", "qvx-not-a-valid-key-9999")
    assert main(["voices"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("qavix-lab: error:") and "4001" in err and len(err.splitlines()) == 1
    assert "qvx-not-a-valid-key-9999" not in err


def test_unknown_task_is_a_clear_error(env, capsys):
    assert main(["task", "42"]) == 1
    assert "not found" in capsys.readouterr().err


def test_console_script_runs_the_sandbox_and_prints_url_and_key():
    from qavix_lab.sandbox import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "qavix_lab.cli", "sandbox", "--port",
                             str(port), "--api-key", "qvx-cli-key-123456"],
                            stdout=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    text = "".join(lines)
    assert f"http://127.0.0.1:{port}/qavix" in text and "QAVIX_API_KEY=qvx-cli-key-123456" in text
