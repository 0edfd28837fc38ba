"""The service's URL safety rules (SSRF protection, codes 10020..10028) as one pure function.

The sandbox judges every ``videoUrl``/``audioUrl``/``imageUrl`` with :func:`check_url`; the client
calls the same function offline (no ``resolve``) to refuse a URL before a paid request is sent.

>>> check_url("http://localhost./a.mp4").code
10024
>>> check_url("https://cdn.example.com/a.mp4") is None
True
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import URL_REASONS

__all__ = ["Resolver", "UrlVerdict", "address_blocked", "check_url",
           "embedded_ipv4", "system_resolver"]


BLOCKED_HOSTS = frozenset({"localhost", "metadata", "metadata.google.internal",
                           "metadata.azure.com", "instance-data", "instance-data.ec2.internal"})
BLOCKED_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain")
DEFAULT_MAX_LENGTH = 2048

Resolver = Callable[[str], list[str]]

_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")  # a host ending so is an IPv4 (WHATWG)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIIT = ipaddress.ip_network("::ffff:0:0:0/96")  # "IPv4-translated" ::ffff:0:a.b.c.d


@dataclass(frozen=True)
class UrlVerdict:
    """Why a URL is refused: the service's ``code``, its ``reason`` name and general
    ``explanation`` (from ``qavix_lab.errors.URL_REASONS``) and the ``detail`` of this URL."""

    code: int
    detail: str

    @property
    def reason(self) -> str:
        return URL_REASONS[self.code][0]

    @property
    def explanation(self) -> str:
        return URL_REASONS[self.code][1]

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}"


def system_resolver(host: str) -> list[str]:
    """The host's addresses from the system resolver (blocking; may take seconds)."""
    # The address is text but for IPv6 in a Python built without IPv6 (it cannot connect there)
    return sorted({info[4][0] for info in socket.getaddrinfo(host, None)
                   if isinstance(info[4][0], str)})


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, translated, compatible, NAT64,
    6to4, Teredo server and client), or ``[]``."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    if ip in _SIIT or ip in _NAT64:
        return [low32]
    if int(ip) >> 32 == 0 and int(ip) > 1:  # IPv4-compatible ::a.b.c.d (not :: or ::1)
        return [low32]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    return []


def address_blocked(address: str) -> bool:
    """True when the service must not fetch from ``address`` (private, local, reserved...)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:  # a resolver's garbage is never fetched from
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner:
            return any(address_blocked(str(v4)) for v4 in inner)
    return not ip.is_global or ip.is_multicast


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None | bool:
    """The IP a host names literally; None for a name; False for a malformed numeric host."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        try:  # the legacy forms a fetcher still accepts: 2130706433, 0x7f.1, 127.1
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return False
    return None


def _name(host: str) -> str | None:
    """The host name in ASCII without its root dot, or None when it is not a valid name."""
    if host.endswith("."):
        host = host[:-1]
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    labels = host.split(".")
    return host if all(_HOST_LABEL.match(label) for label in labels) else None


def check_url(url: object, *, resolve: Resolver | None = None, allow_hosts: Iterable[str] = (),
              max_length: int | None = DEFAULT_MAX_LENGTH, own_origins: Iterable[str] = ()
              ) -> UrlVerdict | None:
    """``None`` when the service may fetch ``url``, else the :class:`UrlVerdict` it answers.

    Without ``resolve`` the check is offline: a host name that passes every other rule passes
    (the service may still refuse it with 10025 or 10026 after resolving it). ``resolve`` maps a
    name to its addresses and may raise ``OSError`` for a name that does not resolve.
    ``allow_hosts`` is an allow-list (a host or any subdomain of it); ``own_origins`` are
    ``scheme://host:port`` prefixes always accepted (the sandbox's own storage links);
    ``max_length=None`` skips the length rule (the live service's limit is not published).
    """
    if not isinstance(url, str) or not url.strip():
        return UrlVerdict(10020, "not a URL string")
    if max_length is not None and len(url) > max_length:
        return UrlVerdict(10028, f"{len(url)} characters, at most {max_length}")
    control = _CONTROL.search(url)
    if control:
        return UrlVerdict(10020, f"control character {control.group()!r} at {control.start()}")
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 -- parsed only to reject a malformed or out-of-range port
    except ValueError as exc:
        return UrlVerdict(10020, str(exc))
    if parts.scheme.lower() not in ("http", "https"):
        return UrlVerdict(10021, repr(parts.scheme or "no scheme"))
    if "@" in parts.netloc:
        return UrlVerdict(10022, "user:pass@host")
    if f"{parts.scheme.lower()}://{parts.netloc.lower()}" in set(own_origins):
        return None
    host = (parts.hostname or "").lower()
    if not host:
        return UrlVerdict(10023, "no host")
    literal = _literal(host)
    if literal is False:
        return UrlVerdict(10023, repr(host))
    if isinstance(literal, ipaddress.IPv4Address | ipaddress.IPv6Address):
        if address_blocked(str(literal)):
            return UrlVerdict(10026, host)
        return _allowed(host, allow_hosts)
    name = _name(host)
    if name is None:
        return UrlVerdict(10023, repr(host))
    if name in BLOCKED_HOSTS or name.endswith(BLOCKED_SUFFIXES):
        return UrlVerdict(10024, name)
    return _allowed(name, allow_hosts) or (None if resolve is None else _resolved(name, resolve))


def _allowed(host: str, allow_hosts: Iterable[str]) -> UrlVerdict | None:
    allowed = {h.lower().rstrip(".") for h in allow_hosts}
    if allowed and host not in allowed and not any(host.endswith("." + h) for h in allowed):
        return UrlVerdict(10027, host)
    return None


def _resolved(name: str, resolve: Resolver) -> UrlVerdict | None:
    try:
        addresses = resolve(name)
    except (OSError, KeyError, UnicodeError):
        addresses = []
    if not addresses:
        return UrlVerdict(10025, name)
    blocked = [a for a in addresses if address_blocked(a)]
    if blocked:
        return UrlVerdict(10026, f"{name} resolves to {blocked[0]}")
    return None
