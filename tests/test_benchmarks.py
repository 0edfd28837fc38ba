"""benchmarks/run_all.py: every benchmark accepts the arguments it is given, a missed goal, a
refused argument or a crash fails the run, and the benchmarks import this repository's code."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_run_all():
    spec = importlib.util.spec_from_file_location("run_all", ROOT / "benchmarks" / "run_all.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("run_all", module)  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


run_all = _load_run_all()
LISTED = {**run_all.BENCHMARKS,
          **{k: v for k, v in run_all.OPTIONAL.items() if (run_all.HERE / k).exists()}}


@pytest.mark.parametrize("script", sorted(LISTED))
def test_every_benchmark_accepts_the_arguments_run_all_gives_it(script):
    # the benchmark runs as __main__ until its ArgumentParser has parsed them, then stops
    outcome = run_all.run(script, LISTED[script], check_args=True, echo=False)
    assert outcome.argument_error is None, outcome.argument_error
    assert outcome.status == 0, outcome.last_line
    assert outcome.last_line.startswith("arguments accepted"), outcome.last_line


@pytest.fixture
def fake_benchmarks(tmp_path, monkeypatch):
    """run_all pointed at a folder of tiny benchmarks written by the test."""
    def write(name: str, body: str, args: list[str] | None = None) -> None:
        (tmp_path / name).write_text(textwrap.dedent(body))
        monkeypatch.setitem(listed, name, args or [])

    listed: dict[str, list[str]] = {}
    monkeypatch.setattr(run_all, "HERE", tmp_path)
    monkeypatch.setattr(run_all, "BENCHMARKS", listed)
    monkeypatch.setattr(run_all, "OPTIONAL", {})
    return write


MET = """\
    print("MET     fake / floor: 1.00x (goal <= 1.50x)")
"""
MISSED = """\
    import sys
    print("MISSED  fake / floor: 2.00x (goal <= 1.50x)")
    sys.exit(1)
"""


def test_run_all_exits_0_when_every_goal_is_met_and_prints_each_wall_time(fake_benchmarks,
                                                                          capsys):
    fake_benchmarks("bench_good.py", MET)
    assert run_all.main([]) == 0
    out = capsys.readouterr().out
    assert "MET     fake / floor: 1.00x (goal <= 1.50x)    [bench_good.py]" in out
    wall = out.split("wall time per benchmark:")[1]
    assert "bench_good.py" in wall and " s   exit status 0" in wall
    assert "1 met, 0 missed" in out


def test_run_all_exits_1_on_a_missed_goal(fake_benchmarks, capsys):
    fake_benchmarks("bench_good.py", MET)
    fake_benchmarks("bench_slow.py", MISSED)
    assert run_all.main([]) == 1
    out = capsys.readouterr().out
    assert "MISSED  fake / floor: 2.00x (goal <= 1.50x)    [bench_slow.py]" in out
    assert "1 met, 1 missed" in out


def test_a_benchmark_that_refuses_its_arguments_is_named_with_the_reason(fake_benchmarks,
                                                                         capsys):
    fake_benchmarks("bench_strict.py", """\
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--rounds", type=int)
        parser.parse_args()
        print("MET     fake / floor: 1.00x (goal <= 1.50x)")
    """, ["--quick"])
    assert run_all.main(["--quick"]) == 1
    out = capsys.readouterr().out
    assert ("MISSED  (refused its arguments: bench_strict.py --quick: unrecognized arguments: "
            "--quick)    [bench_strict.py]") in out
    assert run_all.main(["--quick", "--check-args"]) == 1
    assert re.search(r"bench_strict\.py +REFUSES --quick: .*unrecognized arguments",
                     capsys.readouterr().out)
    assert run_all.main(["--check-args"]) == 0  # without --quick it gets no argument


def test_check_args_names_a_benchmark_that_never_parses_its_arguments(fake_benchmarks,
                                                                      capsys):
    fake_benchmarks("bench_bare.py", MET)
    assert run_all.main(["--check-args"]) == 1
    assert "no argparse parser" in capsys.readouterr().out


def test_a_crash_or_a_benchmark_without_goals_fails_the_run(fake_benchmarks, capsys):
    fake_benchmarks("bench_crash.py", """\
        print("MET     fake / floor: 1.00x (goal <= 1.50x)")
        raise RuntimeError("broken after its first goal")
    """)
    fake_benchmarks("bench_mute.py", "print('a table and no goal')\n")
    assert run_all.main([]) == 1
    out = capsys.readouterr().out
    assert "MISSED  (exited with status 1)    [bench_crash.py]" in out
    assert "MISSED  (stated no goal)    [bench_mute.py]" in out


def test_benchmarks_import_the_qavix_lab_beside_them_whatever_is_installed(fake_benchmarks,
                                                                           monkeypatch, capsys):
    fake_benchmarks("bench_where.py", """\
        import qavix_lab
        print("imported", qavix_lab.__file__)
        print("MET     fake / floor: 1.00x (goal <= 1.50x)")
    """)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["/nonexistent", "/tmp"]))
    assert run_all.main([]) == 0
    imported = capsys.readouterr().out.split("imported ")[1].splitlines()[0]
    assert Path(imported).resolve() == ROOT / "qavix_lab" / "__init__.py"


def test_an_unknown_benchmark_name_is_refused(capsys):
    with pytest.raises(SystemExit, match="no benchmark named bench_nope.py"):
        run_all.main(["--only", "bench_nope", "--check-args"])


def test_a_benchmark_sandbox_neither_waits_for_nor_replaces_the_users_sandbox(tmp_path,
                                                                            monkeypatch):
    # the user runs `qavix-lab sandbox` in another terminal: its state file names a live process
    from qavix_lab import Client, cli

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    users = cli.SandboxState(url="http://127.0.0.1:9/qavix", api_key="qvx-users-own-key",
                             pid=os.getpid())
    state = cli.write_state(users)
    before = state.read_bytes()
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    common = importlib.import_module("_common")
    with common.sandbox_process("--tts-seconds", "0.1") as (url, key):
        with Client(key, base_url=url) as client:
            assert len(client.voices.records()) > 0
        assert cli.read_state() == users  # later CLI commands still use the user's sandbox
    assert state.read_bytes() == before
