"""The command line: catalog, TTS, tasks, a sandbox later commands find; errors are one line."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time

import pytest

from qavix_lab.cli import SandboxState, build_parser, main, state_path, write_state


@pytest.fixture(autouse=True)
def config_home(tmp_path, monkeypatch):
    """Every test gets its own config folder: no user's real state file is read or written."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config"


@pytest.fixture
def env(sandbox, monkeypatch):
    monkeypatch.setenv("QAVIX_API_KEY", sandbox.api_key)
    monkeypatch.setenv("QAVIX_BASE_URL", sandbox.url)
    return sandbox


@pytest.fixture
def no_key(monkeypatch):
    monkeypatch.delenv("QAVIX_API_KEY", raising=False)
    monkeypatch.delenv("QAVIX_BASE_URL", raising=False)


def test_voices_filters_the_catalog(env, capsys):
    assert main(["voices", "--lang", "en", "--gender", "female"]) == 0
    out = capsys.readouterr().out
    assert "Female" in out and "Male " not in out
    assert out.strip().endswith("voices")


def test_voices_limit_prints_that_many_rows_and_says_of_how_many(env, capsys):
    assert main(["voices", "--limit", "3"]) == 0
    table, _, footer = capsys.readouterr().out.strip().partition("\n\n")
    total = len(env.app.catalog())
    assert len(table.splitlines()) == 1 + 3  # header and three voices
    assert footer.startswith(f"3 of {total} voices")
    assert main(["voices", "--limit", "0", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == total


def test_voices_json_is_one_document(env, capsys):
    assert main(["voices", "--lang", "fr", "--limit", "2", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and {row["lang"] for row in rows} == {"fr"}
    assert isinstance(rows[0]["voice_id"], str)


def test_tts_writes_a_file_and_says_its_task_id_at_once(env, voice_id, tmp_path, capsys):
    target = tmp_path / "line.mp3"
    assert main(["tts", "Command line speech.", "--voice", voice_id, "-o", str(target)]) == 0
    assert target.stat().st_size > 1000
    captured = capsys.readouterr()
    task_id = captured.err.split("created TTS task ")[1].split()[0]
    assert f"task {task_id}: wrote {target}" in captured.out
    assert main(["tts", "Again, as JSON.", "--voice", voice_id, "-o", str(target), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["kind"] == "tts" and result["status"] == 1 and result["path"] == str(target)


def test_task_finds_out_a_tts_task_is_tts(env, client, voice_id, capsys):
    task = client.tts.create("For the CLI.", voice_id)
    assert main(["task", task.id, "--wait"]) == 0
    captured = capsys.readouterr()
    assert f"waiting for tts task {task.id}" in captured.err
    assert captured.out.startswith(f"task {task.id}: tts, completed (1), 100%")
    assert "video" not in captured.out and "None" not in captured.out
    assert "timbre_name:" in captured.out and "dest_file_tmp_url:" in captured.out
    assert main(["task", task.id, "--json"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert (state["kind"], state["task_id"], state["status"]) == ("tts", task.id, 1)
    assert state["timbre_name"] and state["dest_file_tmp_url"]


def test_task_finds_out_a_video_task_is_video(env, client, capsys):
    from qavix_lab import samples

    task = client.video.translate(samples.video(), "en", "fr", name="cli kind")
    assert main(["task", task.id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "video"
    assert main(["task", task.id, "--kind", "tts"]) == 1  # asked for the wrong kind: a clear no
    assert "not a TTS task" in capsys.readouterr().err


def test_errors_are_one_line_and_exit_non_zero(env, monkeypatch, capsys):
    monkeypatch.setenv("QAVIX_API_KEY", "qvx-not-a-valid-key-9999")
    assert main(["voices"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("qavix-lab: error:") and "4001" in err and len(err.splitlines()) == 1
    assert "qvx-not-a-valid-key-9999" not in err


def test_unknown_task_is_a_clear_error(env, capsys):
    assert main(["task", "42"]) == 1
    assert "not found" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["voices", "--limit", "three"], ["task"], ["frobnicate"],
                                  ["voices", "--limit", "-1"], ["task", "12", "--kind", "audio"]])
def test_bad_input_is_one_line_and_exit_1(env, argv, capsys):
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own complaints
        status = exc.code
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("qavix-lab: error: ") and len(err.strip().splitlines()) == 1


def test_help_explains_where_commands_connect_and_every_option_has_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "`" not in text and "state file" in text and "throwaway sandbox" in text
    assert str(state_path()) in text
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, sub in commands.items():
        for action in sub._actions:
            if action.dest == "help":
                continue
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"
            if action.type in (float, int) and action.dest not in ("port", "shuffle_paths"):
                assert any(unit in action.help for unit in ("seconds", "per second", "rows")), (
                    f"{name} {action.option_strings}: no unit in {action.help!r}")
        assert any(a.dest == "json" for a in sub._actions), f"{name} has no --json"


def test_without_a_key_or_a_sandbox_a_command_says_it_uses_a_throwaway(no_key, capsys):
    assert main(["voices", "--limit", "1"]) == 0
    assert "throwaway sandbox" in capsys.readouterr().err


def test_a_stale_state_file_is_ignored_with_a_note(no_key, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_state(SandboxState(url="http://127.0.0.1:9/qavix", api_key="qvx-stale-key-000",
                             pid=dead.pid))
    assert main(["voices", "--limit", "1"]) == 0
    err = capsys.readouterr().err
    assert f"process {dead.pid}) has ended" in err and "throwaway" in err
    assert "qvx-stale-key-000" not in err


def _wait_for(path, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_a_second_command_finds_the_task_the_first_created(no_key, config_home, voice_id,
                                                           tmp_path, capsys):
    from qavix_lab.sandbox import free_port

    port, key = free_port(), "qvx-cli-key-123456"
    proc = subprocess.Popen([sys.executable, "-m", "qavix_lab.cli", "sandbox", "--port",
                             str(port), "--api-key", key, "--tts-seconds", "0.3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "XDG_CONFIG_HOME": str(config_home)})
    try:
        path = state_path()
        _wait_for(path)
        banner = proc.stdout.readline() + proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/qavix" in banner and key not in banner
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert json.loads(path.read_text())["api_key"] == key
        out = tmp_path / "hello.mp3"
        assert main(["tts", "Remember me.", "--voice", voice_id, "-o", str(out), "--json"]) == 0
        captured = capsys.readouterr()
        assert f"using the sandbox at http://127.0.0.1:{port}/qavix" in captured.err
        task_id = json.loads(captured.out)["task_id"]
        assert main(["task", task_id, "--json"]) == 0  # a new command, the same sandbox
        assert json.loads(capsys.readouterr().out)["status"] == 1
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=20)
    assert key not in stderr
    assert not state_path().exists()  # the sandbox took its state file away when it stopped
