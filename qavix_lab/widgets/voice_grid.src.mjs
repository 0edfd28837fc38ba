// The VoiceBrowser's table: AG Grid Community (MIT) with its infinite row model, as an anywidget.
//
// The kernel filters and sorts (qavix_lab.tables.filter_voices); the grid asks for the blocks
// of rows it scrolls to and shows them. After every change the kernel pushes the first block
// with the new row count ("reset"), so a keystroke or a header click costs one round trip.
//
// A keystroke or a click must reach the screen within 150 ms even on a busy machine, so a reset
// keeps the grid's rows and cells and only gives them new data (refreshInfiniteCache, row IDs by
// position, cell renderers that refresh in place): building every row's DOM again cost more than
// the kernel's whole answer. Sorting is the kernel's alone: the grid's own sort model stays
// empty (its change would drop the grid's cache and build every row twice, once empty and once
// with the kernel's rows), and the headers draw the kernel's sort keys (SortHeader).
//
// Rebuild voice_grid.js (shipped in the wheel, no CDN) after editing this file:
//   npm install ag-grid-community@36.2.0 esbuild@0.25
//   npx esbuild voice_grid.src.mjs --bundle --minify --format=esm --outfile=voice_grid.js \
//     --banner:js="/* ... Bundles AG Grid Community 36.2.0: MIT License, (c) AG GRID LTD. */"
import {
  CellStyleModule,
  ColumnApiModule,
  createGrid,
  InfiniteRowModelModule,
  ModuleRegistry,
  RenderApiModule,
  RowApiModule,
  themeQuartz,
  TooltipModule,
} from "ag-grid-community";

ModuleRegistry.registerModules([
  CellStyleModule, ColumnApiModule, InfiniteRowModelModule, RenderApiModule, RowApiModule,
  TooltipModule,
]);

const THEME = themeQuartz.withParams({
  fontSize: 12,
  headerFontSize: 12,
  rowHeight: 30,
  headerHeight: 32,
  spacing: 5,
  backgroundColor: "var(--jp-layout-color1, #fff)",
  foregroundColor: "var(--jp-ui-font-color1, #1f1f1f)",
  headerBackgroundColor: "var(--jp-layout-color2, #f5f5f5)",
  fontFamily: "var(--jp-ui-font-family, sans-serif)",
});

function rowObjects(fields, rows) {
  return rows.map((values) => {
    const row = {};
    fields.forEach((field, i) => { row[field] = values[i]; });
    return row;
  });
}

// Cell renderers keep their element and only refresh it for a row's new data.
function pickRenderer(state) {
  return class PickCell {
    init(params) {
      this.box = document.createElement("input");
      this.box.type = "checkbox";
      this.box.className = "qv-pick";
      this.box.addEventListener("change", () => {
        if (this.id !== null) state.pick(this.id, this.box.checked);
      });
      this.refresh(params);
    }

    getGui() { return this.box; }

    refresh(params) {
      const data = params.data;
      this.id = data ? data.voice_id : null;
      this.box.disabled = !data;
      this.box.checked = !!data && state.selected.has(this.id);
      if (data) this.box.setAttribute("aria-label", `select ${data.name}`);
      else this.box.removeAttribute("aria-label");
      return true;
    }
  };
}

function nameRenderer(state) {
  return class NameCell {
    init(params) {
      this.button = document.createElement("button");
      this.button.type = "button";
      this.button.className = "qv-name";
      this.button.addEventListener("click", () => {
        if (this.id !== null) state.model.send({ kind: "play", voice_id: this.id });
      });
      this.refresh(params);
    }

    getGui() { return this.button; }

    refresh(params) {
      const data = params.data;
      const button = this.button;
      this.id = data ? data.voice_id : null;
      const playing = !!data && this.id === state.playing;
      button.textContent = data ? `${playing ? "■" : "▶"} ${data.name}` : "…";
      button.disabled = !data;
      if (data) button.title = data.remark || data.name;
      else button.removeAttribute("title");
      button.classList.toggle("qv-playing", playing);
      return true;
    }
  };
}

// A header as AG Grid's own draws it (title, then the sort arrow and, with several keys, the
// key's number), showing the kernel's sort keys (model "sort") instead of the grid's.
function sortHeader(model, headers) {
  const icon = (kind, name) => {
    const holder = document.createElement("span");
    holder.className = `ag-sort-indicator-icon ag-sort-${kind} ag-hidden`;
    holder.setAttribute("aria-hidden", "true");
    if (name) {
      const glyph = document.createElement("span");
      glyph.className = `ag-icon ag-icon-${name}`;
      glyph.setAttribute("role", "presentation");
      glyph.setAttribute("unselectable", "on");
      holder.append(glyph);
    }
    return holder;
  };
  return class SortHeader {
    init(params) {
      this.params = params;
      this.gui = document.createElement("div");
      this.gui.className = "ag-cell-label-container";
      this.gui.setAttribute("role", "presentation");
      const label = document.createElement("div");
      label.className = "ag-header-cell-label";
      label.setAttribute("role", "presentation");
      this.text = document.createElement("span");
      this.text.className = "ag-header-cell-text";
      this.text.textContent = params.displayName;
      const arrows = document.createElement("span");
      arrows.className = "ag-sort-indicator-container";
      this.order = icon("order");
      this.asc = icon("ascending-icon", "asc");
      this.desc = icon("descending-icon", "desc");
      arrows.append(this.order, this.asc, this.desc);
      label.append(this.text, arrows);
      this.gui.append(label);
      headers.add(this);
      this.showSort();
    }

    getGui() { return this.gui; }

    refresh(params) {
      this.params = params;
      this.text.textContent = params.displayName;
      this.showSort();
      return true;
    }

    destroy() { headers.delete(this); }

    showSort() {
      const field = this.params.column.getColId();
      const column = model.get("columns").find((c) => c.field === field);
      if (!column?.sortable) return;
      const keys = model.get("sort");
      const index = keys.findIndex((k) => k.column === field);
      const key = keys[index];
      this.asc.classList.toggle("ag-hidden", !key || key.descending);
      this.desc.classList.toggle("ag-hidden", !key || !key.descending);
      this.order.classList.toggle("ag-hidden", !key || keys.length < 2);
      this.order.textContent = key ? String(index + 1) : "";
      const direction = key ? (key.descending ? "desc" : "asc") : "none";
      for (const name of ["asc", "desc", "none"]) {
        this.gui.classList.toggle(`ag-header-cell-sorted-${name}`, name === direction);
      }
      this.params.eGridHeader?.setAttribute(
        "aria-sort", key ? (key.descending ? "descending" : "ascending") : "none");
    }
  };
}

function columnDefs(model, state, headers) {
  const defs = [{
    colId: "pick", headerName: "", width: 38, minWidth: 38, maxWidth: 38, sortable: false,
    resizable: false, suppressMovable: true, cellRenderer: pickRenderer(state),
  }];
  const header = sortHeader(model, headers);
  for (const column of model.get("columns")) {
    defs.push({
      field: column.field,
      headerName: column.header,
      headerTooltip: column.header,
      headerComponent: header,
      sortable: false,  // the kernel sorts: a click or Enter on a header goes to it (sortBy)
      minWidth: column.min_width,
      width: column.min_width * column.flex,
      cellRenderer: column.field === "name" ? nameRenderer(state) : undefined,
      tooltipField: column.field === "name" ? undefined : column.field,
      cellClass: `qv-cell-${column.field}`,
      headerClass: `qv-head qv-head-${column.field}${column.sortable ? " qv-sortable" : ""}`,
    });
  }
  return defs;
}

// The sort after a click on `column`'s header, as VoiceBrowser.sort_by makes it: first in the
// column's first order, then reversed, then not at all; `add` (shift) keeps the other keys.
function nextSort(current, column, add) {
  const starts = column.first_sort === "desc";
  const now = current.find((k) => k.column === column.field);
  const keys = add ? current.filter((k) => k.column !== column.field) : [];
  if (!now) keys.push({ column: column.field, descending: starts });
  else if (now.descending === starts) keys.push({ column: column.field, descending: !starts });
  return keys;
}

function render({ model, el }) {
  el.classList.add("qv-grid");
  const body = document.createElement("div");
  body.className = "qv-grid-body";
  body.style.height = `${model.get("height")}px`;
  const player = document.createElement("audio");
  player.className = "qv-player";
  player.controls = true;
  player.hidden = true;  // no src until there are bytes: an empty blob is not playable
  el.append(body, player);

  const fields = ["voice_id", "remark", ...model.get("columns").map((c) => c.field)];
  const state = {
    model,
    generation: -1,
    count: 0,
    blocks: new Map(),    // first row -> rows, for the current generation
    pending: new Map(),   // request number -> the grid's getRows params
    expecting: null,      // a timer while a reset is on its way (anticipate)
    parked: [],           // the grid's getRows params that wait for that reset
    requests: 0,
    selected: new Set(model.get("selected")),
    playing: model.get("playing"),
    audioUrl: null,
    pick(id, picked) {
      const current = model.get("selected");
      const next = current.filter((v) => v !== id);
      if (picked) next.push(id);
      this.selected = new Set(next);
      model.set("selected", next);
      model.save_changes();
    },
  };

  // The rows of a generation are on screen after the next frame is painted: what the browser
  // tests and the latency benchmark wait for (data-shown, data-shown-at in page milliseconds).
  const shown = (generation) => requestAnimationFrame(() => setTimeout(() => {
    el.dataset.shown = String(generation);
    el.dataset.shownAt = String(performance.now());
  }, 0));

  // The grid counts its requests until each is answered: one it no longer needs (its rows are
  // of an older generation, or its block was asked for again) still gets an answer.
  const drop = (params) => params.failCallback();

  const datasource = {
    getRows(params) {
      if (state.expecting !== null) {
        state.parked.push(params);
        return;
      }
      const block = state.blocks.get(params.startRow);
      if (block) {
        params.successCallback(block, state.count);
        if (params.startRow === 0) shown(state.generation);
        return;
      }
      const request = ++state.requests;
      state.pending.set(request, params);
      model.send({ kind: "rows", start: params.startRow, end: params.endRow, request });
    },
  };

  const headers = new Set();  // the SortHeaders shown
  const api = createGrid(body, {
    theme: THEME,
    columnDefs: columnDefs(model, state, headers),
    defaultColDef: { resizable: true, sortable: false, suppressMovable: false },
    rowModelType: "infinite",
    cacheBlockSize: model.get("block_size"),
    maxBlocksInCache: 20,
    // no getRowId: rows are identified by position, so new data reuses their DOM
    rowBuffer: 2,  // rows drawn past the visible ones: each costs every update its layout
    tooltipShowDelay: 400,
    suppressCellFocus: true,
    // fills a wide output at first; no flex, so a dragged column edge really resizes
    autoSizeStrategy: { type: "fitGridWidth" },
    suppressColumnVirtualisation: true,  // nine columns: every header always exists
  });

  // A click (shift: add a key) or Enter on a sortable header sorts as VoiceBrowser.sort_by
  // does: the kernel gets the new keys at once, the headers show them before it answers.
  const sortBy = (cell, add) => {
    const column = model.get("columns").find((c) => c.field === cell.getAttribute("col-id"));
    if (!column?.sortable) return false;
    model.set("sort", nextSort(model.get("sort"), column, add));
    model.save_changes();
    anticipate();
    return true;
  };
  const press = { x: 0, y: 0 };
  const onPress = (event) => { press.x = event.clientX; press.y = event.clientY; };
  const onClick = (event) => {
    const cell = event.target.closest?.(".ag-header-cell");
    if (!cell || event.button !== 0 || event.target.closest(".ag-header-cell-resize")) return;
    if (Math.abs(event.clientX - press.x) > 4 || Math.abs(event.clientY - press.y) > 4) return;
    if (sortBy(cell, event.shiftKey)) {
      event.stopPropagation();
      event.preventDefault();
    }
  };
  const onKey = (event) => {
    if (event.key !== "Enter" || !event.target.matches?.(".ag-header-cell")) return;
    if (sortBy(event.target, event.shiftKey)) {
      event.stopPropagation();
      event.preventDefault();
    }
  };
  body.addEventListener("pointerdown", onPress, true);
  body.addEventListener("click", onClick, true);
  body.addEventListener("keydown", onKey, true);

  const showSort = () => headers.forEach((header) => header.showSort());

  // A change the kernel answers with a reset (a keystroke in the text box, a menu choice, a
  // header click): the grid asks for its rows again at once (it shows the old ones meanwhile)
  // and the reset answers them in the task that brings it, with no timer of the grid's between.
  const release = () => {  // the reset came, or did not in time: answer what waited
    clearTimeout(state.expecting);
    state.expecting = null;
    const parked = state.parked;
    state.parked = [];
    parked.forEach((params) => datasource.getRows(params));
  };
  const anticipate = () => {
    if (state.generation < 0 || api.getFirstDisplayedRowIndex() > 0) return;
    clearTimeout(state.expecting);
    state.expecting = setTimeout(release, 2000);
    state.parked.forEach(drop);  // the refresh asks for their blocks again
    state.parked = [];
    api.refreshInfiniteCache();
  };
  // The filter controls are the browser's other widgets, beside the grid in the same box: a
  // menu sends its choice on "change", the text box every keystroke on "input".
  const onControl = (event) => {
    if ((event.type === "change") !== (event.target.tagName === "SELECT")) return;
    const box = el.closest(".qavix-voice-browser");
    if (box?.contains(event.target) && !el.contains(event.target)) setTimeout(anticipate, 0);
  };
  document.addEventListener("input", onControl, true);
  document.addEventListener("change", onControl, true);

  function onMessage(msg, buffers) {
    if (msg.kind === "reset") {
      const first = state.generation < 0;
      state.generation = msg.generation;
      state.count = msg.count;
      state.blocks = new Map([[0, rowObjects(fields, msg.rows)]]);
      state.pending.forEach(drop);
      state.pending.clear();
      el.dataset.generation = String(msg.generation);
      if (first || api.getFirstDisplayedRowIndex() > 0) {
        state.parked.forEach(drop);
        state.parked = [];
        clearTimeout(state.expecting);
        state.expecting = null;
        api.setGridOption("datasource", datasource);  // a new cache, scrolled to the top
      } else if (state.expecting !== null) {
        release();  // the grid asked again when the change was made
      } else {
        api.refreshInfiniteCache();  // the same rows and cells, new data
      }
    } else if (msg.kind === "rows") {
      const params = state.pending.get(msg.request);
      state.pending.delete(msg.request);
      if (!params) return;
      if (msg.generation !== state.generation) {
        drop(params);  // the kernel has changed since: its reset asks for the block again
        return;
      }
      const rows = rowObjects(fields, msg.rows);
      state.blocks.set(msg.start, rows);
      params.successCallback(rows, state.count);
    } else if (msg.kind === "audio") {
      const url = URL.createObjectURL(new Blob([buffers[0]], { type: msg.mime }));
      const previous = state.audioUrl;
      state.audioUrl = url;
      player.src = url;
      player.hidden = false;
      player.play().catch(() => {});  // autoplay may be refused; the controls stay
      if (previous) URL.revokeObjectURL(previous);
    }
  }

  const refreshPicks = () => {
    state.selected = new Set(model.get("selected"));
    api.refreshCells({ columns: ["pick"], force: true });
  };
  const refreshPlaying = () => {
    state.playing = model.get("playing");
    api.refreshCells({ columns: ["name"], force: true });
  };
  model.on("msg:custom", onMessage);
  model.on("change:selected", refreshPicks);
  model.on("change:playing", refreshPlaying);
  model.on("change:sort", showSort);
  model.send({ kind: "ready" });

  return () => {
    body.removeEventListener("pointerdown", onPress, true);
    body.removeEventListener("click", onClick, true);
    body.removeEventListener("keydown", onKey, true);
    document.removeEventListener("input", onControl, true);
    document.removeEventListener("change", onControl, true);
    clearTimeout(state.expecting);
    model.off("msg:custom", onMessage);
    model.off("change:selected", refreshPicks);
    model.off("change:playing", refreshPlaying);
    model.off("change:sort", showSort);
    if (state.audioUrl) URL.revokeObjectURL(state.audioUrl);
    api.destroy();
  };
}

export default { render };
