"""Routes you can correct: a small file overrides paths and wire names, checked on load."""

from __future__ import annotations

import json

import pytest

from qavix_lab.errors import ValidationError
from qavix_lab.spec import OPERATIONS
from qavix_lab.spec.routes import ROUTES_ENV, Routes, changes_toml, load_routes

GOOD = """
envelope = "v2"

[paths]
"tts.create" = "/v1/tts/create"

[fields."tts.create"]
timbreId = "voice_id"

[account]
balance = "/v1/balance"
"""


def test_defaults_are_the_contract(monkeypatch):
    monkeypatch.delenv(ROUTES_ENV, raising=False)
    routes = load_routes()
    assert routes.path("tts.create") == OPERATIONS["tts.create"].path
    assert routes.path("balance") == "/openapi/account/balance"
    assert routes.changes() == {} and routes.to_toml() == ""
    assert routes.to_wire("tts.create", {"text": "hi", "timbreId": "7"}) == {
        "text": "hi", "timbreId": "7"}


def test_a_toml_file_overrides_paths_fields_envelope_and_account(tmp_path):
    path = tmp_path / "routes.toml"
    path.write_text(GOOD)
    routes = load_routes(path)
    assert routes.source == str(path)
    assert routes.envelope == "v2"
    assert routes.path("tts.create") == "/v1/tts/create"
    assert routes.path("tts.result") == OPERATIONS["tts.result"].path  # untouched
    assert routes.path("balance") == "/v1/balance"
    assert routes.to_wire("tts.create", {"text": "hi", "timbreId": "7", "lang": None}) == {
        "text": "hi", "voice_id": "7", "lang": None}
    changed = [row["route"] for row in routes.rows() if row["changed"]]
    assert changed == ["tts.create", "balance"]


def test_the_same_file_as_json_and_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "routes.json"
    path.write_text(json.dumps({"paths": {"tasks.query": "/v2/task"}}))
    monkeypatch.setenv(ROUTES_ENV, str(path))
    assert load_routes().path("tasks.query") == "/v2/task"


def test_changes_round_trip_through_the_toml_writer(tmp_path):
    routes = load_routes({"envelope": "webresult", "paths": {"video.erase": "/x/erase"},
                          "fields": {"video.erase": {"videoUrl": "video_url"}}})
    path = tmp_path / "again.toml"
    path.write_text(routes.to_toml())
    again = load_routes(path)
    assert again.changes() == routes.changes()
    assert changes_toml({}) == ""


@pytest.mark.parametrize("text, where, message", [
    ('[paths]\n"tts.creat" = "/x"\n', "[paths]", "did you mean 'tts.create'"),
    ('[paths]\n"tts.create" = "v1/tts"\n', "[paths]", "starts with '/'"),
    ('[paths]\n"tts.create" = "/v1/tts?x=1"\n', "[paths]", "starts with '/'"),
    ('[fields."tts.create"]\ntimbreID = "voice"\n', "[fields.tts.create]",
     "did you mean 'timbreId'"),
    ('[fields."tts.create"]\ntimbreId = "voice id"\n', "[fields.tts.create]", "plain identifier"),
    ('envelope = "soap"\n', "envelope", "envelope must be one of"),
    ('[pahts]\n', "", "unknown table 'pahts'; did you mean 'paths'"),
    ('[account]\nbalanse = "/b"\n', "[account]", "did you mean 'balance'"),
    ('paths = 3\n', "[paths]", "expected a table"),
    ('[paths\n', "", "not valid TOML"),
])
def test_mistakes_name_the_file_the_table_and_the_key(tmp_path, text, where, message):
    path = tmp_path / "routes.toml"
    path.write_text(text)
    with pytest.raises(ValidationError, match=message) as caught:
        load_routes(path)
    assert str(path) in str(caught.value) and where in str(caught.value)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValidationError, match="cannot read the routes file"):
        load_routes(tmp_path / "nope.toml")


def test_routes_are_values():
    assert Routes() == Routes()
    with pytest.raises(KeyError, match="unknown operation"):
        Routes().path("tts.delete")
