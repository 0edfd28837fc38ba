// RegionDrawer view (anywidget ES module, no build step).
// Boxes live in the model in SOURCE pixels with inclusive corners {x0, y0, x1, y1, type}.
// The overlay SVG uses the source size as its viewBox, so boxes stay aligned when the frame is
// shown downscaled, on HiDPI screens and after resizes; mouse positions are mapped from CSS
// pixels with the image's rendered rectangle, which devicePixelRatio does not affect.

const SVG_NS = "http://www.w3.org/2000/svg";
const TYPE_NAMES = { 1: "logo", 2: "subtitle" };
const HANDLE_CSS_PX = 10;
const MIN_BOX_CSS_PX = 4;
const CORNERS = ["nw", "ne", "se", "sw"];
const HELP =
  "drag: draw · drag a box: move · corners: resize · Del: delete · l / s: logo / subtitle · " +
  "Esc: deselect · arrows: nudge (Shift ×10)";

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

function toolbar() {
  const bar = html("div", { class: "qavix-rd-toolbar" });
  const typeButton = (name, key, label) =>
    html("button", { "data-testid": `type-${name}`, class: `qavix-rd-${name}`, title: key }, label);
  const buttons = {
    logo: typeButton("logo", "l", "Logo"),
    subtitle: typeButton("subtitle", "s", "Subtitle"),
    remove: html("button", { "data-testid": "delete", title: "Delete / Backspace" }, "Delete"),
    clear: html("button", { "data-testid": "clear" }, "Clear"),
  };
  const readout = html("span", { class: "qavix-rd-readout", "data-testid": "readout" });
  bar.append(...Object.values(buttons), readout);
  return { bar, buttons, readout };
}

function drawBox(e, index, selected, s, width, height) {
  const name = TYPE_NAMES[e.type] ?? "subtitle";
  const g = svg("g", {
    "data-testid": `box-${index}`,
    "data-type": name,
    class: `qavix-rd-box qavix-rd-${name}${selected ? " qavix-rd-selected" : ""}`,
  });
  const box = toBox(e, width, height);
  g.append(svg("rect", {
    x: box.x0, y: box.y0, width: box.x1 - box.x0 + 1, height: box.y1 - box.y0 + 1,
    "vector-effect": "non-scaling-stroke",
  }));
  const label = svg("text", { x: box.x0 + 8 * s, y: box.y0 + 15 * s, "font-size": 11 * s });
  label.textContent = `${index + 1} ${name}`;
  g.append(label);
  if (!selected) return g;
  const half = (HANDLE_CSS_PX * s) / 2;
  for (const corner of CORNERS) {
    const p = cornerPoint(toEdges(box), corner);
    g.append(svg("rect", {
      class: "qavix-rd-handle", "data-testid": `handle-${corner}`,
      x: p.x - half, y: p.y - half, width: 2 * half, height: 2 * half,
      "vector-effect": "non-scaling-stroke",
    }));
  }
  return g;
}

function describe(box, index) {
  const w = box.x1 - box.x0 + 1;
  const h = box.y1 - box.y0 + 1;
  const corners = `(${box.x0}, ${box.y0}) – (${box.x1}, ${box.y1})`;
  return `#${index + 1} ${TYPE_NAMES[box.type]}: ${corners}, ${w}×${h} px`;
}

const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

// One view of the model: the DOM, the drag in progress, and the edits it saves.
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
    const { bar, buttons, readout } = toolbar();
    Object.assign(this, { buttons, readout, frameUrl: null, drag: null });
    const stage = html("div", { class: "qavix-rd-stage" });
    this.img = html("img", { "data-testid": "frame", alt: "video frame", draggable: "false" });
    this.overlay = svg("svg", { "data-testid": "overlay", preserveAspectRatio: "none" });
    stage.append(this.img, this.overlay);
    const help = html("div", { class: "qavix-rd-help", "data-testid": "help" }, HELP);
    this.root.append(bar, stage, help);
    el.append(this.root);
  }

  size() {
    return [this.model.get("width"), this.model.get("height")];
  }

  // Source pixels per CSS pixel, from the image's natural size and its rendered width.
  scale() {
    const shown = this.img.getBoundingClientRect().width;
    return shown > 0 ? (this.img.naturalWidth || this.model.get("width")) / shown : 1;
  }

  toSource(event) {
    const rect = this.img.getBoundingClientRect();
    const [width, height] = this.size();
    const x = ((event.clientX - rect.left) * (this.img.naturalWidth || width)) / rect.width;
    const y = ((event.clientY - rect.top) * (this.img.naturalHeight || height)) / rect.height;
    return { x: clamp(x, 0, width), y: clamp(y, 0, height) };
  }

  save(boxes, selected) {
    this.model.set("boxes", boxes);
    this.model.set("selected", selected);
    this.model.save_changes();
  }

  showFrame() {
    if (this.frameUrl) URL.revokeObjectURL(this.frameUrl);
    const png = new Blob([this.model.get("frame")], { type: "image/png" });
    this.frameUrl = URL.createObjectURL(png);
    this.img.src = this.frameUrl;
  }

  redraw() {
    const [width, height] = this.size();
    this.overlay.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const s = this.scale();
    const edges = this.model.get("boxes").map(toEdges);
    if (this.drag?.current) edges[this.drag.index] = this.drag.current;
    const selected = this.drag ? this.drag.index : this.model.get("selected");
    this.overlay.replaceChildren(
      ...edges.map((e, i) => drawBox(e, i, i === selected, s, width, height)),
    );
    const current = edges[selected];
    this.readout.textContent = current
      ? describe(toBox(current, width, height), selected)
      : `${edges.length} box${edges.length === 1 ? "" : "es"} on ${width}×${height} px`;
    const activeType = current ? current.type : this.model.get("draw_type");
    this.buttons.logo.classList.toggle("qavix-rd-active", activeType === 1);
    this.buttons.subtitle.classList.toggle("qavix-rd-active", activeType === 2);
    this.buttons.remove.disabled = !current;
    this.buttons.clear.disabled = edges.length === 0;
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

  // A drag on a handle resizes, inside a box moves it, anywhere else draws a new box.
  onPointerDown(event) {
    if (event.button !== 0) return;
    this.root.focus({ preventScroll: true });
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
    this.overlay.setPointerCapture(event.pointerId);
    event.preventDefault();
    event.stopPropagation();
    this.redraw();
  }

  onPointerMove(event) {
    const drag = this.drag;
    if (!drag) return;
    const p = this.toSource(event);
    const [width, height] = this.size();
    if (drag.mode === "move") {
      drag.current = moved(drag.origin, p.x - drag.start.x, p.y - drag.start.y, width, height);
    } else {
      drag.current = resized(drag.origin, drag.mode === "resize" ? drag.corner : "se", p);
    }
    this.redraw();
  }

  onPointerUp() {
    if (!this.drag) return;
    this.root.focus({ preventScroll: true }); // the notebook may have taken focus meanwhile
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

  setType(type) {
    const index = this.model.get("selected");
    const boxes = [...this.model.get("boxes")];
    this.model.set("draw_type", type); // the chosen type also sticks for the next boxes
    if (boxes[index]) boxes[index] = { ...boxes[index], type };
    this.save(boxes, index);
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

  onKeyDown(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return; // leave Ctrl+S & co. to the page
    const key = event.key;
    if (key === "Delete" || key === "Backspace") this.removeSelected();
    else if (key === "l" || key === "L") this.setType(1);
    else if (key === "s" || key === "S") this.setType(2);
    else if (key === "Escape") this.save(this.model.get("boxes"), -1);
    else if (ARROWS[key]) this.nudge(...ARROWS[key].map((v) => v * (event.shiftKey ? 10 : 1)));
    else return;
    event.preventDefault();
    event.stopPropagation();
  }
}

function render({ model, el }) {
  const view = new DrawerView(model, el);
  const on = (target, event, method) => target.addEventListener(event, method.bind(view));
  on(view.buttons.logo, "click", () => view.setType(1));
  on(view.buttons.subtitle, "click", () => view.setType(2));
  on(view.buttons.remove, "click", view.removeSelected);
  on(view.buttons.clear, "click", () => view.save([], -1));
  on(view.overlay, "pointerdown", view.onPointerDown);
  on(view.overlay, "pointermove", view.onPointerMove);
  on(view.overlay, "pointerup", view.onPointerUp);
  on(view.overlay, "pointercancel", view.onPointerUp);
  on(view.root, "keydown", view.onKeyDown);
  on(view.img, "load", view.redraw);
  const resizes = new ResizeObserver(() => view.redraw());
  resizes.observe(view.img);

  const redraw = () => view.redraw();
  const listeners = [
    ["change:frame", () => view.showFrame()],
    ...["boxes", "selected", "draw_type", "width", "height"].map((n) => [`change:${n}`, redraw]),
  ];
  for (const [event, handler] of listeners) model.on(event, handler);
  view.showFrame();
  view.redraw();

  return () => {
    for (const [event, handler] of listeners) model.off(event, handler);
    resizes.disconnect();
    if (view.frameUrl) URL.revokeObjectURL(view.frameUrl);
  };
}

export default { render };
