"""The sample media and catalog snapshot that ship inside the package, wherever it is installed.

These files are the single source: the repository's ``datasets/media/sample.mp4``,
``datasets/media/face.png`` and ``datasets/voices/catalog.json`` are symbolic links to them, so
the repository stays browsable and a wheel carries the same bytes.

>>> from qavix_lab import samples
>>> samples.video()          # 10 s, 640x360, English speech, burned subtitles, a watermark
PosixPath('.../qavix_lab/samples/sample.mp4')
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import QavixError

__all__ = ["path", "video", "face", "catalog", "NAMES"]

NAMES = ("sample.mp4", "face.png", "catalog.json")


def path(name: str) -> Path:
    """The installed file ``name`` (one of :data:`NAMES`) as a filesystem path."""
    if name not in NAMES:
        raise QavixError(f"no sample named {name!r}; there are {', '.join(NAMES)}",
                         where="qavix_lab.samples")
    found = resources.files(__name__).joinpath(name)
    if not isinstance(found, Path) or not found.is_file():
        raise QavixError(f"the sample {name} is missing from this installation of qavix_lab "
                         "(reinstall the package)", where=str(found))
    return found


def video() -> Path:
    """``sample.mp4``: 10 s, 640x360, 24 fps, H.264 + AAC, English speech with burned subtitles
    and a "QAVIX DEMO" watermark at x, y, w, h = 448, 10, 180, 40."""
    return path("sample.mp4")


def face() -> Path:
    """``face.png``: a 256x256 cartoon face with a transparent background (for face swap)."""
    return path("face.png")


def catalog() -> Path:
    """``catalog.json``: a voice catalog snapshot (82 voices, 12 languages) for ``load_catalog``."""
    return path("catalog.json")
