// The VoiceBrowser's table: AG Grid Community (MIT) with its infinite row model, as an anywidget.
//
// The kernel filters and sorts (qavix_lab.tables.filter_voices); the grid asks for the blocks
// of rows it scrolls to and shows them. After every change the kernel pushes the first block
// with the new row count ("reset"), so a keystroke costs one round trip.
//
// A keystroke must reach the screen within 150 ms even on a busy machine, so a reset keeps the
// grid's rows and cells and only gives them new data (refreshInfiniteCache, row IDs by
// position): building every row's DOM again cost more than the kernel's whole answer. A header
// click makes the grid drop its own cache at once; its request for the first rows waits for the
// kernel's sorted ones instead of showing the old order first (one repaint, not two).
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

function pickRenderer(state) {
  return (params) => {
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "qv-pick";
    if (!params.data) { box.disabled = true; return box; }
    const id = params.data.voice_id;
    box.checked = state.selected.has(id);
    box.setAttribute("aria-label", `select ${params.data.name}`);
    box.addEventListener("change", () => state.pick(id, box.checked));
    return box;
  };
}

function nameRenderer(state) {
  return (params) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "qv-name";
    if (!params.data) { button.textContent = "…"; button.disabled = true; return button; }
    const id = params.data.voice_id;
    button.textContent = `${id === state.playing ? "■" : "▶"} ${params.data.name}`;
    button.title = params.data.remark || params.data.name;
    button.classList.toggle("qv-playing", id === state.playing);
    button.addEventListener("click", () => state.model.send({ kind: "play", voice_id: id }));
    return button;
  };
}

function columnDefs(model, state) {
  const defs = [{
    colId: "pick", headerName: "", width: 38, minWidth: 38, maxWidth: 38, sortable: false,
    resizable: false, suppressMovable: true, cellRenderer: pickRenderer(state),
  }];
  for (const column of model.get("columns")) {
    defs.push({
      field: column.field,
      headerName: column.header,
      headerTooltip: column.header,
      sortable: column.sortable,
      // Popularity: most popular first on the first click
      sortingOrder: column.first_sort === "desc" ? ["desc", "asc", null] : ["asc", "desc", null],
      minWidth: column.min_width,
      width: column.min_width * column.flex,
      cellRenderer: column.field === "name" ? nameRenderer(state) : undefined,
      tooltipField: column.field === "name" ? undefined : column.field,
      cellClass: `qv-cell-${column.field}`,
      headerClass: `qv-head qv-head-${column.field}`,
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
    sort: "[]",           // the sort the rows of this generation are in (JSON of model "sort")
    waiting: [],          // the grid's requests made for a sort the kernel has not answered yet
    blocks: new Map(),    // first row -> rows, for the current generation
    pending: new Map(),   // request number -> the grid's getRows params
    requests: 0,
    selected: new Set(model.get("selected")),
    playing: model.get("playing"),
    applyingSort: false,
    clicking: false,
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

  const sortKey = (keys) => JSON.stringify(
    keys.map((k) => ({ column: k.column, descending: !!k.descending })));
  const sortOf = (sortModel) => sortKey(
    sortModel.map((s) => ({ column: s.colId, descending: s.sort === "desc" })));

  const datasource = {
    getRows(params) {
      if (sortOf(params.sortModel) !== state.sort) {  // a header click: rows come with the reset
        state.waiting.push(params);
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

  const api = createGrid(body, {
    theme: THEME,
    columnDefs: columnDefs(model, state),
    defaultColDef: { resizable: true, sortable: true, suppressMovable: false },
    rowModelType: "infinite",
    cacheBlockSize: model.get("block_size"),
    maxBlocksInCache: 20,
    // no getRowId: rows are identified by position, so new data reuses their DOM
    rowBuffer: 4,
    tooltipShowDelay: 400,
    suppressCellFocus: true,
    // fills a wide output at first; no flex, so a dragged column edge really resizes
    autoSizeStrategy: { type: "fitGridWidth" },
    suppressColumnVirtualisation: true,  // nine columns: every header always exists
    onSortChanged: (event) => {
      if (state.applyingSort || event.source === "api") return;
      const sort = api.getColumnState()
        .filter((c) => c.sort)
        .sort((a, b) => (a.sortIndex ?? 0) - (b.sortIndex ?? 0))
        .map((c) => ({ column: c.colId, descending: c.sort === "desc" }));
      model.set("sort", sort);
      model.save_changes();
    },
  });

  // A click on a sortable header is told to the kernel at once, before the grid redraws: the
  // grid's own sortChanged callback comes a task later, after it has rebuilt its rows.
  const press = { x: 0, y: 0 };
  const onPress = (event) => { press.x = event.clientX; press.y = event.clientY; };
  const onClick = (event) => {
    const cell = event.target.closest?.(".ag-header-cell");
    if (!cell || event.button !== 0 || event.target.closest(".ag-header-cell-resize")) return;
    if (Math.abs(event.clientX - press.x) > 4 || Math.abs(event.clientY - press.y) > 4) return;
    const column = model.get("columns").find((c) => c.field === cell.getAttribute("col-id"));
    if (!column?.sortable) return;
    event.stopPropagation();
    event.preventDefault();
    state.clicking = true;  // the arrows are shown after the message is sent
    model.set("sort", nextSort(model.get("sort"), column, event.shiftKey));
    model.save_changes();
    state.clicking = false;
    showSort();
  };
  body.addEventListener("pointerdown", onPress, true);
  body.addEventListener("click", onClick, true);

  function showSort() {
    if (state.clicking) return;
    state.applyingSort = true;
    api.applyColumnState({
      state: model.get("sort").map((s, i) => ({
        colId: s.column, sort: s.descending ? "desc" : "asc", sortIndex: i,
      })),
      defaultState: { sort: null },
    });
    state.applyingSort = false;
  }

  function onMessage(msg, buffers) {
    if (msg.kind === "reset") {
      const first = state.generation < 0;
      state.generation = msg.generation;
      state.count = msg.count;
      state.sort = sortKey(msg.sort);
      state.blocks = new Map([[0, rowObjects(fields, msg.rows)]]);
      state.pending.clear();
      el.dataset.generation = String(msg.generation);
      const waiting = state.waiting.filter((params) => sortOf(params.sortModel) === state.sort);
      state.waiting = [];
      if (waiting.length) {
        waiting.forEach((params) => datasource.getRows(params));  // the grid's new cache
      } else if (first || api.getFirstDisplayedRowIndex() > 0) {
        api.setGridOption("datasource", datasource);  // a new cache, scrolled to the top
      } else {
        api.refreshInfiniteCache();  // the same rows and cells, new data
      }
    } else if (msg.kind === "rows") {
      const params = state.pending.get(msg.request);
      state.pending.delete(msg.request);
      if (!params || msg.generation !== state.generation) return;
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
  showSort();
  model.send({ kind: "ready" });

  return () => {
    body.removeEventListener("pointerdown", onPress, true);
    body.removeEventListener("click", onClick, true);
    model.off("msg:custom", onMessage);
    model.off("change:selected", refreshPicks);
    model.off("change:playing", refreshPlaying);
    model.off("change:sort", showSort);
    if (state.audioUrl) URL.revokeObjectURL(state.audioUrl);
    api.destroy();
  };
}

export default { render };
