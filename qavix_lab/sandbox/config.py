"""Sandbox settings: every timing, limit and fault the sandbox can be told to have."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from ..spec.urls import Resolver

# Credits per call; operations not listed are free (reads, uploads).
DEFAULT_PRICES: dict[str, int] = {
    "tts.create": 10, "voices.clone": 100, "video.translate": 60, "video.erase": 40,
    "video.subtitles": 30, "video.lipsync": 50, "video.faceswap": 50,
}


def shuffled_paths(seed: int = 1) -> dict[str, str]:
    """Every operation and account endpoint on a path other than the spec's (another prefix,
    other words), the same for the same seed: a service whose routes differ from our guess.

    >>> shuffled_paths()["voices.list"]  # doctest: +SKIP
    '/api/v2/voice/list'
    """
    from ..spec import OPERATIONS
    from ..spec.envelopes import ACCOUNT_PATHS

    rng = random.Random(seed)
    prefix = rng.choice(["/api/v2", "/open/v1", "/openapi/v2", "/v1/open"])
    words = {"timbre": rng.choice(["voice", "voices", "speaker"]),
             "create": rng.choice(["submit", "new", "start"]),
             "query": rng.choice(["get", "detail", "status"]),
             "file": rng.choice(["files", "storage"])}
    spec = {**{op.name: op.path for op in OPERATIONS.values()}, **ACCOUNT_PATHS}
    return {name: prefix + "/" + "/".join(words.get(part, part) for part in
                                          path.removeprefix("/openapi/").split("/"))
            for name, path in spec.items()}


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
    clock_skew: float = 0.0  # seconds the Date header is off the real time
    allow_hosts: tuple[str, ...] = ()  # URL allow-list; empty = any public host
    max_url_length: int = 2048
    max_text_length: int = 5000
    resolver: Resolver | None = None
    dns_timeout: float = 3.0  # a name not resolved in time is answered 10025
    data_dir: Path | None = None  # where objects live; default a temporary directory
    video_workers: int = 2
    speech_engine: str | None = None  # "espeak", "synthetic" or None (espeak when installed)
    # the wire: "webresult" (the reference) or "v2" (success/data/usage); paths by operation name
    envelope: str = "webresult"
    paths: dict[str, str] = field(default_factory=dict)  # e.g. from shuffled_paths()
    # credits
    prices: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    starting_credits: int = 1_000_000  # per key; tests set less to run out
    plan: str = "sandbox"
    # what a hostile client meets
    header_timeout: float = 10.0  # a request head not complete in time closes the connection
    body_timeout: float = 30.0  # the API's whole JSON body; each piece of an upload's body
    max_json_bytes: int = 1024 * 1024  # larger API bodies are answered 413
    max_connections: int = 512  # more concurrent connections are answered 503
    log_rate: float = 2.0  # log lines per second after a burst of log_burst
    log_burst: int = 50

    def __post_init__(self) -> None:
        from ..spec import OPERATIONS
        from ..spec.envelopes import ACCOUNT_PATHS, ENVELOPES

        if self.envelope not in ENVELOPES:
            raise ValueError(f"envelope must be one of {', '.join(ENVELOPES)}, "
                             f"got {self.envelope!r}")
        unknown = set(self.paths) - set(OPERATIONS) - set(ACCOUNT_PATHS)
        bad = [p for p in self.paths.values() if not str(p).startswith("/")]
        if unknown or bad:
            raise ValueError(f"paths: unknown operations {sorted(unknown)} or paths not "
                             f"starting with '/' {bad}")

    @property
    def api_key(self) -> str:
        return self.api_keys[0]
