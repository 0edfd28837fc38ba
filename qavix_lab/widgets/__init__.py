"""Jupyter widgets: thin views over the client and the analysis functions.

>>> from qavix_lab.widgets import VoiceBrowser, TtsAB, RegionDrawer, TaskMonitor
>>> from qavix_lab.widgets import ListeningWidget
"""

from __future__ import annotations

import importlib
from typing import Any

_WIDGETS = {
    "RegionDrawer": "qavix_lab.widgets.region_drawer",
    "VoiceBrowser": "qavix_lab.widgets.voice_browser",
    "TtsAB": "qavix_lab.widgets.tts_ab",
    "TaskMonitor": "qavix_lab.widgets.task_monitor",
    "ListeningWidget": "qavix_lab.widgets.listening",
    "TimelinePlayer": "qavix_lab.widgets.timeline_player",
}

__all__ = list(_WIDGETS)


def __getattr__(name: str) -> Any:
    if name not in _WIDGETS:
        raise AttributeError(f"module 'qavix_lab.widgets' has no attribute {name!r}")
    return getattr(importlib.import_module(_WIDGETS[name]), name)
