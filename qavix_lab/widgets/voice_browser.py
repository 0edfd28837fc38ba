"""VoiceBrowser: filter the voice catalog, page and sort it, hear auditions, pick voices.

A thin view over :func:`qavix_lab.tables.filter_voices`: the filters are its keyword arguments
(``.filters``), the table is its result (``.matches``), the picked voices are catalog rows
(``.selected``). Works on a client's catalog or, offline, on a saved one.

>>> browser = VoiceBrowser(load_catalog("datasets/voices/catalog.json")); browser
>>> browser.filter(lang="en", gender="female"); browser.selected
"""

from __future__ import annotations

import concurrent.futures
import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import ipywidgets as widgets

from ..errors import QavixError, ValidationError
from ..tables import code_tables, filter_voices, load_catalog

__all__ = ["VoiceBrowser", "fetch_audition"]

FILTERS = {"lang": "Language", "gender": "Gender", "age": "Age", "emotion": "Emotion",
           "accent": "Accent", "category": "Category"}
# (column, header); each sorts ascending on a first click, descending on the next.
COLUMNS = [("name", "Name"), ("lang_name", "Language"), ("gender_str", "Gender"),
           ("age_range_str", "Age"), ("emotion_str", "Emotion"), ("accent_str", "Accent"),
           ("category_str_list", "Categories"), ("hot_count", "Popularity")]
SORTABLE = [c for c in COLUMNS if c[0] != "category_str_list"]
ANY = ""  # the "any" choice of a filter menu (a None value would show an empty menu)
# Minimum widths fit a notebook beside JupyterLab's file browser (about 600 px).
GRID = ("22px minmax(80px, 1.3fr) minmax(76px, .9fr) minmax(60px, .6fr) minmax(76px, .8fr) "
        "minmax(66px, .7fr) minmax(66px, .8fr) minmax(70px, 1.6fr) minmax(78px, .6fr)")
STYLE = """<style>
.qavix-voice-browser .qv-table .jupyter-widgets { min-width: 0; width: auto; margin: 0;
  font-size: 12px; }
.qavix-voice-browser .qv-table .qv-cell {
  border-bottom: 1px solid var(--jp-border-color2, #e0e0e0); height: 30px; }
.qavix-voice-browser .qv-table button.jupyter-button { display: block; text-align: left;
  padding: 0 3px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.qavix-voice-browser .qv-table button.jupyter-button:not(.mod-info) { background: transparent; }
.qavix-voice-browser .qv-table button.jupyter-button:not(.mod-info):hover {
  background: var(--jp-layout-color2, #eee); }
.qavix-voice-browser .qv-table button.qv-head { font-weight: bold; }
.qavix-voice-browser .qv-table .widget-label { overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
</style>"""
FILTER_STYLE = {"description_width": "72px"}


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


class _Row:
    """The widgets of one table row; a page reuses them for whichever voices it shows."""

    def __init__(self, on_play: Any, on_pick: Any) -> None:
        self.voice_id: str | None = None
        self.pick = widgets.Checkbox(indent=False, layout=widgets.Layout(width="24px"))
        self.name = widgets.Button(icon="play", layout=widgets.Layout(width="auto"))
        self.name.add_class("qv-name")
        self.labels = [widgets.Label() for _ in COLUMNS[1:]]
        self.name.on_click(lambda _: on_play(self.voice_id))
        self.pick.observe(lambda change: on_pick(self, change["new"]), "value")
        self.cells = [self.pick, self.name, *self.labels]
        for cell in self.cells:
            cell.add_class("qv-cell")

    def show(self, voice: Any | None, picked: bool, playing: bool) -> None:
        self.voice_id = None if voice is None else str(voice["voice_id"])
        for cell in self.cells:
            cell.layout.display = "none" if voice is None else None
        if voice is None:
            return
        self.pick.value = picked
        self.name.description = str(voice["name"])
        self.name.tooltip = _cell_text(voice.get("remark")) or str(voice["name"])
        self.name.button_style = "info" if playing else ""
        for label, (column, _) in zip(self.labels, COLUMNS[1:], strict=True):
            label.value = _cell_text(voice.get(column))


class VoiceBrowser(widgets.VBox):
    """Filter, sort and page the catalog; click a name to hear it; tick voices to select them.

    ``source``: a client (its cached catalog), a voice DataFrame (``voices_frame`` or
    ``load_catalog``) or a saved catalog's path. ``.selected`` gives the ticked voices' rows.
    """

    def __init__(self, source: Any, *, page_size: int = 15, audition_timeout: float = 5.0):
        self.voices = _catalog(source)
        self._position = {str(v): i for i, v in enumerate(self.voices["voice_id"])}
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValidationError(f"page_size must be a whole number >= 1, got {page_size!r}",
                                  where="VoiceBrowser(page_size=...)")
        self.page_size = page_size
        self.audition_timeout = audition_timeout
        self._picked: list[str] = []
        self._page = 0
        self._playing: str | None = None
        self._rendering = False
        self._auditions: dict[str, bytes] = {}
        self._fetcher = concurrent.futures.ThreadPoolExecutor(1, "qavix-audition")
        self.matches = filter_voices(self.voices)
        super().__init__(children=self._build(), layout=widgets.Layout(width="100%"))
        self.add_class("qavix-voice-browser")
        self._refresh()

    # -- building ----------------------------------------------------------------------------
    def _build(self) -> list[widgets.Widget]:
        self._headers = [self._header(column, title) for column, title in COLUMNS]
        self._rows = [_Row(self.play, self._on_pick) for _ in range(self.page_size)]
        self._table = widgets.GridBox(
            [widgets.Label(), *self._headers, *(c for row in self._rows for c in row.cells)],
            layout=widgets.Layout(grid_template_columns=GRID, grid_gap="0px 3px",
                                  align_items="center", width="100%", overflow="auto"))
        self._table.add_class("qv-table")
        self._prev = widgets.Button(icon="chevron-left", tooltip="previous page",
                                    layout=widgets.Layout(width="40px"))
        self._next = widgets.Button(icon="chevron-right", tooltip="next page",
                                    layout=widgets.Layout(width="40px"))
        self._prev.on_click(lambda _: self.show_page(self._page - 1))
        self._next.on_click(lambda _: self.show_page(self._page + 1))
        self._status = widgets.Label()
        self._status.add_class("qv-status")
        self._player = widgets.Audio(autoplay=True, loop=False, controls=True,
                                     layout=widgets.Layout(display="none"))
        self._message = widgets.HTML()
        self._message.add_class("qv-message")
        return [widgets.HTML(STYLE),
                widgets.HBox(self._controls(), layout=widgets.Layout(flex_flow="row wrap")),
                self._table,
                widgets.HBox([self._prev, self._next, self._status]),
                widgets.HBox([self._player, self._message])]

    def _controls(self) -> list[widgets.Widget]:
        """The filter menus (choices from the catalog's own code tables), text and sort."""
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
        self._text = widgets.Text(description="Text", placeholder="name or description",
                                  continuous_update=False, style=FILTER_STYLE,
                                  layout=widgets.Layout(width="210px"))
        self._text.add_class("qv-filter-text")
        self._text.observe(self._on_filter, "value")
        sorts = [("most popular", "popularity")]
        for column, title in SORTABLE:
            sorts += [(f"{title} ▲", column), (f"{title} ▼", f"-{column}")]
        self._sort = widgets.Dropdown(options=sorts, description="Sort", style=FILTER_STYLE,
                                      layout=widgets.Layout(width="210px"))
        self._sort.add_class("qv-sort")
        self._sort.observe(self._on_filter, "value")
        return [*self._filters.values(), self._text, self._sort]

    def _header(self, column: str, title: str) -> widgets.Widget:
        if column not in dict(SORTABLE):
            return widgets.HTML(f"<b>{html.escape(title)}</b>")
        button = widgets.Button(description=title, tooltip=f"sort by {title.lower()}",
                                layout=widgets.Layout(width="auto"))
        button.add_class("qv-head")
        button.on_click(lambda _: self.sort_by(column))
        return button

    # -- Python API --------------------------------------------------------------------------
    @property
    def filters(self) -> dict[str, Any]:
        """The filters in force, as :func:`filter_voices` keyword arguments."""
        chosen = {name: box.value for name, box in self._filters.items() if box.value != ANY}
        if self._text.value.strip():
            chosen["text"] = self._text.value.strip()
        return chosen

    @property
    def sort(self) -> str:
        return self._sort.value

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

    def sort_by(self, column: str) -> None:
        """Sort by a column, ascending; sorting by the same column again flips the order."""
        self._sort.value = f"-{column}" if self._sort.value == column else column

    @property
    def page(self) -> int:
        """The page shown, counted from 1."""
        return self._page + 1

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.matches) // self.page_size))

    def show_page(self, index: int) -> None:
        """Show page ``index`` (from 0), clamped to the pages there are."""
        self._page = min(max(0, index), self.pages - 1)
        self._render()

    @property
    def page_voices(self) -> Any:
        """The rows of the page shown."""
        start = self._page * self.page_size
        return self.matches.iloc[start:start + self.page_size]

    @property
    def selected(self) -> Any:
        """The ticked voices' catalog rows, in the order they were ticked."""
        return self.voices.iloc[[self._position[v] for v in self._picked]]

    def select(self, voices: Iterable[Any], picked: bool = True) -> None:
        """Tick (or untick) voices by ID or catalog row."""
        from ..client.resources import voice_id

        if hasattr(voices, "iterrows"):
            voices = cast(Any, voices)["voice_id"].tolist()  # a DataFrame: hasattr cannot say
        for voice in [voices] if isinstance(voices, str | int) else voices:
            vid = voice_id(voice)
            if vid not in self._position:
                raise ValidationError(f"voice {vid} is not in this catalog",
                                      where="VoiceBrowser.select")
            if picked and vid not in self._picked:
                self._picked.append(vid)
            elif not picked and vid in self._picked:
                self._picked.remove(vid)
        self._render()

    def play(self, voice: Any) -> concurrent.futures.Future:
        """Fetch (once) and play a voice's audition, in the background; returns the future."""
        from ..client.resources import voice_id

        vid = voice_id(voice)
        if vid not in self._position:
            raise ValidationError(f"voice {vid} is not in this catalog", where="VoiceBrowser.play")
        row = self.voices.iloc[self._position[vid]]
        self._playing = vid
        name = html.escape(str(row["name"]))
        self._message.value = f"Loading the audition of <b>{name}</b>…"
        self._render()
        return self._fetcher.submit(self._load_audition, vid, row.get("audition_url"), name)

    def _load_audition(self, vid: str, url: Any, name: str) -> None:
        try:
            if vid not in self._auditions:
                self._auditions[vid] = fetch_audition(url, self.audition_timeout)
        except QavixError as exc:
            if self._playing == vid:
                self._player.layout.display = "none"
                self._message.value = (f"No audition for <b>{name}</b>: "
                                       f"{html.escape(str(exc))}")
            return
        if self._playing == vid:
            self._player.value = self._auditions[vid]
            self._player.layout.display = None
            self._message.value = f"▶ <b>{name}</b>"

    # -- events ------------------------------------------------------------------------------
    def _on_filter(self, _change: Any) -> None:
        self.matches = filter_voices(self.voices, **self.filters, sort=self._sort.value)
        self._page = 0
        self._refresh()

    def _on_pick(self, row: _Row, picked: bool) -> None:
        if self._rendering or row.voice_id is None:
            return
        self.select([row.voice_id], picked)

    def _refresh(self) -> None:
        for button, (column, title) in zip(self._headers, COLUMNS, strict=True):
            if isinstance(button, widgets.Button):
                mark = {column: " ▲", f"-{column}": " ▼"}.get(self._sort.value, "")
                button.description = title + mark
        self._render()

    def _render(self) -> None:
        self._rendering = True
        try:
            voices = [v for _, v in self.page_voices.iterrows()]
            for i, row in enumerate(self._rows):
                voice = voices[i] if i < len(voices) else None
                vid = None if voice is None else str(voice["voice_id"])
                row.show(voice, vid in self._picked, vid is not None and vid == self._playing)
        finally:
            self._rendering = False
        self._prev.disabled = self._page == 0
        self._next.disabled = self._page >= self.pages - 1
        self._status.value = (f"{len(self.matches)} of {len(self.voices)} voices · page "
                              f"{self.page} of {self.pages} · {len(self._picked)} selected")
