"""``parse``: any iFlytek transcript shape to a :class:`Timeline`; ``from_task``: both timelines
of a finished translation task."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

from ..errors import TranscriptFormatError, ValidationError
from . import fast, lfasr, rtasr, sentence_list
from .draft import Draft
from .records import decoded, describe, fault
from .timeline import Timeline

Format = Literal["rtasr", "lfasr", "sentences"]
READERS: dict[str, Callable[[Any, str], Draft]] = {
    "rtasr": rtasr.read, "lfasr": lfasr.read, "sentences": sentence_list.read,
}
V1_KEYS = ("err_no", "data")  # the long-audio v1 answer {"ok", "err_no", "failed", "data"}
_EXPECTED = ("expected rtasr messages (cn.st), a long-audio result (lattice, lattice2, "
             "orderResult) or a sentence list (bg, ed, onebest, wordsResultList)")


def parse(obj_or_str: Any, format: Format | None = None, *, lang: str | None = None,
          raw: bool = False, where: str = "transcript") -> Timeline:
    """A :class:`Timeline` from a transcript in any iFlytek shape: a JSON string, bytes, or the
    decoded object. ``format`` forces a shape ("rtasr", "lfasr", "sentences"); by default it is
    detected. Anything else raises :class:`TranscriptFormatError` naming the place, and so do
    negative, reversed, non-finite or absurd (over a week) times.

    ``raw``: for a long-audio (lfasr) result, read the raw ``lattice2`` (fillers and repeats
    kept) instead of the smoothed ``lattice``. The long-audio v1 answer (``{"ok", "err_no",
    "failed", "data": "<JSON text>"}``) is unwrapped; one reporting an error raises.

    >>> parse(task.original_rtasr_info).sentences.head()   # doctest: +SKIP
    """
    if format is not None and format not in READERS:
        raise ValidationError(f"format must be one of {', '.join(READERS)} or None, "
                              f"not {format!r}", where="parse(format)")
    with _collector_paused():
        timeline = _read(obj_or_str, format, where, lang, raw)
    return timeline


def _read(obj_or_str: Any, format: Format | None, where: str, lang: str | None,
          raw: bool) -> Timeline:
    if isinstance(obj_or_str, str | bytes | bytearray):
        draft = fast.read(obj_or_str, format, raw)
        if draft is not None:
            try:
                return draft.timeline(where, lang=lang)
            except TranscriptFormatError:
                pass  # read again the general way, which names the place of the fault
    # The decoded JSON dies when this returns, before the collector is back: left for later,
    # its millions of young objects would make the collector's next pass slow.
    value, where = _opened_v1(decoded(obj_or_str, where), where)
    shape = format or detect(value, where)
    draft = lfasr.read(value, where, raw=raw) if shape == "lfasr" else READERS[shape](value,
                                                                                      where)
    return draft.timeline(where, lang=lang)


def _opened_v1(value: Any, where: str) -> tuple[Any, str]:
    """The sentence list inside a long-audio v1 answer; other values as they are."""
    if not (isinstance(value, dict) and all(k in value for k in V1_KEYS)):
        return value, where
    ok, err_no = value.get("ok", 0), value.get("err_no", 0)
    if str(ok) != "0" or str(err_no) != "0":
        failed = value.get("failed")
        raise fault(where, f"the service reported an error: ok {ok}, err_no {err_no}"
                    + (f", {failed}" if failed else ""))
    where = f"{where}.data"
    return decoded(value["data"], where), where


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a long transcript decodes into millions of small
    acyclic objects, and the collector's repeated passes over them cost more than parsing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def detect(value: Any, where: str = "transcript") -> Format:
    """Which shape a decoded transcript has (inside a long-audio v1 answer: its data's)."""
    value, where = _opened_v1(value, where)
    if isinstance(value, list):
        if not value:
            raise fault(where, f"an empty list: no sentences; {_EXPECTED}")
        first = decoded(value[0], f"{where}[0]")
        if isinstance(first, dict):
            if any(k in first for k in sentence_list.SENTENCE_KEYS):
                return "sentences"
            if rtasr.is_message(first):
                return "rtasr"
            if "bg" in first and "ed" in first:
                return "sentences"
        raise fault(f"{where}[0]", f"unknown transcript item: {describe(first)}; {_EXPECTED}")
    if isinstance(value, dict):
        if lfasr.is_result(value):
            return "lfasr"
        if rtasr.is_message(value):
            return "rtasr"
        raise fault(where, f"unknown transcript shape: {describe(value)}; {_EXPECTED}")
    raise fault(where, f"unknown transcript shape: {describe(value)}; {_EXPECTED}")


def from_task(task: Mapping[str, Any] | object) -> tuple[Timeline, Timeline]:
    """The source and translated timelines of a finished video translation task.

    ``task`` is the task-query result: a dict with ``originalRtasrInfo``/``destRtasrInfo``
    (camelCase, as on the wire) or an object with ``original_rtasr_info``/``dest_rtasr_info``.
    The source timeline carries the translation of each sentence; the translated one has the
    translation as ``text`` (same times) and the original as ``source_text``.

    >>> source, translated = from_task(client.tasks.get(task_id))   # doctest: +SKIP
    """
    original = _field(task, "originalRtasrInfo", "original_rtasr_info")
    dest = _field(task, "destRtasrInfo", "dest_rtasr_info")
    source_lang = _optional(task, "originalLang", "original_lang")
    dest_lang = _optional(task, "destLang", "dest_lang")
    source = parse(original, lang=source_lang, where="originalRtasrInfo")
    bilingual = parse(dest, lang=source_lang, where="destRtasrInfo")
    if not bilingual.has_translation:
        raise TranscriptFormatError("no translations (dst) in the task's transcript",
                                    where="destRtasrInfo")
    return source.with_translations(bilingual), bilingual.translated(lang=dest_lang)


def _field(task: Any, wire: str, attribute: str) -> Any:
    value = _optional(task, wire, attribute)
    if value is None or value == "" or value == [] or value == {}:
        found = "empty" if value is not None else "missing"
        raise TranscriptFormatError(f"the task's {wire} is {found}: is the task finished "
                                    "(status 1) and a video translation?", where=wire)
    return value


def _optional(task: Any, wire: str, attribute: str) -> Any:
    if isinstance(task, Mapping):
        if wire not in task and isinstance(task.get("result"), Mapping):
            task = task["result"]  # the whole WebResult answer
        return task.get(wire)
    return getattr(task, attribute, None)
