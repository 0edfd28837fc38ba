// RegionDrawer view (anywidget ES module, no build step).
// Boxes live in the model in SOURCE pixels with inclusive corners {x0, y0, x1, y1, type}.
// The overlay SVG uses the source size as its viewBox and sits with the image inside one
// transformed "canvas" (zoom and pan), so boxes stay aligned when the frame is shown downscaled,
// zoomed, on HiDPI screens and after resizes. Mouse positions are mapped with the image's
// rendered rectangle (transforms included), which devicePixelRatio does not affect.
// Nothing in the layout depends on the state: the readout has a line of its own that never
// wraps, buttons keep their labels, so the frame never moves under the mouse.

const SVG_NS = "http://www.w3.org/2000/svg";
const TYPE_NAMES = { 1: "logo", 2: "subtitle" };
const MODES = { erase: 2, protect: 3 };
const HANDLE_CSS_PX = 10;
const MIN_BOX_CSS_PX = 4;
const MAX_ZOOM = 16;
const WHEEL_RATE = 0.002; // zoom factor e^(-deltaY * rate) per wheel event
const CORNERS = ["nw", "ne", "se", "sw"];
const HELP =
  "drag: draw · drag a box: move · corners: resize · Del: delete · l / s: logo / subtitle · " +
  "Esc: deselect · arrows: nudge (Shift ×10) · Ctrl+Z / Ctrl+Shift+Z: undo / redo · " +
  "wheel: zoom (after a click; Ctrl+wheel always) · Alt+drag or middle drag: pan · 0: fit";

function html(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);

// Inclusive pixel corners -> continuous edges, and back (rounding outwards, as regions.py does).
const toEdges = (b) => ({ l: b.x0, t: b.y0, r: b.x1 + 1, b: b.y1 + 1, type: b.type });

function toBox(e, width, height) {
  const [l, r] = [Math.min(e.l, e.r), Math.max(e.l, e.r)];
  const [t, b] = [Math.min(e.t, e.b), Math.max(e.t, e.b)];
  return {
    x0: clamp(Math.floor(l), 0, width - 1),
    y0: clamp(Math.floor(t), 0, height - 1),
    x1: clamp(Math.ceil(r) - 1, 0, width - 1),
    y1: clamp(Math.ceil(b) - 1, 0, height - 1),
    type: e.type,
  };
}

function cornerPoint(e, corner) {
  return { x: corner.endsWith("w") ? e.l : e.r, y: corner.startsWith("n") ? e.t : e.b };
}

function moved(e, dx, dy, width, height) {
  const ox = clamp(Math.round(dx), -e.l, width - e.r);
  const oy = clamp(Math.round(dy), -e.t, height - e.b);
  return { l: e.l + ox, r: e.r + ox, t: e.t + oy, b: e.b + oy, type: e.type };
}

function resized(e, corner, p) {
  const out = { ...e };
  out[corner.endsWith("w") ? "l" : "r"] = p.x;
  out[corner.startsWith("n") ? "t" : "b"] = p.y;
  return out;
}

function button(testid, label, title = "", extra = {}) {
  return html("button", { "data-testid": testid, title, type: "button", ...extra }, label);
}

function toolbar() {
  const bar = html("div", { class: "qavix-rd-toolbar" });
  const buttons = {
    logo: button("type-logo", "Logo", "l", { class: "qavix-rd-logo" }),
    subtitle: button("type-subtitle", "Subtitle", "s", { class: "qavix-rd-subtitle" }),
    remove: button("delete", "Delete", "Delete / Backspace"),
    clear: button("clear", "Clear"),
    undo: button("undo", "Undo", "Ctrl+Z"),
    redo: button("redo", "Redo", "Ctrl+Shift+Z"),
    suggest: button("suggest", "Suggest", "propose a subtitle band from the video's frames"),
    erase: button("mode-erase", "Erase", "erase inside the boxes (eraseMode 2)"),
    protect: button("mode-protect", "Protect", "keep the boxes, erase the rest (eraseMode 3)"),
    zoomOut: button("zoom-out", "−", "zoom out (-)"),
    zoomIn: button("zoom-in", "+", "zoom in (+)"),
    fit: button("zoom-fit", "Fit", "show the whole frame (0)"),
  };
  const zoom = html("span", { class: "qavix-rd-zoom", "data-testid": "zoom" }, "100%");
  const group = (...nodes) => {
    const g = html("span", { class: "qavix-rd-group" });
    g.append(...nodes);
    return g;
  };
  bar.append(
    group(buttons.logo, buttons.subtitle),
    group(buttons.remove, buttons.clear, buttons.undo, buttons.redo),
    group(buttons.suggest),
    group(buttons.erase, buttons.protect),
    group(buttons.zoomOut, zoom, buttons.zoomIn, buttons.fit),
  );
  return { bar, buttons, zoom };
}

// A box's group: its rectangle, its label and, when selected, its corner handles.
function drawBox(e, index, selected, s, width, height, protect) {
  const name = TYPE_NAMES[e.type] ?? "subtitle";
  const g = svg("g", {
    "data-testid": `box-${index}`,
    "data-type": name,
    class: `qavix-rd-box qavix-rd-${protect ? "keep" : name}${selected ? " qavix-rd-selected" : ""}`,
  });
  g.append(svg("rect", { "vector-effect": "non-scaling-stroke" }), svg("text"));
  g.lastChild.textContent = `${index + 1} ${protect ? "keep" : name}`;
  if (selected) {
    for (const corner of CORNERS) {
      g.append(svg("rect", {
        class: "qavix-rd-handle", "data-testid": `handle-${corner}`,
        "vector-effect": "non-scaling-stroke",
      }));
    }
  }
  return placeBox(g, e, s, width, height);
}

// Puts a box's parts where its edges say: a drag only moves nodes, it creates none.
function placeBox(g, e, s, width, height) {
  const box = toBox(e, width, height);
  const [rect, label, ...handles] = g.children;
  const set = (node, attrs) => {
    for (const [key, value] of Object.entries(attrs)) {
      if (node.getAttribute(key) !== String(value)) node.setAttribute(key, String(value));
    }
  };
  set(rect, { x: box.x0, y: box.y0, width: box.x1 - box.x0 + 1, height: box.y1 - box.y0 + 1 });
  set(label, { x: box.x0 + 8 * s, y: box.y0 + 15 * s, "font-size": 11 * s });
  const half = (HANDLE_CSS_PX * s) / 2;
  handles.forEach((handle, i) => {
    const p = cornerPoint(toEdges(box), CORNERS[i]);
    set(handle, { x: p.x - half, y: p.y - half, width: 2 * half, height: 2 * half });
  });
  return g;
}

function describe(box, index, protect) {
  const w = box.x1 - box.x0 + 1;
  const h = box.y1 - box.y0 + 1;
  const corners = `(${box.x0}, ${box.y0}) – (${box.x1}, ${box.y1})`;
  const kind = protect ? `keep (${TYPE_NAMES[box.type]})` : TYPE_NAMES[box.type];
  return `#${index + 1} ${kind}: ${corners}, ${w}×${h} px`;
}

const seconds = (t) => `${t.toFixed(2)} s`;
const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

// One view of the model: the DOM, the drag in progress, the zoom, and the edits it saves.
class DrawerView {
  constructor(model, el) {
    this.model = model;
    this.root = html("div", {
      class: "qavix-rd",
      tabindex: "0",
      "data-testid": "region-drawer",
      // JupyterLab leaves keys pressed inside alone (no cell deletion on Backspace, ...).
      "data-lm-suppress-shortcuts": "true",
    });
    const { bar, buttons, zoom } = toolbar();
    Object.assign(this, { buttons, zoomLabel: zoom, frameUrl: null, drag: null });
    this.view = { z: 1, x: 0, y: 0 }; // canvas transform: translate(x, y) scale(z), CSS px
    this.pending = 0;
    this.readout = html("span", { class: "qavix-rd-readout", "data-testid": "readout" });
    this.status = html("span", { class: "qavix-rd-status", "data-testid": "status" });
    const line = html("div", { class: "qavix-rd-line" });
    line.append(this.readout, this.status);
    this.stage = html("div", { class: "qavix-rd-stage", "data-testid": "stage" });
    this.canvas = html("div", { class: "qavix-rd-canvas" });
    this.img = html("img", { "data-testid": "frame", alt: "video frame", draggable: "false" });
    this.overlay = svg("svg", { "data-testid": "overlay", preserveAspectRatio: "none" });
    this.canvas.append(this.img, this.overlay);
    this.stage.append(this.canvas);
    this.root.append(bar, line, this.stage);
    if (model.get("duration") > 0) this.root.append(this.timebar());
    this.root.append(html("div", { class: "qavix-rd-help", "data-testid": "help" }, HELP));
    el.append(this.root);
  }

  timebar() {
    const bar = html("div", { class: "qavix-rd-time" });
    const fps = this.model.get("fps") || 25;
    this.slider = html("input", {
      type: "range", min: "0", max: String(this.model.get("duration")),
      step: String(1 / fps), "data-testid": "time", "aria-label": "time in the video",
    });
    this.timeLabel = html("span", { class: "qavix-rd-time-label", "data-testid": "time-label" });
    bar.append(this.slider, this.timeLabel);
    this.scrubbing = false;
    this.showTime();
    return bar;
  }

  showTime() {
    if (!this.slider) return;
    const t = this.model.get("t");
    if (!this.scrubbing) this.slider.value = String(t);
    const shown = this.scrubbing ? Number(this.slider.value) : t;
    this.timeLabel.textContent = `${seconds(shown)} / ${seconds(this.model.get("duration"))}`;
  }

  // The view asks the kernel for the frame at the slider's time; ipywidgets sends at most one
  // update at a time and merges the rest, so a fast scrub asks only for the latest frame.
  scrub(final) {
    this.scrubbing = !final;
    this.model.set("t", Number(this.slider.value));
    this.model.save_changes();
    this.showTime();
  }

  size() {
    return [this.model.get("width"), this.model.get("height")];
  }

  protect() {
    return this.model.get("mode") === MODES.protect;
  }

  // Source pixels per CSS pixel, from the image's natural size and its rendered (zoomed) width.
  scale() {
    const shown = this.img.getBoundingClientRect().width;
    return shown > 0 ? this.model.get("width") / shown : 1;
  }

  toSource(event) {
    const rect = this.img.getBoundingClientRect();
    const [width, height] = this.size();
    const x = ((event.clientX - rect.left) * width) / rect.width;
    const y = ((event.clientY - rect.top) * height) / rect.height;
    return { x: clamp(x, 0, width), y: clamp(y, 0, height) };
  }

  save(boxes, selected) {
    this.model.set("boxes", boxes);
    this.model.set("selected", selected);
    this.model.save_changes();
  }

  showFrame() {
    const [width, height] = this.size();
    // The size is known before the picture loads, so a new frame never moves anything.
    this.img.setAttribute("width", String(width));
    this.img.setAttribute("height", String(height));
    const previous = this.frameUrl;
    this.frameUrl = URL.createObjectURL(new Blob([this.model.get("frame")]));
    this.img.src = this.frameUrl;
    if (previous) this.img.decode().catch(() => {}).finally(() => URL.revokeObjectURL(previous));
  }

  applyView() {
    const { z, x, y } = this.view;
    this.canvas.style.transform = `translate(${x}px, ${y}px) scale(${z})`;
    this.zoomLabel.textContent = `${Math.round(z * 100)}%`;
    this.stage.classList.toggle("qavix-rd-zoomed", z > 1);
    this.redraw();
  }

  // Keep the frame covering the stage: no empty margins when zoomed, none to pan to.
  clampView() {
    const w = this.stage.clientWidth;
    const h = this.stage.clientHeight;
    const { z } = this.view;
    this.view.x = clamp(this.view.x, w - w * z, 0);
    this.view.y = clamp(this.view.y, h - h * z, 0);
  }

  // Zoom by `factor` keeping the point under (clientX, clientY) where it is.
  zoomAt(factor, clientX, clientY) {
    const rect = this.stage.getBoundingClientRect();
    const px = clientX === undefined ? rect.width / 2 : clientX - rect.left;
    const py = clientY === undefined ? rect.height / 2 : clientY - rect.top;
    const { z, x, y } = this.view;
    const next = clamp(z * factor, 1, MAX_ZOOM);
    this.view = { z: next, x: px - ((px - x) * next) / z, y: py - ((py - y) * next) / z };
    this.clampView();
    this.applyView();
  }

  fit() {
    this.view = { z: 1, x: 0, y: 0 };
    this.applyView();
  }

  scheduleRedraw() {
    if (!this.pending) {
      this.pending = requestAnimationFrame(() => {
        this.pending = 0;
        this.redraw();
      });
    }
  }

  redraw() {
    const [width, height] = this.size();
    // Only when it changes: a new viewBox repaints the whole overlay, not just a moving box.
    const viewBox = `0 0 ${width} ${height}`;
    if (this.overlay.getAttribute("viewBox") !== viewBox) {
      this.overlay.setAttribute("viewBox", viewBox);
    }
    const s = this.scale();
    const protect = this.protect();
    const edges = this.model.get("boxes").map(toEdges);
    const drawing = this.drag && this.drag.mode !== "pan";
    if (drawing && this.drag.current) edges[this.drag.index] = this.drag.current;
    const selected = drawing ? this.drag.index : this.model.get("selected");
    // Replace only the boxes that changed: a drag then repaints one box, not all of them.
    const shown = [...this.overlay.children];
    edges.forEach((e, i) => {
      const kind = [e.type, i === selected, protect].join();
      const place = [e.l, e.t, e.r, e.b, s, width, height].join();
      const old = shown[i];
      if (old?.dataset.kind === kind) {
        if (old.dataset.place !== place) placeBox(old, e, s, width, height);
        old.dataset.place = place;
        return;
      }
      const g = drawBox(e, i, i === selected, s, width, height, protect);
      Object.assign(g.dataset, { kind, place });
      if (old) old.replaceWith(g);
      else this.overlay.append(g);
    });
    for (const extra of shown.slice(edges.length)) extra.remove();
    const current = edges[selected];
    const text = current
      ? describe(toBox(current, width, height), selected, protect)
      : `${edges.length} box${edges.length === 1 ? "" : "es"} on ${width}×${height} px`;
    if (this.readout.textContent !== text) this.readout.textContent = text;
    const activeType = current ? current.type : this.model.get("draw_type");
    const b = this.buttons;
    b.logo.classList.toggle("qavix-rd-active", activeType === 1);
    b.subtitle.classList.toggle("qavix-rd-active", activeType === 2);
    b.erase.classList.toggle("qavix-rd-active", !protect);
    b.protect.classList.toggle("qavix-rd-active", protect);
    this.root.classList.toggle("qavix-rd-protecting", protect);
    b.remove.disabled = !current;
    b.clear.disabled = edges.length === 0;
    b.undo.disabled = !this.model.get("can_undo");
    b.redo.disabled = !this.model.get("can_redo");
    b.zoomOut.disabled = b.fit.disabled = this.view.z <= 1;
    b.zoomIn.disabled = this.view.z >= MAX_ZOOM;
  }

  showStatus() {
    this.status.textContent = this.model.get("status");
    this.status.title = this.model.get("status");
    this.buttons.suggest.disabled = false;
  }

  hitCorner(p) {
    const index = this.model.get("selected");
    const box = this.model.get("boxes")[index];
    if (!box) return null;
    const reach = HANDLE_CSS_PX * this.scale();
    const corner = CORNERS.find((c) => {
      const q = cornerPoint(toEdges(box), c);
      return Math.abs(q.x - p.x) <= reach && Math.abs(q.y - p.y) <= reach;
    });
    return corner ? { index, corner } : null;
  }

  hitBox(p) {
    const boxes = this.model.get("boxes");
    for (let i = boxes.length - 1; i >= 0; i--) {
      const e = toEdges(boxes[i]);
      if (p.x >= e.l && p.x <= e.r && p.y >= e.t && p.y <= e.b) return i;
    }
    return -1;
  }

  // Alt, Space or the middle button pans; else a drag on a handle resizes, inside a box moves
  // it, anywhere else draws a new box.
  onPointerDown(event) {
    const pan = event.button === 1 || (event.button === 0 && (event.altKey || this.spaceDown));
    if (event.button !== 0 && !pan) return;
    this.root.focus({ preventScroll: true });
    if (pan) {
      this.drag = { mode: "pan", from: { x: event.clientX, y: event.clientY }, view: this.view };
    } else {
      const p = this.toSource(event);
      const boxes = this.model.get("boxes");
      const handle = this.hitCorner(p);
      const inside = this.hitBox(p);
      if (handle) {
        this.drag = { mode: "resize", ...handle, origin: toEdges(boxes[handle.index]) };
      } else if (inside >= 0) {
        this.drag = { mode: "move", index: inside, origin: toEdges(boxes[inside]) };
      } else {
        const origin = { l: p.x, t: p.y, r: p.x, b: p.y, type: this.model.get("draw_type") };
        this.drag = { mode: "draw", index: boxes.length, origin };
      }
      this.drag.start = p;
    }
    this.overlay.setPointerCapture(event.pointerId);
    event.preventDefault();
    event.stopPropagation();
    this.redraw();
  }

  onPointerMove(event) {
    const drag = this.drag;
    if (!drag) return;
    if (drag.mode === "pan") {
      const { x, y, z } = drag.view;
      this.view = { z, x: x + event.clientX - drag.from.x, y: y + event.clientY - drag.from.y };
      this.clampView();
      this.canvas.style.transform = `translate(${this.view.x}px, ${this.view.y}px) scale(${z})`;
      return;
    }
    const p = this.toSource(event);
    const [width, height] = this.size();
    if (drag.mode === "move") {
      drag.current = moved(drag.origin, p.x - drag.start.x, p.y - drag.start.y, width, height);
    } else {
      drag.current = resized(drag.origin, drag.mode === "resize" ? drag.corner : "se", p);
    }
    this.scheduleRedraw();
  }

  onPointerUp(event) {
    if (!this.drag) return;
    this.root.focus({ preventScroll: true }); // the notebook may have taken focus meanwhile
    if (this.drag.mode === "pan") {
      this.drag = null;
      return this.applyView();
    }
    if (event.type === "pointerup") this.onPointerMove(event); // where the button came up
    const { index: dragged, current, mode } = this.drag;
    this.drag = null;
    const boxes = [...this.model.get("boxes")];
    // Python may have changed the boxes during the drag: add at the end, edit only if still there.
    const index = mode === "draw" ? boxes.length : dragged;
    if (index >= boxes.length && mode !== "draw") return this.redraw();
    const minimum = MIN_BOX_CSS_PX * this.scale();
    const big = current &&
      Math.abs(current.r - current.l) >= minimum && Math.abs(current.b - current.t) >= minimum;
    const box = current && toBox(current, ...this.size());
    if (big && box.x1 > box.x0 && box.y1 > box.y0) {
      boxes[index] = box;
      this.save(boxes, index);
    } else {
      this.save(boxes, mode === "draw" ? -1 : index); // a click on empty space deselects
    }
    this.redraw();
  }

  onWheel(event) {
    // Zoom only once the widget has focus (or on Ctrl+wheel, a pinch): else the page scrolls.
    if (!event.ctrlKey && !this.root.contains(document.activeElement)) return;
    event.preventDefault();
    this.zoomAt(Math.exp(-event.deltaY * WHEEL_RATE), event.clientX, event.clientY);
  }

  setType(type) {
    const index = this.model.get("selected");
    const boxes = [...this.model.get("boxes")];
    this.model.set("draw_type", type); // the chosen type also sticks for the next boxes
    if (boxes[index] && boxes[index].type !== type) {
      boxes[index] = { ...boxes[index], type };
      this.model.set("boxes", boxes);
    }
    this.model.save_changes();
  }

  setMode(mode) {
    this.model.set("mode", mode);
    this.model.save_changes();
  }

  removeSelected() {
    const index = this.model.get("selected");
    if (index < 0) return;
    this.save(this.model.get("boxes").filter((_, i) => i !== index), -1);
  }

  nudge(dx, dy) {
    const index = this.model.get("selected");
    const boxes = [...this.model.get("boxes")];
    if (!boxes[index]) return;
    const [width, height] = this.size();
    boxes[index] = toBox(moved(toEdges(boxes[index]), dx, dy, width, height), width, height);
    this.save(boxes, index);
  }

  ask(action) {
    if (action === "suggest") this.buttons.suggest.disabled = true; // until the kernel answers
    this.model.send({ action });
  }

  // The slider's keys, done here: the page around may take the arrows for itself.
  onSliderKey(event) {
    const steps = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1 };
    const slider = this.slider;
    if (event.key in steps) slider.value = String(Number(slider.value) + steps[event.key] *
      Number(slider.step));
    else if (event.key === "Home") slider.value = slider.min;
    else if (event.key === "End") slider.value = slider.max;
    else return;
    event.preventDefault();
    event.stopPropagation();
    this.scrub(true);
  }

  onKeyDown(event) {
    if (event.target === this.slider) return this.onSliderKey(event);
    const key = event.key;
    if (event.ctrlKey || event.metaKey) {
      const lower = key.toLowerCase();
      if (lower === "z") this.ask(event.shiftKey ? "redo" : "undo");
      else if (lower === "y") this.ask("redo");
      else return; // leave Ctrl+S & co. to the page
    } else if (event.altKey) return;
    else if (key === "Delete" || key === "Backspace") this.removeSelected();
    else if (key === "l" || key === "L") this.setType(1);
    else if (key === "s" || key === "S") this.setType(2);
    else if (key === "Escape") this.save(this.model.get("boxes"), -1);
    else if (key === "0") this.fit();
    else if (key === "+" || key === "=") this.zoomAt(1.25);
    else if (key === "-") this.zoomAt(0.8);
    else if (key === " ") this.spaceDown = true;
    else if (ARROWS[key]) this.nudge(...ARROWS[key].map((v) => v * (event.shiftKey ? 10 : 1)));
    else return;
    event.preventDefault();
    event.stopPropagation();
  }
}

function render({ model, el }) {
  const view = new DrawerView(model, el);
  const on = (target, event, method, options) =>
    target.addEventListener(event, method.bind(view), options);
  const b = view.buttons;
  on(b.logo, "click", () => view.setType(1));
  on(b.subtitle, "click", () => view.setType(2));
  on(b.remove, "click", view.removeSelected);
  on(b.clear, "click", () => view.save([], -1));
  on(b.undo, "click", () => view.ask("undo"));
  on(b.redo, "click", () => view.ask("redo"));
  on(b.suggest, "click", () => view.ask("suggest"));
  on(b.erase, "click", () => view.setMode(MODES.erase));
  on(b.protect, "click", () => view.setMode(MODES.protect));
  on(b.zoomIn, "click", () => view.zoomAt(1.25));
  on(b.zoomOut, "click", () => view.zoomAt(0.8));
  on(b.fit, "click", view.fit);
  on(view.overlay, "pointerdown", view.onPointerDown);
  on(view.overlay, "pointermove", view.onPointerMove);
  on(view.overlay, "pointerup", view.onPointerUp);
  on(view.overlay, "pointercancel", view.onPointerUp);
  on(view.stage, "wheel", view.onWheel, { passive: false });
  on(view.root, "keydown", view.onKeyDown);
  on(view.root, "keyup", (event) => { if (event.key === " ") view.spaceDown = false; });
  on(view.img, "load", view.redraw);
  if (view.slider) {
    on(view.slider, "input", () => view.scrub(false));
    on(view.slider, "change", () => view.scrub(true));
  }
  const resizes = new ResizeObserver(() => {
    view.clampView();
    view.applyView();
  });
  resizes.observe(view.stage);

  const redraw = () => view.redraw();
  const listeners = [
    ["change:frame", () => view.showFrame()],
    ["change:t", () => view.showTime()],
    ["change:status", () => view.showStatus()],
    ...["boxes", "selected", "draw_type", "width", "height", "mode", "can_undo", "can_redo"]
      .map((n) => [`change:${n}`, redraw]),
  ];
  for (const [event, handler] of listeners) model.on(event, handler);
  view.showFrame();
  view.showStatus();
  view.applyView();

  return () => {
    for (const [event, handler] of listeners) model.off(event, handler);
    resizes.disconnect();
    if (view.pending) cancelAnimationFrame(view.pending);
    if (view.frameUrl) URL.revokeObjectURL(view.frameUrl);
  };
}

export default { render };
