"""The URL safety rules of the reference (SSRF protection), codes 10020..10028."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from .config import Resolver

BLOCKED_HOSTS = {"localhost", "metadata", "metadata.google.internal", "metadata.azure.com",
                 "instance-data", "instance-data.ec2.internal"}
BLOCKED_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def system_resolver(host: str) -> list[str]:
    # The address is text but for IPv6 in a Python built without IPv6 (it cannot connect there)
    return sorted({info[4][0] for info in socket.getaddrinfo(host, None)
                   if isinstance(info[4][0], str)})


def _address_blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _valid_host(host: str) -> bool:
    labels = host.rstrip(".").split(".")
    return all(_HOST_LABEL.match(label) for label in labels)


def check_url(url: object, *, max_length: int = 2048, allow_hosts: Iterable[str] = (),
              resolver: Resolver | None = None, own_origins: Iterable[str] = ()
              ) -> tuple[int, str] | None:
    """``None`` when the URL may be fetched, else ``(code, reason)``."""
    if not isinstance(url, str) or not url.strip():
        return 10020, "URL_INVALID: not a URL string"
    if len(url) > max_length:
        return 10028, f"URL_TOO_LONG: {len(url)} characters, at most {max_length}"
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        return 10020, f"URL_INVALID: {exc}"
    if parts.scheme.lower() not in ("http", "https"):
        return 10021, f"URL_SCHEME_NOT_ALLOWED: {parts.scheme or 'no scheme'!r}"
    if "@" in parts.netloc:
        return 10022, "URL_USERINFO_NOT_ALLOWED: user:pass@host"
    host = (parts.hostname or "").lower()
    origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
    if origin in set(own_origins):
        return None  # the sandbox's own storage links
    if not host:
        return 10023, "URL_HOST_INVALID: no host"
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is None and not _valid_host(host):
        return 10023, f"URL_HOST_INVALID: {host!r}"
    if host in BLOCKED_HOSTS or host.endswith(BLOCKED_SUFFIXES):
        return 10024, f"URL_HOST_BLOCKED: {host}"
    if literal is not None and _address_blocked(str(literal)):
        return 10026, f"URL_ADDRESS_BLOCKED: {host}"
    allowed = {h.lower() for h in allow_hosts}
    if allowed and host not in allowed and not any(host.endswith("." + h) for h in allowed):
        return 10027, f"URL_HOST_NOT_ALLOWED: {host}"
    del port  # only parsed to reject malformed ports
    if literal is not None:
        return None
    try:
        addresses = (resolver or system_resolver)(host)
    except (OSError, KeyError, UnicodeError):
        addresses = []
    if not addresses:
        return 10025, f"URL_HOST_UNRESOLVED: {host}"
    blocked = [a for a in addresses if _address_blocked(a)]
    if blocked:
        return 10026, f"URL_ADDRESS_BLOCKED: {host} resolves to {blocked[0]}"
    return None
