"""Routes you can correct: paths, wire field names, the envelope and the account endpoints.

The paths and request field names come from the project's contract (the vendor's reference names
none), so a user of the live service may find one that differs. They override it with a small
TOML or JSON file, without touching code, named by ``QAVIX_ROUTES`` or given to the client::

    envelope = "auto"                       # "webresult", "v2", or "auto" (read each answer)

    [paths]
    "tts.create" = "/v1/tts/create"         # operation name = path under the base URL

    [fields."tts.create"]
    timbreId = "voice_id"                   # contract field = the name the service wants

    [account]                               # GET endpoints of the second published envelope
    balance = "/v1/account/balance"
    usage = "/v1/account/usage"

Every name is checked on load; a mistake is a :class:`~qavix_lab.errors.ValidationError` naming
the file, the table and the key, with the nearest known name. ``qavix-lab config`` shows the
routes in force and where they came from; ``qavix-lab doctor`` suggests the lines to add.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from . import envelopes
from .operations import OPERATIONS

ROUTES_ENV = "QAVIX_ROUTES"
ENVELOPES = ("auto", *envelopes.ENVELOPES)
# the GET endpoints of the second envelope, by their short names ("balance", "usage")
ACCOUNT_PATHS: dict[str, str] = {name.removeprefix("account."): path
                                 for name, path in envelopes.ACCOUNT_PATHS.items()}
_TABLES = ("envelope", "paths", "fields", "account")
_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")
_WIRE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Routes:
    """The paths and wire names in force; the defaults are the contract's."""

    paths: Mapping[str, str] = field(
        default_factory=lambda: {name: op.path for name, op in OPERATIONS.items()})
    fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    account: Mapping[str, str] = field(default_factory=lambda: dict(ACCOUNT_PATHS))
    envelope: str = "auto"
    source: str | None = None  # the file they came from, None for the contract's defaults

    def path(self, operation: str) -> str:
        """The path of an operation (``"tts.create"``) or an account endpoint (``"balance"``)."""
        if operation in self.paths:
            return self.paths[operation]
        if operation in self.account:
            return self.account[operation]
        raise KeyError(f"unknown operation {operation!r}")

    def to_wire(self, operation: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``body`` with contract field names renamed to the names the service wants."""
        renames = self.fields.get(operation)
        if not renames:
            return dict(body)
        return {renames.get(key, key): value for key, value in body.items()}

    def changes(self) -> dict[str, Any]:
        """Only what differs from the contract, in the file's shape (empty: nothing differs)."""
        default = Routes()
        out: dict[str, Any] = {}
        if self.envelope != default.envelope:
            out["envelope"] = self.envelope
        paths = {k: v for k, v in self.paths.items() if default.paths.get(k) != v}
        account = {k: v for k, v in self.account.items() if default.account.get(k) != v}
        fields = {k: dict(v) for k, v in self.fields.items() if v}
        for name, table in (("paths", paths), ("fields", fields), ("account", account)):
            if table:
                out[name] = table
        return out

    def to_toml(self) -> str:
        """The changes as a routes file (TOML); ``""`` when nothing differs."""
        return changes_toml(self.changes())

    def rows(self) -> list[dict[str, str]]:
        """One row per route, for ``qavix-lab config``: name, method, path, default, fields."""
        default = Routes()
        rows = []
        for name, path in [*self.paths.items(), *self.account.items()]:
            renames = self.fields.get(name, {})
            rows.append({
                "route": name, "method": "GET" if name in self.account else "POST",
                "path": path, "default": default.path(name),
                "changed": "yes" if path != default.path(name) or renames else "",
                "fields": ", ".join(f"{k}->{v}" for k, v in renames.items()),
            })
        return rows


def changes_toml(changes: Mapping[str, Any]) -> str:
    """A routes file (TOML) holding ``changes`` (the shape of :meth:`Routes.changes`)."""
    lines = []
    if "envelope" in changes:
        lines.append(f"envelope = {json.dumps(changes['envelope'])}")
    for table in ("paths", "account"):
        if changes.get(table):
            lines += ["", f"[{table}]"]
            lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in changes[table].items()]
    for operation, renames in (changes.get("fields") or {}).items():
        lines += ["", f"[fields.{json.dumps(operation)}]"]
        lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in renames.items()]
    return "\n".join(lines).lstrip("\n") + ("\n" if lines else "")


def load_routes(source: str | os.PathLike[str] | Mapping[str, Any] | Routes | None = None,
                ) -> Routes:
    """Routes from a TOML/JSON file, a mapping of the same shape, or ``$QAVIX_ROUTES``; the
    contract's defaults when none is given."""
    if isinstance(source, Routes):
        return source
    if source is None:
        env = os.environ.get(ROUTES_ENV, "").strip()
        if not env:
            return Routes()
        source = env
    if isinstance(source, Mapping):
        return _build(source, "routes")
    path = Path(source).expanduser()
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"cannot read the routes file: {exc.strerror or exc}",
                              where=where) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise ValidationError(f"not valid {kind}: {exc}", where=where) from None
    if not isinstance(data, Mapping):
        raise ValidationError("a routes file holds a table (an object)", where=where)
    return _build(data, where, source=where)


def _build(data: Mapping[str, Any], where: str, source: str | None = None) -> Routes:
    _known(data.keys(), _TABLES, where, "table")
    default = Routes()
    envelope = data.get("envelope", "auto")
    if envelope not in ENVELOPES:
        raise ValidationError(f"envelope must be one of {', '.join(ENVELOPES)}, not "
                              f"{envelope!r}", where=f"{where}: envelope")
    paths = dict(default.paths)
    paths.update(_paths(data.get("paths", {}), OPERATIONS, f"{where}: [paths]"))
    account = dict(default.account)
    account.update(_paths(data.get("account", {}), ACCOUNT_PATHS, f"{where}: [account]"))
    fields: dict[str, dict[str, str]] = {}
    for operation, renames in _table(data.get("fields", {}), f"{where}: [fields]").items():
        _known([operation], OPERATIONS, f"{where}: [fields]", "operation")
        here = f"{where}: [fields.{operation}]"
        known = OPERATIONS[operation].fields
        checked = {}
        for name, wire in _table(renames, here).items():
            _known([name], known, here, f"field of {operation}")
            if not isinstance(wire, str) or not _WIRE_NAME.match(wire):
                raise ValidationError(f"{name} = {wire!r}: a wire name is a plain identifier",
                                      where=here)
            checked[name] = wire
        fields[operation] = checked
    return Routes(paths=paths, fields=fields, account=account, envelope=envelope,
                  source=source)


def _paths(table: Any, known: Mapping[str, Any], where: str) -> dict[str, str]:
    out = {}
    for name, path in _table(table, where).items():
        _known([name], known, where, "route")
        if not isinstance(path, str) or not _PATH.match(path) or "//" in path:
            raise ValidationError(f"{name} = {path!r}: a path starts with '/' and holds no "
                                  "spaces, control characters, '?' or '#'", where=where)
        out[name] = path
    return out


def _table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(f"expected a table, found {type(value).__name__}", where=where)
    return value


def _known(names: Any, known: Any, where: str, what: str) -> None:
    for name in names:
        if name not in known:
            near = difflib.get_close_matches(str(name), list(known), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else f"; known: {', '.join(known)}"
            raise ValidationError(f"unknown {what} {name!r}{hint}", where=where)
