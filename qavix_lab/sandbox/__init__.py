"""A Qavix-compatible server on loopback, built on ``qavix_lab.spec`` alone.

>>> from qavix_lab.sandbox import Sandbox
>>> with Sandbox(tts_seconds=1) as sb:
...     print(sb.url, sb.api_key)
"""

from .config import SandboxConfig
from .runner import Sandbox, free_port

__all__ = ["Sandbox", "SandboxConfig", "free_port"]
