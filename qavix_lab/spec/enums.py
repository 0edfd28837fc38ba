"""Enumerated request fields of the contract (erasure), and the one coercer for enum arguments."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, TypeVar

from .. import errors  # as a module: errors itself imports this package's code table

E = TypeVar("E", bound=IntEnum)


class RegionType(IntEnum):
    """What a region holds: ``LOGO`` (service ``logo_erase``) or ``SUBTITLE`` (``text_erase``)."""

    LOGO = 1
    SUBTITLE = 2


class EraseMode(IntEnum):
    """The ``eraseMode`` field (preferred over the legacy ``modelType``)."""

    NONE = -2
    AUTO = 1
    MANUAL = 2
    PROTECT = 3


class EraseType(IntEnum):
    """The ``eraseType`` field: what to erase."""

    SUBTITLES = 1
    WATERMARK = 2
    BOTH = 3


def coerce(cls: type[E], value: Any, where: str) -> E:
    """A member from itself, its value or its name in any case (``"logo"``)."""
    if isinstance(value, str):
        member = cls.__members__.get(value.strip().upper())
    elif isinstance(value, bool):
        member = None
    else:
        member = next((m for m in cls if m.value == value), None)
    if member is None:
        names = ", ".join(f"{m.name}={m.value}" for m in cls)
        raise errors.ValidationError(f"{value!r} is not a {cls.__name__} ({names})", where=where)
    return member
