"""Run the sandbox: ``with Sandbox() as sb:`` in a background thread, or ``serve()`` in front."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from .config import SandboxConfig
from .limits import LogRateLimit, guarded_http
from .server import API_PREFIX, SandboxApp


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class Sandbox:
    """A Qavix-compatible server on loopback.

    >>> with Sandbox() as sb:
    ...     client = Client(sb.api_key, base_url=sb.url)
    """

    def __init__(self, config: SandboxConfig | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, **settings: Any) -> None:
        self.config = config or SandboxConfig(**settings)
        self.host = host
        self.port = port or free_port(host)
        self.app = SandboxApp(self.config)
        self.app.world.origin = f"http://{host}:{self.port}"
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._log_limit = LogRateLimit(self.config.log_rate, self.config.log_burst)

    @property
    def url(self) -> str:
        """The base URL to give a client (``QAVIX_BASE_URL``)."""
        return self.app.world.origin + API_PREFIX

    @property
    def api_key(self) -> str:
        return self.config.api_key

    @property
    def world(self) -> Any:
        return self.app.world

    @property
    def faults(self) -> Any:
        return self.app.faults

    def advance(self, seconds: float) -> None:
        """Move the sandbox's clock (links, credentials and TTS tasks age)."""
        self.app.world.advance(seconds)

    def __repr__(self) -> str:
        state = "running" if self._thread and self._thread.is_alive() else "stopped"
        return f"<Sandbox {self.url} {state}>"

    def _uvicorn(self) -> Any:
        import uvicorn

        settings = self.config
        config = uvicorn.Config(self.app, host=self.host, port=self.port, log_level="warning",
                                access_log=False, lifespan="off", timeout_keep_alive=30,
                                http=guarded_http(settings.header_timeout),
                                limit_concurrency=settings.max_connections,
                                date_header=False)  # the app dates answers by its own clock
        self._log_limit.install()
        return uvicorn.Server(config)

    def start(self) -> Sandbox:
        self._server = self._uvicorn()
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.run, name="qavix-sandbox",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox could not start on {self.host}:{self.port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._log_limit.remove()
        self.app.close()

    def serve(self) -> None:
        """Run in the foreground until interrupted (``qavix-lab sandbox``)."""
        try:
            self._uvicorn().run()
        finally:
            self._log_limit.remove()
            self.app.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
