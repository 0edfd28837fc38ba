// One trial of an AB, ABX, CMOS or MUSHRA listening test: players, answer controls, keys.
// Shared by the exported page and the notebook widget. It never sees a system name: only the
// slot letters and the clips' URLs. Keys: 1..9 play a slot (again: stop), arrows choose,
// Enter goes on. Nothing plays by itself and nothing loops.
const CMOS_LABELS = ["A much better", "A better", "A slightly better", "About the same",
                     "B slightly better", "B better", "B much better"];

function mountTrial(root, spec, onAnswer) {
  const { kind, letters, clips, number, total } = spec;
  const shown = performance.now();
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  root.innerHTML = "";
  const box = el("div", "ql-trial");
  box.tabIndex = 0;
  box.append(el("div", "ql-progress", `Trial ${number} of ${total}`));
  const audios = clips.map((url) => {
    const a = new Audio(url);
    a.preload = "auto";
    a.loop = false;
    a.autoplay = false;
    return a;
  });
  const playButtons = [];
  const players = el("div", "ql-players");
  const play = (i) => {
    audios.forEach((a, j) => { if (j !== i) { a.pause(); a.currentTime = 0; } });
    const a = audios[i];
    if (!a.paused) { a.pause(); a.currentTime = 0; return; }
    a.currentTime = 0;
    a.play().catch(() => {});
    playButtons[i].classList.add("ql-heard");
  };
  audios.forEach((a, i) => {
    const b = el("button", "ql-play", `▶ ${letters[i]}`);
    b.dataset.slot = letters[i];
    b.title = `play ${letters[i]} (key ${i + 1})`;
    b.addEventListener("click", () => play(i));
    a.addEventListener("play", () => b.classList.add("ql-playing"));
    a.addEventListener("pause", () => b.classList.remove("ql-playing"));
    a.addEventListener("ended", () => b.classList.remove("ql-playing"));
    playButtons.push(b);
  });
  let value = kind === "mushra" ? clips.map(() => 50) : null;
  const next = el("button", "ql-next", "Next ⏎");
  const choices = el("div", `ql-choices ql-${kind}`);
  const options = {
    ab: [["A", "A is better ←"], ["=", "No preference ↓"], ["B", "B is better →"]],
    abx: [["A", "X is A ←"], ["B", "X is B →"]],
    cmos: CMOS_LABELS.map((label, i) => [i - 3, `${i - 3 > 0 ? "+" : ""}${i - 3} ${label}`]),
  }[kind];
  const choiceButtons = [];
  const select = (v) => {
    value = v;
    choiceButtons.forEach((b) => b.classList.toggle("ql-selected", b.dataset.value === String(v)));
    next.disabled = false;
  };
  let sliders = [];
  let focusSlot = 0;
  if (kind === "mushra") {
    sliders = clips.map((_, i) => {
      const row = el("label", "ql-slider");
      const s = el("input");
      s.type = "range"; s.min = 0; s.max = 100; s.step = 1; s.value = 50;
      s.dataset.slot = letters[i];
      const shownValue = el("span", "ql-score", "50");
      s.addEventListener("input", () => { value[i] = Number(s.value); shownValue.textContent = s.value; });
      row.append(playButtons[i], s, shownValue);
      choices.append(row);
      return s;
    });
    const scale = el("div", "ql-scale", "0 bad · 20 poor · 40 fair · 60 good · 80 excellent · 100");
    choices.prepend(scale);
  } else {
    playButtons.forEach((b) => players.append(b));
    for (const [v, label] of options) {
      const b = el("button", "ql-choice", label);
      b.dataset.value = String(v);
      b.addEventListener("click", () => select(v));
      choices.append(b);
      choiceButtons.push(b);
    }
  }
  next.disabled = kind !== "mushra";
  let finished = false;
  const finish = () => {
    if (finished || next.disabled) return;
    finished = true;
    audios.forEach((a) => { a.pause(); a.src = ""; });
    onAnswer(value, (performance.now() - shown) / 1000);
  };
  next.addEventListener("click", finish);
  const keys = (event) => {
    const k = event.key;
    if (/^[1-9]$/.test(k) && Number(k) <= clips.length) {
      play(Number(k) - 1);
      focusSlot = Number(k) - 1;
    } else if (k === "Enter") {
      finish();
    } else if (kind === "mushra" && (k === "ArrowUp" || k === "ArrowDown")) {
      const s = sliders[focusSlot];
      const step = (event.shiftKey ? 1 : 5) * (k === "ArrowUp" ? 1 : -1);
      s.value = Math.max(0, Math.min(100, Number(s.value) + step));
      s.dispatchEvent(new Event("input"));
    } else if (kind === "cmos" && (k === "ArrowLeft" || k === "ArrowRight")) {
      select(Math.max(-3, Math.min(3, (value ?? 0) + (k === "ArrowRight" ? 1 : -1))));
    } else if (kind !== "cmos" && kind !== "mushra" && k === "ArrowLeft") {
      select("A");
    } else if (kind !== "cmos" && kind !== "mushra" && k === "ArrowRight") {
      select("B");
    } else if (kind === "ab" && k === "ArrowDown") {
      select("=");
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  };
  box.addEventListener("keydown", keys);
  const help = el("div", "ql-help", kind === "mushra"
    ? "Keys: 1-9 play, ↑/↓ change the score of the slot last played (Shift: by 1), Enter next"
    : "Keys: 1-" + clips.length + " play, ←/→" + (kind === "ab" ? "/↓" : "") + " choose, Enter next");
  box.append(players, choices, next, help);
  root.append(box);
  box.focus({ preventScroll: true });
  return { destroy: () => audios.forEach((a) => { a.pause(); a.src = ""; }) };
}
