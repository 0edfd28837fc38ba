"""qavix_lab: the Qavix AI video API from Jupyter and pandas.

>>> import qavix_lab
>>> client = qavix_lab.connect()      # the real service with QAVIX_API_KEY, else a local sandbox
>>> client.voices.frame(lang="en", gender="female", emotion="calm")

Heavy parts (pandas, matplotlib, moviepy, widgets, the sandbox server) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import QavixError

__version__ = "0.1.0"

_LAZY = {
    "Client": "qavix_lab.client",
    "AsyncClient": "qavix_lab.client",
    "connect": "qavix_lab.connection",
    "Sandbox": "qavix_lab.sandbox",
    "Region": "qavix_lab.regions",
    "EraseMode": "qavix_lab.regions",
    "EraseType": "qavix_lab.regions",
    "RegionType": "qavix_lab.regions",
    "TaskStatus": "qavix_lab.spec",
}

__all__ = ["QavixError", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qavix_lab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
