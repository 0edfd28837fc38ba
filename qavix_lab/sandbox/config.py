"""Sandbox settings: every timing, limit and fault the sandbox can be told to have."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from ..spec.urls import Resolver


def new_api_key() -> str:
    return "qvx-sandbox-" + secrets.token_urlsafe(18)



@dataclass
class SandboxConfig:
    """How the sandbox behaves. All durations are in seconds.

    ``resolver`` maps a host name to IP addresses for the URL safety rules (default: the system
    resolver); tests give a table so no name is ever looked up on the network. The API keys
    never show in the repr.
    """

    api_keys: list[str] = field(default_factory=lambda: [new_api_key()], repr=False)
    tts_seconds: float = 2.0  # how long a TTS task takes
    video_min_seconds: float = 1.0  # a video task takes at least this long
    link_ttl: float = 3600.0  # temporary download URLs
    credential_ttl: float = 900.0  # temporary upload credentials
    rate_limit: float | None = None  # requests per second per key; None = unlimited
    rate_burst: int = 20
    allow_hosts: tuple[str, ...] = ()  # URL allow-list; empty = any public host
    max_url_length: int = 2048
    max_text_length: int = 5000
    resolver: Resolver | None = None
    dns_timeout: float = 3.0  # a name not resolved in time is answered 10025
    data_dir: Path | None = None  # where objects live; default a temporary directory
    video_workers: int = 2
    speech_engine: str | None = None  # "espeak", "synthetic" or None (espeak when installed)
    # what a hostile client meets
    header_timeout: float = 10.0  # a request head not complete in time closes the connection
    body_timeout: float = 30.0  # the API's whole JSON body; each piece of an upload's body
    max_json_bytes: int = 1024 * 1024  # larger API bodies are answered 413
    max_connections: int = 512  # more concurrent connections are answered 503
    log_rate: float = 2.0  # log lines per second after a burst of log_burst
    log_burst: int = 50

    @property
    def api_key(self) -> str:
        return self.api_keys[0]
