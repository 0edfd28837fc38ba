"""VoiceBrowser: filter the voice catalog, sort and scroll it, hear auditions, pick voices.

A thin view over :func:`qavix_lab.tables.filter_voices`: the filters are its keyword arguments
(``.filters``), the table is its result (``.matches``), the picked voices are catalog rows
(``.selected``). Works on a client's catalog or, offline, on a saved one.

The table is AG Grid Community (MIT), bundled in ``voice_grid.js`` (no CDN) and driven by
its infinite row model: the kernel filters and sorts, the grid fetches the blocks of rows it
scrolls to. Click a header to sort (Popularity: most popular first), shift-click to add a
second key, drag a header's edge to resize. Exported or opened without a kernel, the browser
shows its first rows as an HTML table.

>>> browser = VoiceBrowser(load_catalog("datasets/voices/catalog.json")); browser
>>> browser.filter(lang="en", gender="female"); browser.selected
"""

from __future__ import annotations

import concurrent.futures
import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets

from ..errors import QavixError, ValidationError
from ..tables import code_tables, load_catalog, voice_positions

__all__ = ["VoiceBrowser", "fetch_audition"]

FILTERS = {"lang": "Language", "gender": "Gender", "age": "Age", "emotion": "Emotion",
           "accent": "Accent", "category": "Category"}
# (column, header, first sort on a click, minimum width in px: the header text, its sort arrow
# and the resize handle always fit, so the arrow is never cut off)
COLUMNS = [("name", "Name", "asc", 110), ("lang_name", "Language", "asc", 104),
           ("gender_str", "Gender", "asc", 92), ("age_range_str", "Age", "asc", 100),
           ("emotion_str", "Emotion", "asc", 104), ("accent_str", "Accent", "asc", 98),
           ("category_str_list", "Categories", None, 110),
           ("hot_count", "Popularity", "desc", 120)]
ROW_FIELDS = ["voice_id", "remark", *(c[0] for c in COLUMNS)]  # one row as the grid gets it
ANY = ""  # the "any" choice of a filter menu (a None value would show an empty menu)
FILTER_STYLE = {"description_width": "72px"}
HERE = Path(__file__).resolve().parent
AUDIO_TYPES = {b"ID3": "audio/mpeg", b"RIFF": "audio/wav", b"OggS": "audio/ogg",
               b"fLaC": "audio/flac"}
STATIC_ROWS = 20  # rows in the static HTML view


def fetch_audition(url: str, timeout: float = 5.0) -> bytes:
    """The bytes of an audition sample; ``QavixError`` saying why when they cannot be had.

    >>> fetch_audition(voices.audition_url.iloc[0])[:3]
    b'ID3'
    """
    import httpx

    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise QavixError("this voice has no audition URL", where="audition_url")
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise QavixError(f"cannot fetch the audition ({exc or type(exc).__name__}); a saved "
                         "catalog's auditions play only where their host is reachable",
                         where=url) from None
    if response.status_code >= 400 or not response.content:
        raise QavixError(f"the audition host answered HTTP {response.status_code}", where=url)
    return response.content


def _catalog(source: Any) -> Any:
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        frame = source
    elif isinstance(source, str | Path):
        frame = load_catalog(source)
    elif hasattr(source, "voices") and hasattr(source.voices, "frame"):
        frame = source.voices.frame()
    else:
        raise ValidationError(f"VoiceBrowser shows a client's catalog, a voice DataFrame or a "
                          f"saved catalog path, not {type(source).__name__}",
                          where="VoiceBrowser(source)")
    if "voice_id" not in frame:
        raise ValidationError("the DataFrame has no voice_id column: give a voice frame "
                              "(voices_frame, load_catalog or client.voices.frame())",
                              where="VoiceBrowser(source)")
    return frame.reset_index(drop=True)


def _cell_text(value: Any) -> str:
    import pandas as pd

    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "" if value is None or pd.isna(value) else str(value)


def _sort_ranks(column: Any) -> np.ndarray:
    """Each row's dense rank in the order ``sort_values`` gives the column (categories in their
    own order, text A-Z), ``-1`` for a missing value."""
    values = column.reset_index(drop=True)
    order = values.sort_values(kind="stable").index.to_numpy()
    ordered = values.take(order).to_numpy()
    steps = np.ones(len(order), dtype=np.int64)
    steps[1:] = ordered[1:] != ordered[:-1]
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.cumsum(steps) - 1
    ranks[values.isna().to_numpy()] = -1
    return ranks


def _audio_type(data: bytes) -> str:
    """The MIME type of audition bytes (a blob without one may not play in every browser)."""
    return next((kind for magic, kind in AUDIO_TYPES.items() if data.startswith(magic)),
                "audio/mpeg")


class VoiceGrid(anywidget.AnyWidget):
    """The table of a :class:`VoiceBrowser` (AG Grid in ``voice_grid.js``).

    ``sort``: the sort keys in order, ``{"column": ..., "descending": ...}``; ``selected``: the
    ticked voice IDs in tick order; ``playing``: the voice whose audition plays. Rows travel as
    custom messages, a block at a time: the browser answers the grid's requests.
    """

    _esm = HERE / "voice_grid.js"
    _css = HERE / "voice_grid.css"
    columns = traitlets.List(traitlets.Dict(), help="the columns after the tick box").tag(sync=True)
    # no echo of a click's keys: the rows come one message sooner (the page set them itself)
    sort = traitlets.List(traitlets.Dict(), help="sort keys, first first").tag(
        sync=True, echo_update=False)
    selected = traitlets.List(traitlets.Unicode(), help="ticked voice IDs").tag(sync=True)
    playing = traitlets.Unicode("", help="the voice whose audition plays").tag(sync=True)
    height = traitlets.Int(420, help="the table's height in px").tag(sync=True)
    block_size = traitlets.Int(100, help="rows per request").tag(sync=True)


class _FilterText(widgets.Text):
    """The text filter's box. The kernel does not echo each keystroke back to the page: the
    filtered rows reach it one message sooner (the box shows what was typed already)."""

    value = traitlets.Unicode(help="String value").tag(sync=True, echo_update=False)


class VoiceBrowser(widgets.VBox):
    """Filter, sort and scroll the catalog; click a name to hear it; tick voices to select them.

    ``source``: a client (its cached catalog), a voice DataFrame (``voices_frame`` or
    ``load_catalog``) or a saved catalog's path. ``.selected`` gives the ticked voices' rows;
    ticks of voices that a filter hides are dropped, so ``.selected`` is always what is shown.
    """

    def __init__(self, source: Any, *, height: int = 420, audition_timeout: float = 5.0):
        self.voices = _catalog(source)
        self._position = {str(v): i for i, v in enumerate(self.voices["voice_id"])}
        if isinstance(height, bool) or not isinstance(height, int) or height < 120:
            raise ValidationError(f"height must be a whole number of pixels >= 120, got "
                                  f"{height!r}", where="VoiceBrowser(height=...)")
        self.audition_timeout = audition_timeout
        self._generation = 0
        self._auditions: dict[str, bytes] = {}
        self._fetcher = concurrent.futures.ThreadPoolExecutor(1, "qavix-audition")
        self._positions = voice_positions(self.voices)  # the matches, in order
        # the grid's cells as text, one array per field: a block of rows is 10 numpy takes
        self._cells = {field: np.array([_cell_text(v) for v in self.voices[field].tolist()],
                                       dtype=object) for field in ROW_FIELDS}
        self._matches: Any = None  # their rows, taken when asked for
        self._ranks: dict[str, np.ndarray] = {}  # sortable columns' ranks, made once shown
        self.grid = VoiceGrid(columns=[
            {"field": field, "header": title, "sortable": first is not None,
             "first_sort": first, "min_width": width, "flex": 1.4 if field == "name" else 1}
            for field, title, first, width in COLUMNS], height=height)
        self.grid.add_class("qv-table")
        self.grid.on_msg(self._on_grid_message)
        self.grid.observe(self._on_sort, "sort")
        self.grid.observe(lambda _: self._show_status(), "selected")
        self._status = widgets.Label()
        self._status.add_class("qv-status")
        self._message = widgets.HTML()
        self._message.add_class("qv-message")
        controls = widgets.HBox(self._controls(), layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([controls, self.grid, widgets.HBox([self._status, self._message])],
                         layout=widgets.Layout(width="100%"))
        self.add_class("qavix-voice-browser")
        self._show_status()

    def _controls(self) -> list[widgets.Widget]:
        """The filter menus (choices from the catalog's own code tables) and the text box."""
        tables = code_tables(self.voices)
        self._filters: dict[str, widgets.Dropdown] = {}
        for name, title in FILTERS.items():
            options = [(f"{label} ({code})" if name == "lang" else label, code)
                       for code, label in tables.get(name, {}).items()]
            box = widgets.Dropdown(options=[("any", ANY), *options], description=title,
                                   style=FILTER_STYLE, layout=widgets.Layout(width="210px"))
            box.add_class(f"qv-filter-{name}")
            box.observe(self._on_filter, "value")
            self._filters[name] = box
        # every keystroke filters: 50,000 voices take a few milliseconds
        self._text = _FilterText(description="Text", placeholder="name or description",
                                  continuous_update=True, style=FILTER_STYLE,
                                  layout=widgets.Layout(width="210px"))
        self._text.add_class("qv-filter-text")
        self._text.observe(self._on_filter, "value")
        return [*self._filters.values(), self._text]

    # -- Python API --------------------------------------------------------------------------
    @property
    def matches(self) -> Any:
        """The voices shown, in the table's order (``filter_voices(voices, **filters,
        sort=sort)``)."""
        if self._matches is None:
            self._matches = self.voices.take(self._positions)
        return self._matches

    @property
    def filters(self) -> dict[str, Any]:
        """The filters in force, as :func:`filter_voices` keyword arguments."""
        chosen = {name: box.value for name, box in self._filters.items() if box.value != ANY}
        if self._text.value.strip():
            chosen["text"] = self._text.value.strip()
        return chosen

    @property
    def sort(self) -> str | list[str]:
        """The order, as ``filter_voices(sort=...)``: ``"popularity"``, ``"-name"`` or a list."""
        keys = [("-" if key["descending"] else "") + key["column"] for key in self.grid.sort]
        return "popularity" if not keys else keys[0] if len(keys) == 1 else keys

    def filter(self, **filters: Any) -> VoiceBrowser:
        """Set filters (codes or descriptions; ``None`` clears one): ``filter(lang="en")``."""
        unknown = set(filters) - {*FILTERS, "text"}
        if unknown:
            raise ValidationError(f"no filter {sorted(unknown)}; VoiceBrowser filters by "
                                  f"{', '.join([*FILTERS, 'text'])}", where="VoiceBrowser.filter")
        for name, value in filters.items():
            if name == "text":
                self._text.value = value or ""
            else:
                self._filters[name].value = self._option(name, value)
        return self

    def _option(self, name: str, value: Any) -> Any:
        if value is None:
            return ANY
        for label, code in self._filters[name].options[1:]:
            if str(value).casefold() in (str(code).casefold(), label.casefold(),
                                         label.split(" (")[0].casefold()):
                return code
        known = ", ".join(label for label, _ in self._filters[name].options[1:])
        raise ValidationError(f"no {name} {value!r} in this catalog; known: {known}",
                              where=f"VoiceBrowser.filter({name}=...)")

    def sort_by(self, column: str, *, add: bool = False) -> None:
        """Sort by a column as a header click does: first in its first order (Popularity: most
        popular first), then reversed, then not at all. ``add=True`` is a shift-click: the
        column becomes the next key instead of the only one."""
        first = {field: order for field, _, order, _ in COLUMNS}
        if first.get(column) is None:
            sortable = [field for field, order in first.items() if order]
            raise ValidationError(f"cannot sort by {column!r}; sortable: {', '.join(sortable)}",
                                  where="VoiceBrowser.sort_by")
        keys = [dict(k) for k in self.grid.sort] if add else []
        current = next((k for k in self.grid.sort if k["column"] == column), None)
        keys = [k for k in keys if k["column"] != column]
        starts_descending = first[column] == "desc"
        if current is None:
            keys.append({"column": column, "descending": starts_descending})
        elif current["descending"] == starts_descending:
            keys.append({"column": column, "descending": not starts_descending})
        self.grid.sort = keys

    @property
    def selected(self) -> Any:
        """The ticked voices' catalog rows, in the order they were ticked."""
        return self.voices.iloc[[self._position[v] for v in self.grid.selected]]

    def select(self, voices: Iterable[Any], picked: bool = True) -> None:
        """Tick (or untick) shown voices by ID or catalog row."""
        from ..client.resources import voice_id

        if hasattr(voices, "iterrows"):
            voices = cast(Any, voices)["voice_id"].tolist()  # a DataFrame: hasattr cannot say
        ticked = list(self.grid.selected)
        for voice in [voices] if isinstance(voices, str | int) else voices:
            vid = voice_id(voice)
            if vid not in self._position:
                raise ValidationError(f"voice {vid} is not in this catalog",
                                      where="VoiceBrowser.select")
            if picked and not self._shows(vid):
                raise ValidationError(f"voice {vid} is filtered away ({self.filters}); clear "
                                      "the filters that hide it first", where="VoiceBrowser.select")
            if picked and vid not in ticked:
                ticked.append(vid)
            elif not picked and vid in ticked:
                ticked.remove(vid)
        self.grid.selected = ticked

    def play(self, voice: Any) -> concurrent.futures.Future:
        """Fetch (once) and play a voice's audition, in the background; returns the future."""
        from ..client.resources import voice_id

        vid = voice_id(voice)
        if vid not in self._position:
            raise ValidationError(f"voice {vid} is not in this catalog", where="VoiceBrowser.play")
        row = self.voices.iloc[self._position[vid]]
        self.grid.playing = vid
        name = html.escape(str(row["name"]))
        self._message.value = f"Loading the audition of <b>{name}</b>…"
        return self._fetcher.submit(self._load_audition, vid, row.get("audition_url"), name)

    def _load_audition(self, vid: str, url: Any, name: str) -> None:
        try:
            if vid not in self._auditions:
                self._auditions[vid] = fetch_audition(url, self.audition_timeout)
        except QavixError as exc:
            if self.grid.playing == vid:
                self._message.value = (f"No audition for <b>{name}</b>: "
                                       f"{html.escape(str(exc))}")
            return
        if self.grid.playing == vid:
            data = self._auditions[vid]
            self.grid.send({"kind": "audio", "voice_id": vid, "mime": _audio_type(data)},
                           buffers=[data])
            self._message.value = f"▶ <b>{name}</b>"

    # -- the static view (exported notebooks, no kernel) -------------------------------------
    def to_html(self, rows: int = STATIC_ROWS) -> str:
        """The browser as plain HTML: what it shows, then its first ``rows`` rows."""
        picked = set(self.grid.selected)
        head = "".join(f"<th>{html.escape(title)}</th>" for _, title, _, _ in COLUMNS)
        body = []
        for voice in self.voices.iloc[self._positions[:rows]].to_dict("records"):
            tick = "✓" if str(voice["voice_id"]) in picked else ""
            cells = "".join(f"<td>{html.escape(_cell_text(voice.get(field)))}</td>"
                            for field, *_ in COLUMNS)
            body.append(f"<tr><td>{tick}</td>{cells}</tr>")
        return (f'<div class="qavix-voice-browser-static"><p>{html.escape(self._status.value)}'
                f"</p><table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}"
                "</tbody></table></div>")

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = cast(dict[str, Any], super()._repr_mimebundle_(**kwargs) or {})
        return {**bundle, "text/html": self.to_html()}

    # -- events ------------------------------------------------------------------------------
    def _on_filter(self, _change: Any) -> None:
        self._refilter()

    def _on_sort(self, _change: Any) -> None:
        self._refilter()

    def _refilter(self) -> None:
        sort = self.sort
        if sort == "popularity":
            self._positions = voice_positions(self.voices, **self.filters)
        else:
            self._positions = self._ordered(voice_positions(self.voices, **self.filters, sort=None))
        self._matches = None
        kept = [v for v in self.grid.selected if self._shows(v)]
        if kept != self.grid.selected:
            self.grid.selected = kept  # a tick of a voice filtered away no longer counts
        self._generation += 1
        self._send_reset()
        self._show_status()

    def _ordered(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` in the grid's sort order, as ``filter_voices(sort=...)`` orders them (a stable
        sort, missing values last either way), from ranks made once per column: a header click
        sorts integers instead of 50,000 strings."""
        keys = []
        for key in reversed(self.grid.sort):  # np.lexsort: the last key is the first one
            ranks = self._column_ranks(key["column"])[rows]
            top = int(ranks.max(initial=-1))
            keys.append(np.where(ranks < 0, top + 1, top - ranks if key["descending"] else ranks))
        return rows[np.lexsort(keys)] if keys else rows

    def _column_ranks(self, column: str) -> np.ndarray:
        if column not in self._ranks:
            self._ranks[column] = _sort_ranks(self.voices[column])
        return self._ranks[column]

    def _shows(self, vid: str) -> bool:
        return bool(np.isin(self._position[vid], self._positions))

    def _rows(self, start: int, end: int) -> list[list[str]]:
        chosen = self._positions[max(0, start):max(0, end)]
        columns = [self._cells[field][chosen].tolist() for field in ROW_FIELDS]
        return [list(row) for row in zip(*columns, strict=True)]

    def _send_reset(self) -> None:
        self.grid.send({"kind": "reset", "generation": self._generation, "sort": self.grid.sort,
                        "count": len(self._positions), "rows": self._rows(0, self.grid.block_size)})

    def _on_grid_message(self, _grid: Any, content: dict[str, Any], _buffers: Any) -> None:
        kind = content.get("kind")
        if kind == "ready":
            self._send_reset()
            for field, _, first, _ in COLUMNS:  # shown: the first header click need not wait
                if first is not None:
                    self._column_ranks(field)
        elif kind == "rows":
            start, end = int(content["start"]), int(content["end"])
            self.grid.send({"kind": "rows", "request": content["request"], "start": start,
                            "generation": self._generation, "rows": self._rows(start, end)})
        elif kind == "play" and content.get("voice_id") in self._position:
            self.play(content["voice_id"])

    def _show_status(self) -> None:
        titles = {field: title for field, title, *_ in COLUMNS}
        keys = [f"{titles[k['column']]} {'▼' if k['descending'] else '▲'}" for k in self.grid.sort]
        described = "sorted by " + ", ".join(keys) if keys else "most popular first"
        self._status.value = (f"{len(self._positions):,} of {len(self.voices):,} voices · "
                              f"{described} · {len(self.grid.selected)} selected")
