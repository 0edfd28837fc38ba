"""``qavix-lab doctor``: what the service at a base URL speaks, found with calls that cost nothing.

It checks, in order: the URL, DNS, TLS, the key (the voice list), which envelope the answers use
(``WebResult`` or the ``success/data/error`` one), every configured path, the account endpoints,
the clock (the ``Date`` header) and the rate-limit headers. Paths are probed with an empty body:
a create endpoint then answers "parameter required" (4005 or ``missing_field``) and creates
nothing. When a path is missing, the service's OpenAPI document (where it publishes one) is read
and each operation matched by its operationId, summary or path, and the report ends with the
exact routes file to use (see :mod:`qavix_lab.spec.routes`).

The key is sent only as the ``Authorization`` header and appears nowhere in the report.

>>> report = diagnose("https://qavixi.com/qavix", api_key)      # doctest: +SKIP
>>> print(report.text())                                          # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import email.utils
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from .errors import redact
from .spec import OPERATIONS
from .spec.routes import Routes, changes_toml, load_routes

Verdict = Literal["ok", "warn", "fail", "info"]
_OPENAPI_PATHS = ("openapi.json", "/openapi.json", "/v3/api-docs", "/v2/api-docs",
                  "/swagger.json")
_RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
                 "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy",
                 "retry-after")
_MAX_SKEW_S = 60.0


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    check: str
    verdict: Verdict
    detail: str
    fix: str = ""


@dataclass
class Report:
    """What the doctor found: the checks, the envelope spoken, the routes to change."""

    base_url: str
    checks: list[Check] = field(default_factory=list)
    envelope: str | None = None
    suggested: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(c.verdict == "fail" for c in self.checks)

    @property
    def suggested_toml(self) -> str:
        return changes_toml(self.suggested)

    def add(self, check: str, verdict: Verdict, detail: str, fix: str = "") -> None:
        self.checks.append(Check(check, verdict, redact(detail), redact(fix)))

    def to_json(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "ok": self.ok, "envelope": self.envelope,
                "checks": [asdict(c) for c in self.checks], "suggested_routes": self.suggested,
                "suggested_routes_toml": self.suggested_toml}

    def frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame([asdict(c) for c in self.checks]).astype("string")

    def text(self) -> str:
        width = max([len(c.check) for c in self.checks] + [5])
        lines = [f"qavix-lab doctor: {self.base_url}", ""]
        for c in self.checks:
            lines.append(f"{c.verdict.upper():<5} {c.check:<{width}}  {c.detail}")
            if c.fix:
                lines.append(f"{'':<5} {'':<{width}}  fix: {c.fix}")
        failed = sum(c.verdict == "fail" for c in self.checks)
        warned = sum(c.verdict == "warn" for c in self.checks)
        lines += ["", "verdict: " + ("ready" if not failed and not warned else
                                     f"{failed} failed, {warned} to look at")]
        if self.suggested:
            lines += ["", "Save this as routes.toml and set QAVIX_ROUTES=routes.toml (or pass "
                      "routes='routes.toml' to the client):", "", self.suggested_toml.rstrip()]
        return "\n".join(lines)


def diagnose(base_url: str, api_key: str, routes: Routes | str | None = None, *,
             timeout: float = 10.0, transport: httpx.BaseTransport | None = None) -> Report:
    """Check the service at ``base_url`` with ``api_key``; never spends a credit."""
    routes = load_routes(routes)
    report = Report(base_url=base_url)
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        report.add("url", "fail", f"{base_url!r} is not an http(s) URL",
                   "give the base URL, e.g. https://qavixi.com/qavix")
        return report
    report.add("url", "ok", f"{parts.scheme}://{parts.hostname}"
               + (f":{parts.port}" if parts.port else "") + (parts.path or "/"))
    if transport is None and not _dns(report, parts.hostname, parts.port):
        return report
    if parts.scheme == "https" and transport is None:
        _tls(report, parts.hostname, parts.port or 443, timeout)
    elif parts.scheme == "http":
        local = _is_loopback(parts.hostname)
        report.add("tls", "info" if local else "warn",
                   "plain http" + (" on loopback" if local else ": the key travels unencrypted"),
                   "" if local else "use https")
    headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
    with httpx.Client(base_url=base_url.rstrip("/") + "/", headers=headers, timeout=timeout,
                      transport=transport, follow_redirects=False) as http:
        first = _probe(http, "POST", routes.path("voices.list"))
        _auth_and_envelope(report, first)
        _clock(report, first.response)
        _rate_limits(report, first.response)
        missing = _paths(report, http, routes)
        _account(report, http, routes)
        if missing:
            _suggest(report, http, routes, missing)
    return report


@dataclass
class _Answer:
    """What one probe got back: the response (None on a transport error) and its JSON."""

    response: httpx.Response | None
    body: Any = None
    error: str | None = None

    @property
    def envelope(self) -> str | None:
        if isinstance(self.body, Mapping):
            if "success" in self.body:
                return "v2"
            if "code" in self.body and "message" in self.body:
                return "webresult"
        return None

    def describe(self) -> str:
        if self.response is None:
            return f"no answer ({self.error})"
        status = self.response.status_code
        if self.envelope == "webresult":
            return f"HTTP {status}, WebResult code {self.body.get('code')} " \
                   f"({str(self.body.get('message'))[:60]})"
        if self.envelope == "v2":
            error = self.body.get("error") or {}
            if self.body.get("success"):
                return f"HTTP {status}, success"
            return f"HTTP {status}, error {error.get('type')}/{error.get('code')}"
        kind = self.response.headers.get("content-type", "?").split(";")[0]
        return f"HTTP {status} ({kind})"


def _probe(http: httpx.Client, method: str, path: str) -> _Answer:
    try:
        response = http.request(method, path.lstrip("/"),
                                json={} if method == "POST" else None)
    except httpx.HTTPError as exc:
        return _Answer(None, error=f"{type(exc).__name__}: {exc}")
    try:
        body = response.json()
    except ValueError:
        body = None
    return _Answer(response, body)


def _dns(report: Report, host: str, port: int | None) -> bool:
    try:
        ipaddress.ip_address(host)
        report.add("dns", "info", f"{host} is an address; nothing to resolve")
        return True
    except ValueError:
        pass
    started = time.monotonic()
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        report.add("dns", "fail", f"{host} does not resolve ({exc})",
                   "check the host name in the base URL and the network")
        return False
    addresses = sorted({str(info[4][0]) for info in infos})
    report.add("dns", "ok", f"{host} -> {', '.join(addresses[:4])} "
               f"in {1000 * (time.monotonic() - started):.0f} ms")
    return True


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _tls(report: Report, host: str, port: int, timeout: float) -> None:
    context = ssl.create_default_context()
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=host) as tls:
            cert = tls.getpeercert() or {}
            version = tls.version()
    except (OSError, ssl.SSLError) as exc:
        report.add("tls", "fail", f"no TLS session with {host}:{port} ({exc})",
                   "check the URL's scheme and port, or the machine's CA certificates")
        return
    expires = cert.get("notAfter")
    detail = f"{version}, certificate valid until {expires}" if expires else f"{version}"
    report.add("tls", "ok", detail)


def _auth_and_envelope(report: Report, answer: _Answer) -> None:
    report.envelope = answer.envelope
    where = "voice list"
    if answer.response is None:
        report.add("auth", "fail", f"{where}: {answer.describe()}",
                   "check that the service is up and the base URL is right")
        return
    status = answer.response.status_code
    if answer.envelope is None:
        report.add("envelope", "fail", f"{where}: {answer.describe()} is neither a WebResult "
                   "nor a success/data/error answer",
                   "check the base URL; the voice-list path may differ (see paths below)")
    else:
        label = {"webresult": "WebResult {code, message, result}",
                 "v2": "success/data/error/usage"}[answer.envelope]
        report.add("envelope", "ok", label)
    refused = status in (401, 403) or (
        answer.envelope == "webresult" and answer.body.get("code") == 4001) or (
        answer.envelope == "v2" and not answer.body.get("success")
        and str((answer.body.get("error") or {}).get("type", "")).startswith("auth"))
    if refused:
        report.add("auth", "fail", f"the key was refused ({answer.describe()})",
                   "check QAVIX_API_KEY (no quotes, no spaces or newline)")
    elif answer.envelope is not None and _succeeded(answer):
        report.add("auth", "ok", "the key is accepted (the voice list answered)")
    elif answer.envelope is not None:
        report.add("auth", "warn", f"the voice list answered {answer.describe()}")


def _succeeded(answer: _Answer) -> bool:
    if answer.envelope == "webresult":
        return bool(answer.body.get("code") == 0)
    return bool(answer.body.get("success"))


def _understood(answer: _Answer) -> bool:
    """The path exists: the service answered in one of its envelopes (an error included)."""
    return answer.envelope is not None and answer.response is not None and \
        answer.response.status_code != 404


def _paths(report: Report, http: httpx.Client, routes: Routes) -> list[str]:
    missing = []
    for name in OPERATIONS:
        path = routes.path(name)
        answer = _probe(http, "POST", path)
        if _understood(answer):
            report.add(f"path {name}", "ok", f"POST {path}: {answer.describe()}")
        else:
            missing.append(name)
            report.add(f"path {name}", "fail", f"POST {path}: {answer.describe()}")
    return missing


def _account(report: Report, http: httpx.Client, routes: Routes) -> None:
    for name in routes.account:
        path = routes.path(name)
        answer = _probe(http, "GET", path)
        if _understood(answer):
            report.add(f"account {name}", "ok", f"GET {path}: {answer.describe()}")
        else:
            report.add(f"account {name}", "info", f"GET {path}: {answer.describe()}: no such "
                       "endpoint here; balance and usage history are unavailable")


def _clock(report: Report, response: httpx.Response | None) -> None:
    date = response.headers.get("date") if response is not None else None
    if not date:
        report.add("clock", "info", "the service sent no Date header")
        return
    try:
        theirs = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError):
        report.add("clock", "warn", f"unreadable Date header {date!r}")
        return
    skew = (datetime.now(UTC) - theirs).total_seconds()
    verdict: Verdict = "ok" if abs(skew) <= _MAX_SKEW_S else "warn"
    report.add("clock", verdict, f"this machine is {skew:+.1f} s off the service's clock",
               "" if verdict == "ok" else "sync the clock (expiry times and signatures)")


def _rate_limits(report: Report, response: httpx.Response | None) -> None:
    if response is None:
        return
    found = {h: response.headers[h] for h in _RATE_HEADERS if h in response.headers}
    if found:
        report.add("rate limits", "info", ", ".join(f"{k}: {v}" for k, v in found.items()))
    else:
        report.add("rate limits", "info", "none advertised; 429 answers are honoured anyway")


def _suggest(report: Report, http: httpx.Client, routes: Routes, missing: list[str]) -> None:
    document, where = _openapi(http)
    if document is None:
        report.add("suggestion", "warn", f"{len(missing)} path(s) did not answer and the "
                   "service publishes no OpenAPI document to find them in",
                   "ask the vendor for the paths and write them in a routes file")
        return
    offered = _operations(document)
    prefix = urlsplit(str(http.base_url)).path.rstrip("/")
    found: dict[str, str] = {}
    for name in missing:
        path = _match(name, offered)
        if path is not None:
            found[name] = path[len(prefix):] if prefix and path.startswith(prefix + "/") \
                else path
    changes = routes.changes()
    if found:
        changes.setdefault("paths", {}).update(found)
        report.suggested = changes
    unmatched = [n for n in missing if n not in found]
    report.add("suggestion", "warn" if unmatched else "info",
               f"read {where}: found {len(found)} of {len(missing)} missing path(s)"
               + (f"; not found: {', '.join(unmatched)}" if unmatched else ""),
               "apply the routes file below" if found else "")


def _openapi(http: httpx.Client) -> tuple[dict[str, Any] | None, str]:
    for path in _OPENAPI_PATHS:
        answer = _probe(http, "GET", path) if not path.startswith("/") else _absolute(http, path)
        if isinstance(answer.body, Mapping) and isinstance(answer.body.get("paths"), Mapping):
            return dict(answer.body), path
    return None, ""


def _absolute(http: httpx.Client, path: str) -> _Answer:
    url = str(http.base_url.copy_with(path=path, query=None))
    try:
        response = http.get(url)
        return _Answer(response, response.json())
    except (httpx.HTTPError, ValueError, json.JSONDecodeError) as exc:
        return _Answer(None, error=str(exc))


def _operations(document: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(path, operationId, summary) of every POST in an OpenAPI document."""
    out = []
    for path, methods in (document.get("paths") or {}).items():
        post = methods.get("post") if isinstance(methods, Mapping) else None
        if isinstance(post, Mapping):
            out.append((str(path), str(post.get("operationId", "")),
                        str(post.get("summary", ""))))
    return out


def _match(name: str, offered: list[tuple[str, str, str]]) -> str | None:
    op = OPERATIONS[name]
    for path, operation_id, summary in offered:
        if operation_id == name or (summary and summary == op.summary):
            return path
    tail = "/".join(op.path.strip("/").split("/")[-2:])
    tails = {"/".join(p.strip("/").split("/")[-2:]): p for p, _, _ in offered}
    near = difflib.get_close_matches(tail, list(tails), n=1, cutoff=0.8)
    return tails[near[0]] if near else None
