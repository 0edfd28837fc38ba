// TimelinePlayer view: a media element (or a silent clock), lanes of sentences, QA problems.
// The media arrives from the kernel in binary chunks and plays from a blob URL.

const SEVERITY = { error: 2, warning: 1, info: 0 };

function clock(seconds) {
  const s = Math.max(0, seconds);
  const m = Math.floor(s / 60);
  return `${m}:${(s % 60).toFixed(1).padStart(4, "0")}`;
}

function el(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}

// A media-element look-alike for timelines without media: time runs on the wall clock.
class SilentClock extends EventTarget {
  constructor(duration) {
    super();
    this.duration = duration;
    this.paused = true;
    this._at = 0;
    this._since = 0;
  }
  get currentTime() {
    if (this.paused) return this._at;
    return Math.min(this.duration, this._at + (performance.now() - this._since) / 1000);
  }
  set currentTime(t) {
    this._at = Math.max(0, Math.min(this.duration, t));
    this._since = performance.now();
    this.dispatchEvent(new Event("seeked"));
    this.dispatchEvent(new Event("timeupdate"));
  }
  play() {
    this._at = this.currentTime;
    this._since = performance.now();
    this.paused = false;
    this.dispatchEvent(new Event("play"));
    const tick = () => {
      if (this.paused) return;
      if (this.currentTime >= this.duration) { this.pause(); return; }
      this.dispatchEvent(new Event("timeupdate"));
      setTimeout(tick, 250);
    };
    tick();
    return Promise.resolve();
  }
  pause() {
    this._at = this.currentTime;
    this.paused = true;
    this.dispatchEvent(new Event("pause"));
  }
}

function render({ model, el: root }) {
  const viewId = Math.random().toString(36).slice(2);
  const sentences = model.get("sentences");
  const problems = model.get("problems");
  const duration = Math.max(model.get("duration"), 0.001);
  const kind = model.get("media_kind");

  const box = el("div", "qtp", root);
  box.tabIndex = 0;
  box.dataset.testid = "timeline-player";

  let player;
  if (kind) {
    player = el(kind === "video" ? "video" : "audio", "qtp-media", box);
    player.controls = true;
    player.preload = "auto";
    player.dataset.testid = "media";
  } else {
    player = new SilentClock(duration);
  }
  const status = el("div", "qtp-status", box);
  status.dataset.testid = "status";
  const overview = el("div", "qtp-overview", box);
  const viewport = el("div", "qtp-viewport", overview);
  const lanesBox = el("div", "qtp-lanes", box);
  lanesBox.dataset.testid = "lanes";
  const playhead = el("div", "qtp-playhead", lanesBox);
  playhead.dataset.testid = "playhead";
  const list = el("div", "qtp-problems", box);
  list.dataset.testid = "problems";

  // --- lanes: one per speaker, with a translation lane below when any sentence has one -----
  const speakers = [...new Set(sentences.map((s) => s.speaker))];
  const translated = sentences.some((s) => s.translation);
  const laneOf = {};
  speakers.forEach((sp, k) => { laneOf[sp] = k * (translated ? 2 : 1); });
  const laneCount = speakers.length * (translated ? 2 : 1);
  lanesBox.style.setProperty("--lanes", String(Math.max(1, laneCount)));
  speakers.forEach((sp, k) => {
    const label = el("div", "qtp-lane-label", lanesBox);
    label.textContent = `speaker ${sp}`;
    label.style.setProperty("--lane", String(laneOf[sp]));
    if (translated) {
      const tl = el("div", "qtp-lane-label qtp-translation", lanesBox);
      tl.textContent = "translation";
      tl.style.setProperty("--lane", String(laneOf[sp] + 1));
    }
  });
  const track = el("div", "qtp-track", lanesBox);

  const worst = {};
  for (const p of problems) {
    if (!(p.sentence in worst) || SEVERITY[p.severity] > SEVERITY[worst[p.sentence]]) {
      worst[p.sentence] = p.severity;
    }
  }
  for (const p of problems) {
    const tick = el("div", `qtp-tick qtp-${p.severity}`, overview);
    tick.style.left = `${(100 * sentences[p.sentence].start) / duration}%`;
  }

  let stopAt = null; // playing one sentence: pause at its end
  let viewStart = 0;
  let span = Math.min(model.get("window"), duration);
  let current = -1;

  function sentenceAt(t) {
    // the last sentence that started at or before t (sentences need not be sorted)
    let best = -1;
    for (const s of sentences) {
      if (s.start <= t + 1e-6 && (best < 0 || s.start >= sentences[best].start)) best = s.i;
    }
    return best;
  }

  function block(s, lane, text, extra) {
    const b = el("div", `qtp-block ${extra}`, track);
    b.style.left = `${(100 * (s.start - viewStart)) / span}%`;
    b.style.width = `max(3px, ${(100 * (s.end - s.start)) / span}%)`;
    b.style.setProperty("--lane", String(lane));
    b.textContent = text;
    b.title = `${clock(s.start)}-${clock(s.end)}  ${text}`;
    b.dataset.sentence = String(s.i);
    if (s.i in worst) b.classList.add(`qtp-has-${worst[s.i]}`);
    if (s.i === current) b.classList.add("qtp-current");
    return b;
  }

  function drawLanes() {
    track.replaceChildren();
    const end = viewStart + span;
    for (const s of sentences) {
      if (s.end < viewStart || s.start > end) continue;
      const lane = laneOf[s.speaker];
      block(s, lane, s.text, "qtp-source").dataset.testid = `sentence-${s.i}`;
      if (translated && s.translation) block(s, lane + 1, s.translation, "qtp-target");
    }
    viewport.style.left = `${(100 * viewStart) / duration}%`;
    viewport.style.width = `${(100 * span) / duration}%`;
  }

  function drawProblems() {
    list.replaceChildren();
    if (!problems.length) {
      el("div", "qtp-none", list).textContent = "No QA problems.";
      return;
    }
    for (const p of problems) {
      const row = el("div", `qtp-problem qtp-${p.severity}`, list);
      row.dataset.sentence = String(p.sentence);
      row.dataset.testid = `problem-${p.sentence}-${p.check}`;
      const s = sentences[p.sentence];
      el("span", "qtp-dot", row);
      el("span", "qtp-when", row).textContent = clock(s.start);
      el("span", "qtp-check", row).textContent = p.check;
      el("span", "qtp-message", row).textContent = p.message;
    }
  }

  function follow(t) {
    // keep the playhead in view: page forward/back, with 20% of context before it
    if (t < viewStart || t > viewStart + span) {
      viewStart = Math.max(0, Math.min(duration - span, t - 0.2 * span));
      drawLanes();
    }
    const x = (100 * (t - viewStart)) / span;
    playhead.style.left = `calc(var(--label-width) + (100% - var(--label-width)) * ${x / 100})`;
  }

  function updateStatus(t) {
    const state = player.paused ? "paused" : "playing";
    const where = current >= 0 ? `sentence ${current + 1} of ${sentences.length}` :
      `${sentences.length} sentences`;
    const loading = box.dataset.loading ? ` · ${box.dataset.loading}` : "";
    status.textContent = `${state} ${clock(t)} / ${clock(duration)} · ${where} · ` +
      `${problems.length} problem${problems.length === 1 ? "" : "s"}${loading}`;
  }

  function setCurrent(i) {
    if (i === current) return;
    current = i;
    for (const b of track.querySelectorAll(".qtp-current")) b.classList.remove("qtp-current");
    for (const b of track.querySelectorAll(`[data-sentence="${i}"]`)) b.classList.add("qtp-current");
    for (const r of list.querySelectorAll(".qtp-active")) r.classList.remove("qtp-active");
    for (const r of list.querySelectorAll(`[data-sentence="${i}"]`)) r.classList.add("qtp-active");
  }

  // --- playhead: every animation frame while playing; the kernel hears 4 times a second ---
  let lastSync = 0;
  function tick(force = false) {
    const t = player.currentTime || 0;
    if (stopAt !== null && !player.paused && t >= stopAt) {
      stopAt = null;
      player.pause();
    }
    follow(t);
    setCurrent(sentenceAt(t));
    updateStatus(t);
    const now = performance.now();
    if (force || now - lastSync > 250) {
      lastSync = now;
      model.set("current_time", t);
      model.set("current_sentence", current);
      model.save_changes();
    }
  }
  let frame = 0;
  function loop() {
    tick();
    if (!player.paused) frame = requestAnimationFrame(loop);
  }

  function seek(t, play, until = null) {
    stopAt = until;
    // play once the seek has landed, so that "where it landed" is the sentence's start
    // (paused while seeking: a playing element moves on before 'seeked' is heard)
    if (!player.paused) player.pause();
    if (play) player.addEventListener("seeked", () => player.play().catch(() => {}), { once: true });
    player.currentTime = Math.max(0, Math.min(duration, t));
    tick();
  }
  function playSentence(i) {
    if (i < 0 || i >= sentences.length) return;
    setCurrent(i);
    seek(sentences[i].start, true, sentences[i].end);
  }

  player.addEventListener("play", () => {
    model.set("playing", true);
    model.save_changes();
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(loop);
  });
  player.addEventListener("pause", () => {
    model.set("playing", false);
    tick(true); // the kernel hears where it stopped
  });
  player.addEventListener("seeked", () => {
    model.set("last_seek", player.currentTime);
    tick(true);
  });
  player.addEventListener("timeupdate", () => { if (player.paused) tick(); });

  track.addEventListener("click", (event) => {
    const b = event.target.closest(".qtp-block");
    if (b) playSentence(Number(b.dataset.sentence));
    box.focus({ preventScroll: true });
  });
  list.addEventListener("click", (event) => {
    const row = event.target.closest(".qtp-problem");
    if (row) playSentence(Number(row.dataset.sentence));
    box.focus({ preventScroll: true });
  });
  overview.addEventListener("click", (event) => {
    const r = overview.getBoundingClientRect();
    seek(((event.clientX - r.left) / r.width) * duration, false);
  });
  lanesBox.addEventListener("wheel", (event) => {
    event.preventDefault();
    const t = player.currentTime || viewStart;
    span = Math.max(2, Math.min(duration, span * (event.deltaY > 0 ? 1.25 : 0.8)));
    viewStart = Math.max(0, Math.min(duration - span, t - 0.2 * span));
    drawLanes();
    tick();
  }, { passive: false });
  box.addEventListener("keydown", (event) => {
    // keep JupyterLab's command-mode shortcuts out while the player has the focus
    if (event.key === " " || event.key === "ArrowLeft" || event.key === "ArrowRight") {
      event.preventDefault();
      event.stopPropagation();
    } else {
      return;
    }
    if (event.key === " ") {
      stopAt = null;
      if (player.paused) player.play().catch(() => {}); else player.pause();
    } else {
      const t = player.currentTime || 0;
      const here = sentenceAt(t);
      const order = [...sentences].sort((a, b) => a.start - b.start).map((s) => s.i);
      const k = order.indexOf(here);
      const next = event.key === "ArrowRight" ? order[k + 1] : order[Math.max(0, k - 1)];
      if (next !== undefined) playSentence(next);
    }
  });

  model.on("msg:custom", (msg, buffers) => {
    if (msg.type === "seek") seek(msg.time, msg.play, msg.until ?? null);
    else if (msg.type === "pause") player.pause();
    else if (msg.type === "chunk" && msg.view === viewId) receive(msg, buffers);
  });

  // --- media from the kernel, one chunk at a time ------------------------------------------
  const chunks = [];
  let url = null;
  function request(offset) {
    model.send({ type: "chunk", offset, view: viewId });
  }
  function receive(msg, buffers) {
    const data = buffers[0];
    chunks.push(data.buffer ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data);
    const got = msg.offset + (data.byteLength ?? data.length);
    box.dataset.loading = msg.last ? "" : `loading ${Math.round((100 * got) / msg.size)}%`;
    if (msg.last) {
      url = URL.createObjectURL(new Blob(chunks, { type: model.get("media_mime") }));
      chunks.length = 0;
      player.src = url;
      box.dataset.ready = "1";
    } else {
      request(got);
    }
    updateStatus(player.currentTime || 0);
  }
  if (kind && model.get("media_size") > 0) {
    box.dataset.loading = "loading 0%";
    request(0);
  } else {
    box.dataset.ready = "1";
  }

  drawLanes();
  drawProblems();
  tick();
  return () => {
    cancelAnimationFrame(frame);
    if (!kind) player.pause();
    if (url) URL.revokeObjectURL(url);
  };
}

export default { render };
