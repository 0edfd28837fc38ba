"""Whatever comes in, the parser answers with a timeline or a TranscriptFormatError."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qavix_lab.errors import TranscriptFormatError
from qavix_lab.transcripts import Timeline, parse

DATA = Path(__file__).resolve().parents[1] / "datasets" / "transcripts"
FIXTURES = {name: json.loads((DATA / name).read_text(encoding="utf-8")) for name in (
    "sentences_dest.json", "rtasr_messages.json", "lfasr_result.json")}
KEYS = ["bg", "ed", "onebest", "speaker", "wordsResultList", "wordBg", "wordEd", "wordsName",
        "wp", "wc", "dst", "seg_id", "cn", "st", "rt", "ws", "cw", "w", "wb", "we", "type",
        "rl", "biz", "segId", "action", "code", "data", "lattice", "lattice2", "json_1best",
        "content", "orderResult", "transResult", "lid", "spk", "sc"]

scalars = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from(["", "0", "1", "12.5", "n", "p", "g", "s", "trans", "nan", "1e999",
                              "{", "[]", "{}", '{"st": {}}', "[{}]"])
           | st.text(max_size=8))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=5),
    max_leaves=25)


def outcome(value: Any) -> Timeline | None:
    """The timeline, or None for a TranscriptFormatError; anything else fails the test."""
    try:
        timeline = parse(value)
    except TranscriptFormatError as exc:
        assert exc.where, "errors name the place"
        return None
    assert len(timeline) > 0, "never a silent empty timeline"
    return timeline


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_value_gives_a_timeline_or_a_typed_error(value):
    outcome(value)
    outcome(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
            if _encodable(value) else value)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=64) | st.text(max_size=64))
def test_any_bytes_or_text_gives_a_timeline_or_a_typed_error(data):
    outcome(data)


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a JSON value (JSON strings inside are opened too)."""
    found = [path]
    if isinstance(value, str) and value.startswith(("[", "{")):
        found += _paths(json.loads(value), (*path, "<json>"))
    elif isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*path, i))
    return found


def _mutated(value: Any, path: tuple, change: Any, delete: bool) -> Any:
    if not path:
        return change
    step, rest = path[0], path[1:]
    if step == "<json>":
        return json.dumps(_mutated(json.loads(value), rest, change, delete), ensure_ascii=False)
    if delete and not rest:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k != step}
        return value[:step] + value[step + 1:]
    copied = copy.copy(value)
    copied[step] = _mutated(value[step], rest, change, delete)
    return copied


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(FIXTURES)), st.data(), json_values, st.booleans())
def test_damaged_real_shapes_give_a_timeline_or_a_typed_error(name, data, change, delete):
    fixture = FIXTURES[name]
    path = data.draw(st.sampled_from(_paths(fixture)))
    outcome(_mutated(fixture, path, change, delete and bool(path)))


def _encodable(value: Any) -> bool:
    try:
        orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return False
    return True
